/**
 * mount.mounted (Salt 3006): `device` mounted on `name` with `fstype` and `opts`, and (with `persist`, the
 * default) its entry in `config` (default /etc/fstab) written in Salt's layout
 * `DEVICE\t\tNAME\tFSTYPE\tOPTS\tDUMP PASS`, matched by mount point. The live state is read from
 * /proc/self/mounts; a mount point holding another device (not for bind mounts, whose source /proc does not
 * show) is unmounted and mounted again. Changes: `{mount: True}` and/or `{persist: 'new' | 'update'}`, plus
 * `umount` when it remounted; a dry run reports none (result None), with Salt's comment.
 * Not supported: `UUID=`/`LABEL=` device lookups beyond passing them to mount, remounting on option changes, swap.
 */
import * as path from 'path';
import { StateArgError, type Changes, type LowChunk } from '@brine/core';
import type { CheckContext, HostReader, StateFunction, StateModule } from '../types';
import { absPath, commandFailed, describe, optBool, optInt, optStr, type Args } from './util';

export interface MountParams {
  name: string;
  device: string;
  fstype: string;
  opts: string[];
  dump: number;
  pass: number;
  config: string;
  persist: boolean;
  mkmnt: boolean;
  mount: boolean;
  /** What the last check found. */
  state?: { mounted: boolean; remount: boolean; persist?: 'new' | 'update'; dirMissing: boolean };
}

/** /proc/self/mounts unescapes `\040` and friends. */
const unescape = (s: string) => s.replace(/\\([0-7]{3})/g, (_m, o: string) => String.fromCharCode(parseInt(o, 8)));

export async function activeMount(host: HostReader, name: string): Promise<{ device: string; fstype: string; opts: string[] } | null> {
  const text = (await host.readFile('/proc/self/mounts'))?.toString('utf8') ?? '';
  let found: { device: string; fstype: string; opts: string[] } | null = null;
  for (const line of text.split('\n')) {
    const f = line.split(' ');
    if (f.length >= 4 && unescape(f[1]) === name) found = { device: unescape(f[0]), fstype: f[2], opts: f[3].split(',') };
  }
  return found;
}

export function fstabLine(p: MountParams): string {
  return `${p.device}\t\t${p.name}\t${p.fstype}\t${p.opts.join(',')}\t${p.dump} ${p.pass}`;
}

/** The fstab with this entry set (by mount point), and whether that is new, an update, or already so. */
export function setFstab(text: string, p: MountParams): { text: string; out: 'present' | 'new' | 'change' } {
  const lines = text === '' ? [] : text.replace(/\n$/, '').split('\n');
  const want = fstabLine(p);
  const i = lines.findIndex((l) => {
    const f = l.trim().split(/\s+/);
    return !l.trim().startsWith('#') && f.length >= 2 && f[1] === p.name;
  });
  if (i === -1) return { text: `${[...lines, want].join('\n')}\n`, out: 'new' };
  const have = lines[i].trim().split(/\s+/);
  const wantF = want.split(/\s+/);
  const same = have.length >= 4 && wantF.every((w, k) => (have[k] ?? (k >= 4 ? '0' : '')) === w);
  if (same) return { text, out: 'present' };
  lines[i] = want;
  return { text: `${lines.join('\n')}\n`, out: 'change' };
}

async function plan(p: MountParams, ctx: CheckContext): Promise<{ changes: Changes; fstab?: string }> {
  const changes: Changes = {};
  const active = p.mount ? await activeMount(ctx.host, p.name) : null;
  const bind = p.opts.includes('bind') || p.opts.includes('rbind');
  const remount = !!active && !bind && active.device !== p.device && path.resolve(active.device) !== path.resolve(p.device);
  const dirMissing = !(await ctx.host.stat(p.name));
  p.state = { mounted: !!active, remount, dirMissing };
  if (p.mount && (!active || remount)) changes['mount'] = true;
  if (remount) changes['umount'] = `Forced unmount and mount because device changed from ${active!.device} to ${p.device}`;
  let fstab: string | undefined;
  if (p.persist) {
    const cur = (await ctx.host.readFile(p.config))?.toString('utf8') ?? '';
    const r = setFstab(cur, p);
    if (r.out !== 'present') {
      p.state.persist = r.out === 'new' ? 'new' : 'update';
      changes['persist'] = p.state.persist;
      fstab = r.text;
    }
  }
  return { changes, fstab };
}

