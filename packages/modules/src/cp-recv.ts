/**
 * `cp.recv(files, dest)`: what `brine cp` (like salt-cp) publishes: `files` maps a source's name to its contents
 * (`{base64: '...'}`, or a plain string of text); one file with a `dest` that is not a directory is written to `dest`,
 * anything else goes into the directory `dest` under each file's base name (no directory is made: a missing one answers
 * 'Destination unavailable'). Returns `{path: True}` per file, or the
 * error for that file as a string, as Salt's.
 */
import * as fs from 'fs';
import * as path from 'path';
import { errorMessage, isDict, UsageError } from '@brine/core';
import { arg, CallResult, type ExecModule } from './types';

function contents(name: string, v: unknown): Buffer {
  if (typeof v === 'string') return Buffer.from(v, 'utf8');
  if (isDict(v) && typeof v['base64'] === 'string') return Buffer.from(v['base64'], 'base64');
  throw new UsageError(`cp.recv: the contents of ${name} must be text or {base64: ...}`);
}

export const cpRecvModule: ExecModule = {
  name: 'cp',
  functions: {
    recv: async (args, kwargs) => {
      const files = arg(args, kwargs, 0, 'files', undefined);
      const dest = String(arg(args, kwargs, 1, 'dest', '') ?? '');
      if (!isDict(files) || Object.keys(files).length === 0) throw new UsageError('cp.recv: files must map names to contents');
      if (!path.isAbsolute(dest)) throw new UsageError(`cp.recv: destination '${dest}' is not an absolute path`);
      const names = Object.keys(files);
      const isDir = fs.statSync(dest, { throwIfNoEntry: false })?.isDirectory() ?? false;
      if (names.length > 1 && !isDir) return new CallResult(`Destination ${dest} must be a directory when copying more than one file`, 'error');
      // As Salt's: no directories are made; a destination whose directory is missing is unavailable.
      if (!isDir && !fs.statSync(path.dirname(dest), { throwIfNoEntry: false })?.isDirectory()) return new CallResult('Destination unavailable', 'error');
      const ret: Record<string, true | string> = {};
      let failed = false;
      for (const name of names) {
        const final = isDir ? path.join(dest, path.basename(name)) : dest;
        try {
          const data = contents(name, files[name]);
          await fs.promises.writeFile(final, data);
          ret[final] = true;
        } catch (e) {
          failed = true;
          ret[final] = errorMessage(e);
        }
      }
      return failed ? new CallResult(ret, 'error') : ret;
    },
  },
  docs: { recv: 'Receive files sent by brine cp (salt-cp): files (name -> contents), dest.' },
};
