/**
 * What the master knows about each minion: its accepted public key, cached grains and pillar (for targeting),
 * and when it was last heard from. Grains are cached on disk so a restarted master can still compute the
 * expected minions of a grain target.
 */
import * as fs from 'fs';
import * as path from 'path';
import { isDict, writeFileAtomicSync, type Dict, type TargetSubject } from '@brine/core';
import { validMinionId } from './keys';
import type { GrainPins } from './pinned-grains';
import type { QuotaRefusals } from './quota';

export interface MinionInfo {
  grains?: Dict;
  pillar?: Dict;
  lastSeen: number;
  pub?: string;
}

export class Registry {
  private readonly minions = new Map<string, MinionInfo>();
  constructor(
    private readonly dir: string,
    private readonly pins: GrainPins,
    private readonly quota: { bytes: number; refusals: QuotaRefusals },
  ) {
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

  /** The grains the master matches `id` on: what it reported (a claim), overridden by the operator's pins. */
  grains(id: string): Dict {
    return this.pins.view(id, this.minions.get(id)?.grains);
  }

  /** What targeting matches `id` against: its grains as above and its cached pillar. */
  subject(id: string): TargetSubject {
    return { id, grains: this.grains(id), pillar: this.info(id).pillar ?? {} };
  }

  seen(id: string): void {
    this.info(id).lastSeen = Date.now();
  }

  /** Store the grains `id` reported; over `minion_quota_grains_bytes` they are refused (QuotaExceeded). */
  setGrains(id: string, grains: Dict): void {
    const text = JSON.stringify(grains);
    const size = Buffer.byteLength(text);
    if (size > this.quota.bytes) this.quota.refusals.refuse(id, 'grains', 0, size, this.quota.bytes);
    this.info(id).grains = grains;
    writeFileAtomicSync(path.join(this.dir, id, 'grains.json'), text);
  }

  /** Forget a minion whose key was deleted (grains, cached pillar). */
  forget(id: string): void {
    this.minions.delete(id);
    fs.rmSync(path.join(this.dir, id), { recursive: true, force: true });
  }
}
