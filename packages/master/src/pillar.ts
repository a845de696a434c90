/** Per-minion pillar, compiled on the master with that minion's cached grains; sent sealed to it alone. */
import { FileRoots, type Dict, type Logger } from '@brine/core';
import { compilePillar } from '@brine/render';

export class PillarCompiler {
  private readonly roots: FileRoots;
  constructor(pillarRoots: Record<string, string[]>, private readonly opts: Dict, private readonly log: Logger) {
    this.roots = new FileRoots(pillarRoots['base'] ?? []);
  }

  compile(id: string, grains: Dict): Dict {
    // Pillar templates see the master's options with the minion's id (nodegroups in the pillar top.sls work).
    return compilePillar({ roots: this.roots, id, grains, opts: { ...this.opts, id }, log: this.log });
  }
}
