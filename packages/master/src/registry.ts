/**
 * What the master knows about each minion: its accepted public key, cached grains and pillar (for targeting),
 * and when it was last heard from. Grains are cached on disk so a restarted master can still compute the
 * expected minions of a grain target.
 */
import * as fs from 'fs';
import * as path from 'path';
import { isDict, writeFileAtomicSync, type Dict, type TargetSubject } from '@brine/core';
import { validMinionId } from './keys';

export interface MinionInfo {
  grains?: Dict;
  pillar?: Dict;
  lastSeen: number;
  pub?: string;
}

export class Registry {
  private readonly minions = new Map<string, MinionInfo>();
  constructor(private readonly dir: string) {
    fs.mkdirSync(dir, { recursive: true, mode: 0o700 });
    for (const id of fs.readdirSync(dir)) {
      if (!validMinionId(id)) continue;
      try {
        const g: unknown = JSON.parse(fs.readFileSync(path.join(dir, id, 'grains.json'), 'utf8'));
        if (isDict(g)) this.info(id).grains = g;
      } catch {
        /* no cached grains yet */
      }
    }
  }

  info(id: string): MinionInfo {
    let m = this.minions.get(id);
    if (!m) this.minions.set(id, (m = { lastSeen: 0 }));
    return m;
  }

  /** What targeting matches `id` against: its cached grains (just the id before it reported any) and pillar. */
  subject(id: string): TargetSubject {
    const m = this.info(id);
    return { id, grains: m.grains ?? { id }, pillar: m.pillar ?? {} };
  }

  seen(id: string): void {
    this.info(id).lastSeen = Date.now();
  }

  setGrains(id: string, grains: Dict): void {
    this.info(id).grains = grains;
    writeFileAtomicSync(path.join(this.dir, id, 'grains.json'), JSON.stringify(grains));
  }

  /** Forget a minion whose key was deleted (grains, cached pillar). */
  forget(id: string): void {
    this.minions.delete(id);
    fs.rmSync(path.join(this.dir, id), { recursive: true, force: true });
  }
}
