/** Per-minion pillar, compiled on the master with that minion's cached grains; sent sealed to it alone. */
import { FileEnvs, type Dict, type Logger } from '@brine/core';
import { compilePillar } from '@brine/render';

export class PillarCompiler {
  private readonly envs: FileEnvs;
  constructor(pillarRoots: Record<string, string[]>, private readonly opts: Dict, private readonly log: Logger) {
    this.envs = FileEnvs.fromDirs(pillarRoots);
  }

  /** `pillarenv`: the minion's (its option, or a call's `pillarenv=`); else the master's option. */
  compile(id: string, grains: Dict, pillarenv?: string): Dict {
    // Pillar templates see the master's options with the minion's id (nodegroups in the pillar top.sls work).
    return compilePillar({ envs: this.envs, id, grains, opts: { ...this.opts, id }, log: this.log, ...(pillarenv ? { pillarenv } : {}) });
  }
}
