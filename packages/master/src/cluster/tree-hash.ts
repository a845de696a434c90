/** One hash for the state tree a master serves (every saltenv's files by content), compared across the cluster. */
import * as crypto from 'crypto';
import type { FileServer } from '../fileserver';

export function treeHash(files: FileServer, saltenvs: string[]): string {
  const h = crypto.createHash('sha256');
  for (const env of [...saltenvs].sort()) {
    const list = files.list(env);
    for (const rel of Object.keys(list).sort()) h.update(`${env}\0${rel}\0${list[rel]}\n`);
  }
  return h.digest('hex').slice(0, 16);
}
