/**
 * The mine: the latest data each minion published (`mine.update`), by function name. Persisted under the cache
 * dir; dropped when the minion's key is deleted. Reads match targets against cached grains and pillar.
 */
import * as fs from 'fs';
import * as path from 'path';
import { checkUntrustedTarget, isDict, matchTarget, writeFileAtomicSync, type Dict, type TargetType } from '@brine/core';
import { validMinionId } from './keys';
import type { Registry } from './registry';

export class MineStore {
  private readonly data = new Map<string, Dict>();
  constructor(private readonly dir: string) {
    fs.mkdirSync(dir, { recursive: true, mode: 0o700 });
    for (const f of fs.readdirSync(dir)) {
      const id = f.replace(/\.json$/, '');
      if (!f.endsWith('.json') || !validMinionId(id)) continue;
      try {
        const d: unknown = JSON.parse(fs.readFileSync(path.join(dir, f), 'utf8'));
        if (isDict(d)) this.data.set(id, d);
      } catch {
        /* skip a damaged entry */
      }
    }
  }

  /** Replace or merge one minion's functions (Salt's mine.update replaces per function). */
  update(id: string, fns: Dict, clear = false): void {
    const next = clear ? { ...fns } : { ...(this.data.get(id) ?? {}), ...fns };
    this.data.set(id, next);
    writeFileAtomicSync(path.join(this.dir, `${id}.json`), JSON.stringify(next));
  }

  delete(id: string): void {
    this.data.delete(id);
    fs.rmSync(path.join(this.dir, `${id}.json`), { force: true });
  }

  /** `{minion_id: value}` ordered by id, for minions matching the target that have `fun` in the mine. */
  get(tgt: string | string[], fun: string, tgtType: TargetType, registry: Registry, accepted: Set<string>, nodegroups: Record<string, string | string[]>): Dict {
    const out: Dict = {};
    checkUntrustedTarget({ tgt, type: tgtType }, { nodegroups });
    for (const id of [...this.data.keys()].sort()) {
      if (!accepted.has(id)) continue;
      const fns = this.data.get(id)!;
      if (!(fun in fns)) continue;
      const info = registry.info(id);
      const subject = { id, grains: info.grains ?? {}, pillar: info.pillar ?? {} };
      // The target comes from a minion: its regular expressions must be safe to run here (no ReDoS).
      if (matchTarget({ tgt, type: tgtType }, subject, { nodegroups, untrusted: true })) out[id] = fns[fun];
    }
    return out;
  }
}
