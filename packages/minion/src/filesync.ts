/**
 * Keeps a local copy of the master's file_roots under `<cachedir>/files/<saltenv>/`, by content hash: a sync asks
 * for the listing, fetches only files whose hash changed, and removes files the master no longer has. Rendering
 * then reads the copy synchronously; when the master is unreachable the last copy is used (offline converge).
 */
import * as crypto from 'crypto';
import * as fs from 'fs';
import * as path from 'path';
import { checkRelative, isDict, readJsonFile, walkTree, writeFileAtomicSync, type Logger } from '@brine/core';
import { FILE_CHUNK_BYTES, SALTENV_NAME } from '@brine/protocol';
import { MasterError, type Requester } from './requester';

export interface SyncStats {
  listed: number;
  fetched: number;
  removed: number;
}

const sha256Of = (data: Buffer): string => crypto.createHash('sha256').update(data).digest('hex');

function sha256(file: string): string | null {
  try {
    return sha256Of(fs.readFileSync(file));
  } catch {
    return null;
  }
}

/** A saltenv name that is safe as a directory name of the cache (the protocol's rule). */
const isEnvName = (s: string): boolean => SALTENV_NAME.test(s);

export class FileCache {
  private chain: Promise<unknown> = Promise.resolve();
  /** Local hash of each cached file, so an unchanged tree costs one listing and no disk reads. */
  private readonly known = new Map<string, string>();

  constructor(private readonly cachedir: string, private readonly req: Requester, private readonly log: Logger) {}

  root(saltenv = 'base'): string {
    return path.join(this.cachedir, 'files', saltenv);
  }

  /** What the last `file.envs` answer said (kept for offline runs): the environments in order, the master's options. */
  private metaFile(): string {
    return path.join(this.cachedir, 'files.meta.json');
  }

  private meta: { envs: string[]; opts: Record<string, unknown> } | undefined;

  /** Read from disk once (a restarted minion's first job), then kept as syncAll writes it. */
  private readMeta(): { envs: string[]; opts: Record<string, unknown> } {
    return (this.meta ??= this.loadMeta());
  }

  private loadMeta(): { envs: string[]; opts: Record<string, unknown> } {
    const m = readJsonFile(this.metaFile());
    const envs = isDict(m) && Array.isArray(m['envs']) ? (m['envs'] as unknown[]).filter((e): e is string => typeof e === 'string' && isEnvName(e)) : [];
    const opts = isDict(m) && isDict(m['opts']) ? (m['opts'] as Record<string, unknown>) : {};
    return { envs, opts };
  }

  /**
   * Every saltenv in the cache: `{env: [its directory]}`, as file_roots has them, in the master's order (base first,
   * then its file_roots order); a directory the last answer did not list comes after, by name.
   */
  envDirs(): Record<string, string[]> {
    let present: string[];
    try {
      present = fs.readdirSync(path.join(this.cachedir, 'files'), { withFileTypes: true }).filter((e) => e.isDirectory() && isEnvName(e.name)).map((e) => e.name);
    } catch {
      present = [];
    }
    const order = this.readMeta().envs;
    const names = ['base', ...order.filter((n) => n !== 'base' && present.includes(n)), ...present.filter((n) => n !== 'base' && !order.includes(n)).sort()];
    return Object.fromEntries(names.map((n) => [n, [this.root(n)]]));
  }

  /**
   * The master's options a state run takes (Salt's HighState.__gen_opts: renderer, state_top, top merging,
   * nodegroups, jinja settings...), as the last `file.envs` answer gave them; {} before the first.
   */
  masterStateOpts(): Record<string, unknown> {
    return this.readMeta().opts;
  }

