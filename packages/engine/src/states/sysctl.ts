/** sysctl.present: the live kernel value (/proc/sys) and a persistent line in a sysctl.d file. */
import * as path from 'path';
import { StateArgError, type Changes, type LowChunk } from '@brine/core';
import type { HostReader, StateFunction, StateModule } from '../types';
import { absPath, commandFailed, optStr, type Args } from './util';

export interface SysctlParams {
  name: string;
  value: string;
  config: string;
  /** /proc/sys/<name with dots as slashes>. */
  procPath: string;
}

export const DEFAULT_SYSCTL_CONFIG = '/etc/sysctl.d/99-brine.conf';

const norm = (v: string) => v.trim().split(/\s+/).join(' ');

/** `net.ipv4.ip_forward` -> `net/ipv4/ip_forward`; names containing `/` are taken as written. */
export function sysctlPath(name: string): string {
  return path.join('/proc/sys', name.includes('/') ? name : name.replace(/\./g, '/'));
}

function keyOf(line: string): string | null {
  const m = /^\s*([^#;=\s][^=]*?)\s*=/.exec(line);
  return m ? m[1] : null;
}

/** The config file with `name = value` set, other lines kept; null when already right. */
export function updateConfig(text: string, name: string, value: string): string | null {
  const lines = text === '' ? [] : text.replace(/\n$/, '').split('\n');
  const want = `${name} = ${value}`;
  let found = false;
  const out: string[] = [];
  for (const line of lines) {
    if (keyOf(line) !== name) {
      out.push(line);
      continue;
    }
    if (found) continue; // a duplicate later line would override ours: drop it
    found = true;
    out.push(norm(line.slice(line.indexOf('=') + 1)) === value ? line : want);
  }
  if (!found) out.push(want);
  const next = out.join('\n') + '\n';
  return next === text ? null : next;
}

async function plan(p: SysctlParams, host: HostReader) {
  if (!(await host.lstat(p.procPath))) throw new Error(`Sysctl ${p.name} does not exist (no ${p.procPath})`);
  const live = (await host.readFile(p.procPath))?.toString('utf8') ?? '';
  const conf = (await host.readFile(p.config))?.toString('utf8') ?? '';
  const nextConf = updateConfig(conf, p.name, p.value);
  const liveOk = norm(live) === p.value;
  const changes: Changes = liveOk && nextConf === null ? {} : { [p.name]: p.value };
  return { liveOk, nextConf, changes };
}

export const present: StateFunction<SysctlParams> = {
  parse(ref: string, args: Args, chunk: LowChunk): SysctlParams {
    const name = chunk.name;
    if (!/^[a-z0-9_./-]+$/i.test(name) || name.includes('..')) throw new StateArgError(ref, 'name', `invalid sysctl name ${JSON.stringify(name)}`);
    const raw = args['value'];
    if (raw === undefined || raw === null) throw new StateArgError(ref, 'value', 'required');
    if (!['string', 'number', 'boolean'].includes(typeof raw)) throw new StateArgError(ref, 'value', `expected a string or number, got ${typeof raw}`);
    const value = norm(typeof raw === 'boolean' ? (raw ? '1' : '0') : String(raw));
    if (value.includes('\n')) throw new StateArgError(ref, 'value', 'must be a single line');
    const config = absPath(ref, 'config', optStr(ref, args, 'config') ?? DEFAULT_SYSCTL_CONFIG);
    return { name, value, config, procPath: sysctlPath(name) };
  },
  async check(p, ctx) {
    return (await plan(p, ctx.host)).changes;
  },
  async apply(p, _pending, ctx) {
    const { liveOk, nextConf, changes } = await plan(p, ctx.host);
    if (nextConf !== null) {
      const dir = path.dirname(p.config);
      if (!(await ctx.host.stat(dir))) await ctx.host.mkdir(dir, { recursive: true, mode: 0o755 });
      await ctx.host.writeFileAtomic(p.config, nextConf);
    }
    if (!liveOk) {
      // /proc files cannot be replaced by rename: write in place.
      const r = await ctx.host.run(['/bin/sh', '-c', 'printf "%s\\n" "$1" > "$2"', 'sh', p.value, p.procPath]);
      if (r.code !== 0) throw commandFailed(`Setting ${p.name} = ${p.value}`, r);
    }
    return { changes, comment: `Updated sysctl value ${p.name} = ${p.value}` };
  },
  okComment: (p) => `Sysctl value ${p.name} = ${p.value} is already set`,
  testComment: (p) => `Sysctl option ${p.name} would be changed to ${p.value}`,
};

export const sysctlModule: StateModule = { name: 'sysctl', functions: { present } };
