/**
 * Grains pinned by the operator. What a minion reports about itself is a claim; the master's `minion_grains` option
 * (per id or glob) and `<config_dir>/minion_grains/<id>.yaml` are the operator's word. Wherever the master matches
 * on grains (pillar top and templates, mine ACLs, expected minions, returns it accepts), it uses the minion's view
 * below: reported grains without the `minion_grains_only` names, overridden key by key by the pins.
 */
import * as fs from 'fs';
import * as path from 'path';
import { readYamlConfig } from '@brine/config';
import { errorMessage, globMatch, isDict, type Dict, type Logger } from '@brine/core';
import { validMinionId } from './keys';

interface PinFile {
  mtimeMs: number;
  size: number;
  grains: Dict | null; // null: the file is damaged
}

export class GrainPins {
  private readonly files = new Map<string, PinFile>();
  private readonly complained = new Map<string, number>();

  constructor(
    private readonly byTarget: Record<string, Dict>,
    /** `<config_dir>/minion_grains`: one `<id>.yaml` per minion. */
    readonly dir: string,
    private readonly only: readonly string[],
    private readonly log: Logger,
  ) {}

  /** The grains pinned for `id` (config globs in the order written, then its exact id, then its file); null: its file is damaged. */
  pinned(id: string): Dict | null {
    const out: Dict = {};
    for (const [tgt, g] of Object.entries(this.byTarget)) if (tgt !== id && globMatch(tgt, id)) Object.assign(out, g);
    if (Object.hasOwn(this.byTarget, id)) Object.assign(out, this.byTarget[id]);
    const file = this.file(id);
    if (file === null) return null;
    return Object.assign(out, file);
  }

  /** The grains the master matches `id` on. A damaged pin file leaves only the id (matches nothing by grain). */
  view(id: string, reported: Dict | undefined): Dict {
    const pins = this.pinned(id);
    if (pins === null) return { id };
    const own: Dict = { ...(reported ?? {}) };
    for (const k of this.only) delete own[k];
    return { ...own, ...pins, id };
  }

  private file(id: string): Dict | null {
    if (!validMinionId(id)) return {};
    const f = path.join(this.dir, `${id}.yaml`);
    const st = fs.statSync(f, { throwIfNoEntry: false });
    if (!st) {
      this.files.delete(id);
      return {};
    }
    const cached = this.files.get(id);
    if (cached && cached.mtimeMs === st.mtimeMs && cached.size === st.size) return cached.grains ?? this.damaged(f, null);
    let grains: Dict | null;
    try {
      grains = readYamlConfig(f);
    } catch (e) {
      grains = null;
      this.damaged(f, e);
    }
    if (this.files.size > 100_000) this.files.clear();
    this.files.set(id, { mtimeMs: st.mtimeMs, size: st.size, grains: grains && isDict(grains) ? grains : null });
    return grains;
  }

  private damaged(file: string, e: unknown): null {
    const now = Date.now();
    if (now - (this.complained.get(file) ?? 0) > 60_000) {
      this.complained.set(file, now);
      this.log.error(`pinned grains: ${file} cannot be read; the minion matches no grain target until it is fixed`, e ? { error: errorMessage(e) } : {});
    }
    return null;
  }
}