  /**
   * Every environment the master serves (Salt's fileserver.envs), each synced; the copy of an environment the
   * master no longer serves is removed. A name that cannot be a directory of the cache is skipped with a warning.
   */
  async syncAll(): Promise<SyncStats> {
    const rep = await this.req.request({ kind: 'file.envs' });
    if (!isDict(rep) || !Array.isArray(rep['envs']) || !rep['envs'].every((e) => typeof e === 'string')) throw new MasterError('file.envs: the master sent no list of environments');
    const envs: string[] = [];
    for (const e of rep['envs'] as string[]) {
      if (isEnvName(e)) envs.push(e);
      else this.log.warn(`saltenv ${JSON.stringify(e)} skipped: its name cannot be a directory of the file cache (letters, digits, '_', '.', '-')`);
    }
    const total: SyncStats = { listed: 0, fetched: 0, removed: 0 };
    for (const env of envs) {
      const s = await this.sync(env);
      total.listed += s.listed;
      total.fetched += s.fetched;
      total.removed += s.removed;
    }
    this.meta = { envs, opts: isDict(rep['opts']) ? (rep['opts'] as Record<string, unknown>) : {} };
    writeFileAtomicSync(this.metaFile(), JSON.stringify(this.meta));
    for (const gone of Object.keys(this.envDirs())) {
      if (gone === 'base' || envs.includes(gone)) continue;
      fs.rmSync(this.root(gone), { recursive: true, force: true });
      for (const k of [...this.known.keys()]) if (k.startsWith(`${gone}/`)) this.known.delete(k);
    }
    return total;
  }

  /** Serialised: two jobs never sync the same tree at once. */
  sync(saltenv = 'base'): Promise<SyncStats> {
    const run = this.chain.then(() => this.doSync(saltenv));
    this.chain = run.catch(() => undefined);
    return run;
  }

  /** One file, in pieces of at most FILE_CHUNK_BYTES (the master caps each reply), so any size stays under the message limit. */
  private async fetch(saltenv: string, rel: string): Promise<Buffer> {
    const parts: Buffer[] = [];
    let offset = 0;
    for (;;) {
      const rep = await this.req.request({ kind: 'file.get', saltenv, path: rel, offset, length: FILE_CHUNK_BYTES });
      if (!isDict(rep) || typeof rep['data'] !== 'string' || typeof rep['size'] !== 'number') throw new Error(`file.get ${rel}: bad reply`);
      const piece = Buffer.from(rep['data'], 'base64');
      parts.push(piece);
      offset += piece.length;
      if (offset >= rep['size'] || piece.length === 0) return Buffer.concat(parts);
    }
  }

  private async doSync(saltenv: string): Promise<SyncStats> {
    const listing = await this.req.request({ kind: 'file.list', saltenv });
    if (!isDict(listing)) throw new Error('file.list: the master sent no listing');
    const root = this.root(saltenv);
    const stats: SyncStats = { listed: 0, fetched: 0, removed: 0 };
    const wanted = new Set<string>();
    for (const [rel, hash] of Object.entries(listing)) {
      const clean = checkRelative(rel); // a hostile listing cannot make us write outside the cache
      wanted.add(clean);
      stats.listed++;
      const local = path.join(root, clean);
      const key = `${saltenv}/${clean}`;
      const have = this.known.get(key) ?? sha256(local);
      if (have !== null && have === hash) {
        this.known.set(key, have);
        continue;
      }
      // The pieces must add up to the listed hash: a file that changed on the master mid-transfer would otherwise
      // arrive as a mix of two versions. Fetch again; refuse the sync if it keeps changing.
      let buf = await this.fetch(saltenv, clean);
      for (let tries = 1; sha256Of(buf) !== hash; tries++) {
        if (tries >= 3) throw new MasterError(`file ${clean} changed on the master during every transfer (its hash never matched the listing)`);
        this.log.info('file changed on the master while it was fetched; fetching it again', { saltenv, path: clean });
        buf = await this.fetch(saltenv, clean);
      }
      writeFileAtomicSync(local, buf);
      this.known.set(key, hash);
      stats.fetched++;
    }
    walkTree(root, (rel, _e, abs) => {
      if (wanted.has(rel)) return;
      fs.rmSync(abs, { force: true });
      this.known.delete(`${saltenv}/${rel}`);
      stats.removed++;
    });
    if (stats.fetched || stats.removed) this.log.debug('file cache synced', { saltenv, ...stats });
    return stats;
  }
}
