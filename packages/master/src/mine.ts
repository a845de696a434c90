/**
 * The mine: the latest data each minion published (`mine.update`), by function name. Persisted under the cache
 * dir; dropped when the minion's key is deleted. Reads match targets against cached grains and pillar.
 */
import * as fs from 'fs';
import * as path from 'path';
import { checkUntrustedTarget, isDict, matchTarget, writeFileAtomicSync, type Dict, type TargetType } from '@brine/core';
import { validMinionId } from './keys';
import type { QuotaRefusals } from './quota';
import type { Registry } from './registry';

/** Salt's `allow_tgt`/`allow_tgt_type` for one mine function: only matching minions may read it. */
export interface MineAcl {
  tgt: string | string[];
  tgtType: TargetType;
}

export class MineStore {
  private readonly data = new Map<string, Dict>();
  /** Per minion, per function: who may read it (absent: every minion). */
  private readonly acls = new Map<string, Record<string, MineAcl>>();
  private readonly aclDir: string;
  constructor(
    private readonly dir: string,
    private readonly quota: { bytes: number; refusals: QuotaRefusals },
  ) {
    fs.mkdirSync(dir, { recursive: true, mode: 0o700 });
    this.aclDir = path.join(dir, 'acl');
    fs.mkdirSync(this.aclDir, { recursive: true, mode: 0o700 });
    for (const f of fs.readdirSync(dir)) {
      const id = f.replace(/\.json$/, '');
      if (!f.endsWith('.json') || !validMinionId(id)) continue;
      try {
        // The ACL first, and it must be sound: a damaged one drops the entry (fail closed) until the next mine.update.
        const aclFile = path.join(this.aclDir, f);
        const acl: unknown = fs.existsSync(aclFile) ? JSON.parse(fs.readFileSync(aclFile, 'utf8')) : {};
        if (!isDict(acl)) continue;
        const d: unknown = JSON.parse(fs.readFileSync(path.join(dir, f), 'utf8'));
        if (!isDict(d)) continue;
        this.acls.set(id, acl as Record<string, MineAcl>);
        this.data.set(id, d);
      } catch {
        /* skip a damaged entry */
      }
    }
  }

  /**
   * Replace or merge one minion's functions (Salt's mine.update replaces per function). Over
   * `minion_quota_mine_bytes` (data and ACLs together) nothing changes and QuotaExceeded is thrown.
   */
  update(id: string, fns: Dict, acl: Record<string, MineAcl> = {}, clear = false): void {
    const next = clear ? { ...fns } : { ...(this.data.get(id) ?? {}), ...fns };
    const nextAcl = { ...(clear ? {} : this.acls.get(id)) };
    for (const name of Object.keys(fns)) {
      if (acl[name]) nextAcl[name] = acl[name]!;
      else delete nextAcl[name];
    }
    const aclText = JSON.stringify(nextAcl);
    const dataText = JSON.stringify(next);
    const size = Buffer.byteLength(aclText) + Buffer.byteLength(dataText);
    if (size > this.quota.bytes) this.quota.refusals.refuse(id, 'mine', 0, size, this.quota.bytes);
    // The ACL first: a crash between the two writes must not leave new data readable under an old, wider ACL.
    writeFileAtomicSync(path.join(this.aclDir, `${id}.json`), aclText);
    this.acls.set(id, nextAcl);
    this.data.set(id, next);
    writeFileAtomicSync(path.join(this.dir, `${id}.json`), dataText);
  }

  ids(): string[] {
    return [...this.data.keys()];
  }

  /** Everything `id` has in the mine, by function (the operator's view: no ACL applies). */
  of(id: string): Dict | undefined {
    return this.data.get(id);
  }

  delete(id: string): void {
    this.data.delete(id);
    this.acls.delete(id);
    fs.rmSync(path.join(this.dir, `${id}.json`), { force: true });
    fs.rmSync(path.join(this.aclDir, `${id}.json`), { force: true });
  }

  /**
   * `{minion_id: value}` ordered by id, for minions matching the target that have `fun` in the mine and whose
   * `allow_tgt` for it (if any) matches the asking minion `requester` (null: the operator, who may read all).
   */
  get(tgt: string | string[], fun: string, tgtType: TargetType, registry: Registry, accepted: Set<string>, nodegroups: Record<string, string | string[]>, requester: string | null): Dict {
    const out: Dict = {};
    const untrusted = requester !== null; // a minion's target: no regular expressions (no ReDoS on the master)
    if (untrusted) checkUntrustedTarget({ tgt, type: tgtType }, { nodegroups });
    for (const id of [...this.data.keys()].sort()) {
      if (!accepted.has(id)) continue;
      const fns = this.data.get(id)!;
      if (!(fun in fns)) continue;
      if (!matchTarget({ tgt, type: tgtType }, registry.subject(id), { nodegroups, untrusted })) continue;
      const acl = this.acls.get(id)?.[fun];
      if (acl && requester !== null && !this.allowed(acl, requester, registry, nodegroups)) continue;
      out[id] = fns[fun];
    }
    return out;
  }

  private allowed(acl: MineAcl, requester: string, registry: Registry, nodegroups: Record<string, string | string[]>): boolean {
    return mineAclAllows(acl, registry.subject(requester), nodegroups);
  }
}

/** May a minion (its targeting subject) read a mine function under this ACL? Both stores ask this. */
export function mineAclAllows(acl: MineAcl, requester: ReturnType<Registry['subject']>, nodegroups: Record<string, string | string[]>): boolean {
  try {
    return matchTarget({ tgt: acl.tgt, type: acl.tgtType }, requester, { nodegroups, untrusted: true });
  } catch {
    return false; // a refused or malformed ACL target lets nobody read
  }
}