export const mounted: StateFunction<MountParams> = {
  parse(ref: string, args: Args, chunk: LowChunk): MountParams {
    const device = optStr(ref, args, 'device');
    if (!device) throw new StateArgError(ref, 'device', 'Must provide device to mount.mounted');
    const fstype = optStr(ref, args, 'fstype');
    if (!fstype) throw new StateArgError(ref, 'fstype', 'Must provide fstype to mount.mounted');
    const rawOpts = args['opts'];
    let opts: string[];
    if (rawOpts === undefined || rawOpts === null) opts = ['defaults'];
    else if (typeof rawOpts === 'string') opts = rawOpts.split(',').map((s) => s.trim()).filter(Boolean);
    else if (Array.isArray(rawOpts)) opts = rawOpts.map(String);
    else throw new StateArgError(ref, 'opts', `expected a comma-separated string or a list, got ${describe(rawOpts)}`);
    for (const [f, v] of [['device', device], ['fstype', fstype], ...opts.map((o) => ['opts', o])] as const) {
      if (/\s/.test(v)) throw new StateArgError(ref, f, `${JSON.stringify(v)} contains whitespace (fstab fields cannot)`);
    }
    return {
      name: absPath(ref, 'name', chunk.name),
      device,
      fstype,
      opts: opts.length ? opts : ['defaults'],
      dump: optInt(ref, args, 'dump') ?? 0,
      pass: optInt(ref, args, 'pass_num') ?? 0,
      config: absPath(ref, 'config', optStr(ref, args, 'config') ?? '/etc/fstab'),
      persist: optBool(ref, args, 'persist') ?? true,
      mkmnt: optBool(ref, args, 'mkmnt') ?? false,
      mount: optBool(ref, args, 'mount') ?? true,
    };
  },
  check: async (p, ctx) => (await plan(p, ctx)).changes,
  async apply(p, _pending, ctx) {
    const { changes, fstab } = await plan(p, ctx);
    const host = ctx.host;
    const parts: string[] = [];
    if (changes['mount']) {
      if (p.state!.dirMissing) {
        if (!p.mkmnt) throw new Error('Mount directory is not present');
        await host.mkdir(p.name, { recursive: true });
      }
      if (changes['umount']) {
        const u = await host.run(['umount', p.name]);
        if (u.code !== 0) throw commandFailed(`Unable to unmount ${p.name}`, u);
      }
      const opts = p.opts.filter((o) => o !== 'defaults');
      const r = await host.run(['mount', ...(p.fstype === 'none' ? [] : ['-t', p.fstype]), ...(opts.length ? ['-o', opts.join(',')] : []), p.device, p.name]);
      if (r.code !== 0) throw commandFailed(`mount ${p.device} on ${p.name}`, r);
      parts.push('Target was successfully mounted');
    } else parts.push(p.mount ? 'Target was already mounted' : `${p.name} not mounted`);
    if (fstab !== undefined) {
      await host.mkdir(path.dirname(p.config), { recursive: true });
      await host.writeFileAtomic(p.config, fstab, { mode: 0o644 });
      parts.push(p.state!.persist === 'new' ? 'Added new entry to the fstab.' : 'Updated the entry in the fstab.');
    }
    return { changes, comment: parts.join('. ') };
  },
  testChanges: () => ({}),
  okComment: (p) => `${p.mount ? 'Target was already mounted' : `${p.name} not mounted`}${p.persist ? '. Entry already exists in the fstab.' : ''}`,
  testComment(p) {
    const s = p.state;
    const parts: string[] = [];
    if (p.mount && (!s?.mounted || s.remount)) parts.push(s?.dirMissing ? `${p.name} would be created and mounted` : `${p.name} would be mounted`);
    else parts.push(p.mount ? 'Target was already mounted' : `${p.name} would not be mounted`);
    if (s?.persist === 'new') parts.push(`${p.name} needs to be written to the fstab in order to be made persistent.`);
    if (s?.persist === 'update') parts.push(`The ${p.name} fstab entry must be updated.`);
    return parts.join('. ');
  },
};

export const mountModule: StateModule = { name: 'mount', functions: { mounted } };
