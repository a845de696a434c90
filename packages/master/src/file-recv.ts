/**
 * The master's side of `cp.push` (Salt's `_file_recv`): a minion sends a file up in pieces; it lands under
 * `<cachedir>/minions/<id>/files/<the path it had on the minion>`, only when the master sets `file_recv: True`, and
 * never larger than `file_recv_max_size` megabytes (default 100, as in Salt). Paths are confined: no `..`, no NUL, and
 * the directory written to must resolve inside the minion's own files directory.
 */
import * as fs from 'fs';
import * as path from 'path';
import { BrineError, ConfigError, LocalStorageError, type Logger } from '@brine/core';
import type { MasterOpts } from '@brine/config';

/** A request the master will not carry out (answered `refused`, logged as a warning). */
export class RequestRefused extends BrineError {
  constructor(message: string) {
    super('refused', message);
  }
}

export class FileRecv {
  readonly enabled: boolean;
  /** Bytes. */
  readonly maxSize: number;

  constructor(private readonly opts: MasterOpts, private readonly log: Logger) {
    const on = opts['file_recv'];
    this.enabled = on === true || (typeof on === 'string' && ['true', 'yes', 'on', '1'].includes(on.toLowerCase()));
    const mb = opts['file_recv_max_size'] ?? 100;
    if (typeof mb !== 'number' || !Number.isFinite(mb) || mb < 0) throw new ConfigError(`file_recv_max_size: must be a number of megabytes, got ${JSON.stringify(mb)}`);
    this.maxSize = Math.floor(mb * 1024 * 1024);
  }

  /** Where a pushed `minionPath` of minion `id` is stored (throws RequestRefused when it would leave that place). */
  target(id: string, minionPath: string): string {
    if (minionPath.includes('\0')) throw new RequestRefused('cp.push: a path may not hold NUL');
    // As Salt: a Windows drive's colon is dropped, the path is taken relative to the minion's files directory.
    const parts = minionPath.replace(/:/g, '').replace(/\\/g, '/').split('/').filter((p) => p !== '' && p !== '.');
    if (parts.length === 0) throw new RequestRefused(`cp.push: '${minionPath.slice(0, 200)}' names no file`);
    if (parts.includes('..')) throw new RequestRefused(`cp.push: '${minionPath.slice(0, 200)}' climbs out with '..' (refused)`);
    const base = path.join(this.opts.cachedir, 'minions', id, 'files');
    const file = path.join(base, ...parts);
    const rel = path.relative(base, file);
    if (rel.startsWith('..') || path.isAbsolute(rel)) throw new RequestRefused(`cp.push: '${minionPath.slice(0, 200)}' leaves the minion's files directory`);
    return file;
  }

  receive(id: string, minionPath: string, data: Buffer, offset: number, size?: number): boolean {
    if (!this.enabled) throw new RequestRefused('cp.push: the master does not accept files from minions (file_recv is False)');
    if (offset + data.length > this.maxSize || (size !== undefined && size > this.maxSize)) {
      throw new RequestRefused(`cp.push: ${minionPath.slice(0, 200)} is larger than file_recv_max_size (${this.maxSize} bytes)`);
    }
    const file = this.target(id, minionPath);
    const base = path.join(this.opts.cachedir, 'minions', id, 'files');
    try {
      fs.mkdirSync(path.dirname(file), { recursive: true, mode: 0o700 });
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code === 'EEXIST' || (e as NodeJS.ErrnoException).code === 'ENOTDIR') throw new RequestRefused(`cp.push: a parent of ${minionPath.slice(0, 200)} is a file on the master`);
      throw new LocalStorageError(`cp.push: ${file}`, e);
    }
    // A link placed in the tree (by anyone) must not carry the write elsewhere.
    const realBase = fs.realpathSync(base);
    const realDir = fs.realpathSync(path.dirname(file));
    if (realDir !== realBase && !realDir.startsWith(realBase + path.sep)) throw new RequestRefused(`cp.push: ${minionPath.slice(0, 200)} resolves outside the minion's files directory`);
    const st = fs.lstatSync(file, { throwIfNoEntry: false });
    if (st && !st.isFile()) throw new RequestRefused(`cp.push: ${minionPath.slice(0, 200)} exists on the master and is not a regular file`);
    if (offset > 0 && (st?.size ?? 0) !== offset) throw new RequestRefused(`cp.push: piece at ${offset} of ${minionPath.slice(0, 200)} does not follow the ${st?.size ?? 0} bytes received`);
    try {
      if (offset === 0) fs.writeFileSync(file, data, { mode: 0o600, flag: 'w' });
      else fs.appendFileSync(file, data);
    } catch (e) {
      throw new LocalStorageError(`cp.push: ${file}`, e);
    }
    if (offset === 0) this.log.info('cp.push: receiving a file', { minion: id, path: minionPath.slice(0, 300), file });
    return true;
  }
}
