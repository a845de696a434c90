/**
 * Daemon hooks that send something up to the master on the minion's authenticated channel, for execution functions
 * (`env.hooks[name](args, kwargs)`, see packages/modules/src/types.ts):
 *  - `event.fire_master`: args `[data, tag]` (or kwargs `data`, `tag`), as Salt's `event.fire_master(data, tag)`.
 *    The master fires it under the minion's authenticated id; resolves true, rejects with the master's refusal.
 *  - `cp.push`: args `[path]`, kwargs `{data?, upload_path?, remove_source?}`: `path` is the file's absolute path on
 *    the minion; `data` its contents (a Buffer or a base64 string; when absent the hook reads `path`); the master
 *    stores it as `<cachedir>/minions/<id>/files/<upload_path or path>`; `remove_source` deletes the local file after.
 *    Sent in pieces; resolves true when the master stored it, rejects with the master's refusal (`file_recv` off,
 *    over `file_recv_max_size`, a path it will not write).
 */
import * as fs from 'fs';
import { UsageError, type Dict } from '@brine/core';
import { FILE_CHUNK_BYTES } from '@brine/protocol';
import type { Requester } from './requester';

export type Hook = (args: unknown[], kwargs: Dict) => Promise<unknown>;

export async function fireMaster(conn: Requester, tag: string, data: unknown): Promise<boolean> {
  if (typeof tag !== 'string' || tag === '') throw new UsageError('event.fire_master: a tag is required');
  await conn.request({ kind: 'event', tag, data: data ?? {} }, 15_000);
  return true;
}

export async function pushFile(conn: Requester, path: string, data: Buffer): Promise<boolean> {
  if (typeof path !== 'string' || !path) throw new UsageError('cp.push: a path is required');
  let offset = 0;
  do {
    const piece = data.subarray(offset, offset + FILE_CHUNK_BYTES);
    await conn.request({ kind: 'file.push', path, data: piece, offset, size: data.length }, 60_000);
    offset += piece.length;
  } while (offset < data.length);
  return true;
}

/** Push a file from disk piece by piece (never whole in memory); the master refuses it up front when too large. */
export async function pushLocalFile(conn: Requester, local: string, path: string): Promise<boolean> {
  const fh = await fs.promises.open(local, 'r');
  try {
    const size = (await fh.stat()).size;
    let offset = 0;
    do {
      const buf = Buffer.alloc(Math.min(FILE_CHUNK_BYTES, size - offset));
      const { bytesRead } = await fh.read(buf, 0, buf.length, offset);
      await conn.request({ kind: 'file.push', path, data: buf.subarray(0, bytesRead), offset, size }, 60_000);
      offset += bytesRead;
      if (bytesRead === 0) break;
    } while (offset < size);
    return true;
  } finally {
    await fh.close();
  }
}

/** The hooks, bound to a connection. */
export function masterHooks(conn: Requester): Record<string, Hook> {
  return {
    'event.fire_master': async (args, kwargs) => fireMaster(conn, String(kwargs['tag'] ?? args[1] ?? ''), kwargs['data'] ?? args[0]),
    'cp.push': async (args, kwargs) => {
      const local = String(kwargs['path'] ?? args[0] ?? '');
      const raw = kwargs['data'];
      const upload = kwargs['upload_path'];
      const dest = typeof upload === 'string' && upload !== '' ? upload : local;
      let ok: boolean;
      if (raw === undefined) ok = await pushLocalFile(conn, local, dest);
      else {
        const data = Buffer.isBuffer(raw) ? raw : typeof raw === 'string' ? Buffer.from(raw, 'base64') : raw instanceof Uint8Array ? Buffer.from(raw) : undefined;
        if (!data) throw new UsageError('cp.push: data must be a Buffer or a base64 string');
        ok = await pushFile(conn, dest, data);
      }
      if (kwargs['remove_source'] === true) await fs.promises.rm(local, { force: true });
      return ok;
    },
  };
}
