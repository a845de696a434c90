/**
 * mount.fstab (Salt 3006 salt/modules/mount.py, Linux): /etc/fstab as Salt reads it (4 to 6 fields, the missing
 * ones '0', options split on commas, a repeated mount point given a trailing '_', comments and other lines skipped).
 */
import * as fs from 'fs';
import { arg, type ExecModule } from './types';

/** Salt's mount.fstab over the text of an fstab file. */
export function parseFstab(text: string): Record<string, { device: string; fstype: string; opts: string[]; dump: string; pass: string }> {
  const ret: Record<string, { device: string; fstype: string; opts: string[]; dump: string; pass: string }> = {};
  for (const line of text.split(/(?<=\n)/)) {
    if (line.startsWith('#')) continue;
    const comps = line.split(/\s+/).filter(Boolean);
    if (comps.length < 4 || comps.length > 6) continue;
    while (comps.length < 6) comps.push('0');
    let [device, name, fstype, opts, dump, pass] = comps as [string, string, string, string, string, string];
    while (Object.prototype.hasOwnProperty.call(ret, name)) name += '_';
    ret[name] = { device, fstype, opts: opts.split(','), dump, pass };
  }
  return ret;
}

export const mountModule: ExecModule = {
  name: 'mount',
  params: { fstab: ['config'] },
  docs: {
    fstab: "The entries of an fstab file (config=/etc/fstab): mount point -> device, fstype, opts (a list), dump, pass.",
  },
  functions: {
    fstab: (args, kwargs) => {
      const config = String(arg(args, kwargs, 0, 'config', '/etc/fstab'));
      if (!fs.statSync(config, { throwIfNoEntry: false })?.isFile()) return {};
      return parseFstab(fs.readFileSync(config, 'utf8'));
    },
  },
};
