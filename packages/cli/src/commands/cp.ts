/**
 * `brine cp TARGET SOURCE... DEST` (like salt-cp): copy local files to the targeted minions. The files travel in the
 * job itself (`cp.recv`), so together they must fit well within the master's `max_message_size`; each minion answers
 * `{dest path: True}` per file.
 */
import * as fs from 'fs';
import * as path from 'path';
import { UsageError } from '@brine/core';
import { loadMasterOpts } from '@brine/config';
import { publishCommand, type PublishOpts } from './publish';

export async function cpCommand(tgt: string, paths: string[], o: PublishOpts): Promise<number> {
  if (paths.length < 2) throw new UsageError('cp: name one or more local files and a destination on the minions (brine cp TARGET SOURCE... DEST)');
  const dest = paths[paths.length - 1]!;
  if (!path.posix.isAbsolute(dest)) throw new UsageError(`cp: the destination '${dest}' must be an absolute path`);
  const limit = Math.floor(loadMasterOpts(o.configDir).max_message_size / 2);
  const files: Record<string, { base64: string }> = {};
  let total = 0;
  for (const src of paths.slice(0, -1)) {
    const st = fs.statSync(src, { throwIfNoEntry: false });
    if (!st) throw new UsageError(`cp: ${src}: no such file`);
    if (!st.isFile()) throw new UsageError(`cp: ${src} is not a regular file (directories are not copied)`);
    total += st.size;
    if ((total * 4) / 3 > limit) throw new UsageError(`cp: the files are too large to send in one job (${total} bytes; the limit is about ${Math.floor((limit * 3) / 4)} bytes, half of max_message_size)`);
    files[path.resolve(src)] = { base64: fs.readFileSync(src).toString('base64') };
  }
  return publishCommand({ tgt, fun: 'cp.recv', arg: [files, dest], kwarg: {} }, o);
}
