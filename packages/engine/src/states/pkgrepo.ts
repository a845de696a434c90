/**
 * pkgrepo.managed (Salt 3006), for apt and dnf, chosen by the arguments: an apt source line in `name`
 * (`deb [signed-by=...] URI DIST COMPS`) or `ppa`, else a dnf repository whose id is `name` (`baseurl`,
 * `mirrorlist` or `metalink` required).
 * - apt: the line goes into `file` (default /etc/apt/sources.list; a PPA's is Salt's
 *   /etc/apt/sources.list.d/OWNER-NAME-DIST.list), replacing the line for the same type, URI and dist;
 *   `comps`, `architectures`, `dist`, `disabled`/`enabled`, `signedby`, `clean_file`, `comments` as in Salt.
 *   `key_url` (salt://, a local path or file://, http(s) through curl) is stored at the `signedby` path
 *   (ASCII-armoured keys are dearmoured with gpg); apt-key is not used, so `key_url` needs `signedby`.
 *   `refresh` (default True) runs `apt-get update` after a change.
 * - dnf: a `[name]` section in `file` (default /etc/yum.repos.d/NAME.repo), `humanname` as its `name=`, every
 *   other option written as given (booleans as 1/0); other sections of the file are kept.
 * Changes: `{repo: name}` for a new repository, else `{option: {new, old}}` per changed option (Salt's shape);
 * `{key: {new, old}}` when only the signing key has to be written.
 */
import * as path from 'path';
import { isDict, StateArgError, type Changes, type LowChunk } from '@brine/core';
import type { ApplyContext, CheckContext, StateFunction, StateModule } from '../types';
import { absPath, commandFailed, describe, optBool, optStr, type Args } from './util';
import { absent } from './pkgrepo-absent';
import { parseAptLine, parseIni, renderAptLine, type AptLine } from './pkgrepo-lines';

export { parseAptLine, renderAptLine } from './pkgrepo-lines';

export interface PkgrepoParams {
  name: string;
  kind: 'apt' | 'dnf';
  file: string;
  apt?: AptLine;
  comments?: string;
  keyUrl?: string;
  cleanFile: boolean;
  refresh: boolean;
  dnf?: Record<string, string>;
}

const sameSource = (a: AptLine, b: AptLine) => a.type === b.type && a.uri.replace(/\/+$/, '') === b.uri.replace(/\/+$/, '') && a.dist === b.dist;

function strList(ref: string, args: Args, field: string): string[] | undefined {
  const v = args[field];
  if (v === undefined || v === null) return undefined;
  if (Array.isArray(v)) return v.map(String);
  if (typeof v === 'string') return v.split(',').map((s) => s.trim()).filter(Boolean);
  throw new StateArgError(ref, field, `expected a comma-separated string or a list, got ${describe(v)}`);
}

function parse(ref: string, args: Args, chunk: LowChunk): PkgrepoParams {
  const enabled = optBool(ref, args, 'enabled');
  const disabledArg = optBool(ref, args, 'disabled');
  if (enabled !== undefined && disabledArg !== undefined) throw new StateArgError(ref, 'enabled', 'Only one of enabled/disabled is allowed');
  if (args['key_text'] !== undefined && args['key_url'] !== undefined) throw new StateArgError(ref, 'key_url', 'You may not use both "key_url" and "key_text" argument.');
  if (args['key_text'] !== undefined || args['keyid'] !== undefined || args['keyserver'] !== undefined) throw new StateArgError(ref, args['key_text'] !== undefined ? 'key_text' : 'keyid', 'not supported (apt-key is deprecated): give key_url and signedby');
  const ppa = optStr(ref, args, 'ppa');
  const line = ppa ? undefined : parseAptLine(chunk.name);
  const common = { name: chunk.name, keyUrl: optStr(ref, args, 'key_url'), cleanFile: optBool(ref, args, 'clean_file') ?? false, refresh: optBool(ref, args, 'refresh') ?? optBool(ref, args, 'refresh_db') ?? true };
  const file = optStr(ref, args, 'file');
  if (ppa || line) {
    let l: AptLine;
    let dflt = '/etc/apt/sources.list';
    if (ppa) {
      const m = /^(?:ppa:)?([^/\s]+)\/([^/\s]+)$/.exec(ppa);
      if (!m) throw new StateArgError(ref, 'ppa', `Expected format "<PPA_OWNER>/<PPA_NAME>", got ${JSON.stringify(ppa)}`);
      const dist = optStr(ref, args, 'dist');
      if (!dist) throw new StateArgError(ref, 'dist', 'a ppa needs dist (the release codename, e.g. jammy)');
      l = { type: 'deb', arch: [], signedby: '', uri: `http://ppa.launchpad.net/${m[1]}/${m[2]}/ubuntu`, dist, comps: ['main'], disabled: false };
      dflt = `/etc/apt/sources.list.d/${m[1]}-${m[2]}-${dist}.list`;
    } else l = line!;
    l.comps = strList(ref, args, 'comps') ?? l.comps;
    l.arch = strList(ref, args, 'architectures') ?? l.arch;
    l.dist = optStr(ref, args, 'dist') ?? l.dist;
    l.signedby = optStr(ref, args, 'signedby') ?? optStr(ref, args, 'signed-by') ?? l.signedby;
    if (l.signedby) absPath(ref, 'signedby', l.signedby);
    l.disabled = disabledArg ?? (enabled === undefined ? l.disabled : !enabled);
    if (common.keyUrl && !l.signedby) throw new StateArgError(ref, 'key_url', "missing 'signedby' option when apt-key is missing (give signedby: /etc/apt/keyrings/NAME.gpg)");
    return { ...common, kind: 'apt', file: absPath(ref, 'file', file ?? dflt), apt: l, comments: strList(ref, args, 'comments')?.join(' ') };
  }
  if (/^\s*(deb|deb-src)\b/.test(chunk.name)) throw new StateArgError(ref, 'name', `malformed apt source line ${JSON.stringify(chunk.name)} (deb [options] URI DIST [COMPS...])`);
  if (!/^[\w.:-]+$/.test(chunk.name)) throw new StateArgError(ref, 'name', `${JSON.stringify(chunk.name)}: expected an apt source line or a dnf repository id`);
  if (!['baseurl', 'mirrorlist', 'metalink'].some((k) => args[k] !== undefined)) {
    throw new StateArgError(ref, 'baseurl', 'a dnf repository needs baseurl, mirrorlist or metalink (or give an apt "deb ..." line as the name)');
  }
  const skip = new Set(['name', 'file', 'key_url', 'clean_file', 'refresh', 'refresh_db', 'humanname', 'enabled', 'disabled', 'comments', 'saltenv']);
  const dnf: Record<string, string> = {};
  const humanname = optStr(ref, args, 'humanname');
  if (humanname) dnf['name'] = humanname;
  for (const [k, v] of Object.entries(args)) {
    if (skip.has(k)) continue;
    if (isDict(v)) throw new StateArgError(ref, k, `expected a scalar or a list, got ${describe(v)}`);
    dnf[k] = Array.isArray(v) ? v.map(String).join(' ') : typeof v === 'boolean' ? (v ? '1' : '0') : String(v);
  }
  if (enabled !== undefined || disabledArg !== undefined) dnf['enabled'] = (enabled ?? !disabledArg) ? '1' : '0';
  return { ...common, kind: 'dnf', file: absPath(ref, 'file', file ?? `/etc/yum.repos.d/${chunk.name}.repo`), dnf };
}

function iniValues(lines: string[]): Record<string, string> {
  const v: Record<string, string> = {};
  for (const l of lines) {
    const m = /^\s*([^#;=\s][^=]*?)\s*=\s*(.*?)\s*$/.exec(l);
    if (m) v[m[1]] = m[2];
  }
  return v;
}

interface Plan {
  changes: Changes;
  text?: string;
  key?: Buffer | 'download';
}

function keyBytes(p: PkgrepoParams, ctx: CheckContext): Buffer | 'download' {
  const url = p.keyUrl!;
  if (/^https?:\/\//.test(url)) return 'download';
  const got = ctx.files.fetch([url]);
  if (!got) throw new Error(`Error: file not found: ${url}`);
  return got.data;
}

async function plan(p: PkgrepoParams, ctx: CheckContext): Promise<Plan> {
  const cur = (await ctx.host.readFile(p.file))?.toString('utf8') ?? '';
  const changes: Changes = {};
  let text: string | undefined;
  if (p.kind === 'apt') {
    const want = p.apt!;
    const lines = cur === '' ? [] : cur.replace(/\n$/, '').split('\n');
    const idx = lines.findIndex((l) => {
      const x = parseAptLine(l);
      return x !== null && sameSource(x, want);
    });
    const wantLine = renderAptLine(want, p.comments);
    if (idx === -1) {
      changes['repo'] = p.name;
      text = `${(p.cleanFile ? [] : lines).concat(wantLine).join('\n')}\n`;
    } else {
      const old = parseAptLine(lines[idx])!;
      const pairs: [string, unknown, unknown][] = [['architectures', want.arch, old.arch], ['comps', want.comps, old.comps], ['disabled', want.disabled, old.disabled], ['signedby', want.signedby, old.signedby], ['uri', want.uri, old.uri]];
      for (const [k, n, o] of pairs) if (JSON.stringify(n) !== JSON.stringify(o)) changes[k] = { new: n, old: o };
      const others = lines.filter((_l, i) => i !== idx);
      const after = p.cleanFile ? [wantLine] : lines.map((l, i) => (i === idx ? wantLine : l));
      if (lines[idx] !== wantLine && !Object.keys(changes).length) changes['line'] = { new: wantLine, old: lines[idx] };
      if (p.cleanFile && others.length) changes['file'] = { new: `only ${p.name}`, old: `${others.length} other line(s)` };
      if (Object.keys(changes).length) text = `${after.join('\n')}\n`;
    }
    if (p.keyUrl) {
      const have = await ctx.host.readFile(want.signedby);
      const key = keyBytes(p, ctx);
      const armoured = key !== 'download' && key.toString('latin1').includes('-----BEGIN PGP PUBLIC KEY BLOCK-----');
      // An armoured key is stored dearmoured, so only its presence can be compared; a binary key byte for byte.
      const same = have !== null && (key === 'download' || armoured || have.equals(key));
      if (!same) {
        // Salt reports no key change; Brine names it only when it is the only thing to do.
        if (!Object.keys(changes).length) changes['key'] = { new: want.signedby, old: have === null ? '' : want.signedby };
        return { changes, text, key };
      }
    }
    return { changes, text };
  }
  const ini = parseIni(cur);
  const sec = ini.sections.find((s) => s.id === p.name);
  const want = p.dnf!;
  if (!sec) {
    changes['repo'] = p.name;
    const body = [`[${p.name}]`, ...Object.entries(want).map(([k, v]) => `${k}=${v}`)].join('\n');
    const keep = p.cleanFile ? '' : cur.replace(/\n*$/, '');
    text = `${keep ? `${keep}\n\n` : ''}${body}\n`;
    return { changes, text };
  }
  const have = iniValues(sec.lines);
  for (const [k, v] of Object.entries(want)) if (have[k] !== v) changes[k] = { new: v, old: have[k] ?? null };
  if (!Object.keys(changes).length) return { changes };
  const lines = sec.lines.map((l) => {
    const m = /^\s*([^#;=\s][^=]*?)\s*=/.exec(l);
    return m && want[m[1]] !== undefined ? `${m[1]}=${want[m[1]]}` : l;
  });
  const missing = Object.entries(want).filter(([k]) => have[k] === undefined).map(([k, v]) => `${k}=${v}`);
  while (lines.length && lines[lines.length - 1].trim() === '') lines.pop();
  sec.lines = [...lines, ...missing, ''];
  text = [...ini.head.length ? [ini.head.join('\n')] : [], ...ini.sections.map((s) => [`[${s.id}]`, ...s.lines].join('\n'))].join('\n').replace(/\n+$/, '\n');
  return { changes, text };
}

export const managed: StateFunction<PkgrepoParams> = {
  parse,
  check: async (p, ctx) => (await plan(p, ctx)).changes,
  async apply(p, _pending, ctx: ApplyContext) {
    const { changes, text, key } = await plan(p, ctx);
    const host = ctx.host;
    if (key !== undefined) {
      const dest = p.apt!.signedby;
      await host.mkdir(path.dirname(dest), { recursive: true, mode: 0o755 });
      let raw: Buffer;
      if (key === 'download') {
        const r = await host.run(['curl', '-fsSL', '--', p.keyUrl!]);
        if (r.code !== 0) throw commandFailed(`Failed to configure repo '${p.name}': download of ${p.keyUrl}`, r);
        raw = Buffer.from(r.stdout + '\n', 'latin1');
      } else raw = key;
      if (raw.toString('latin1').includes('-----BEGIN PGP PUBLIC KEY BLOCK-----')) {
        const r = await host.run(['gpg', '--batch', '--yes', '--dearmor', '-o', dest], { input: raw.toString('latin1') });
        if (r.code !== 0) throw commandFailed(`Failed to configure repo '${p.name}': gpg --dearmor`, r);
        await host.chmod(dest, 0o644);
      } else await host.writeFileAtomic(dest, raw, { mode: 0o644 });
    }
    if (text !== undefined) {
      await host.mkdir(path.dirname(p.file), { recursive: true, mode: 0o755 });
      await host.writeFileAtomic(p.file, text, { mode: 0o644 });
    }
    if (p.refresh) {
      const r = await host.run(p.kind === 'apt' ? ['apt-get', '-q', 'update'] : ['dnf', '-q', 'makecache', '--repo', p.name]);
      if (r.code !== 0) throw commandFailed(`Configured package repo '${p.name}', but refreshing the package database`, r);
    }
    return { changes, comment: `Configured package repo '${p.name}'` };
  },
  okComment: (p) => `Package repo '${p.name}' already configured`,
  testComment: (p) =>
    `Package repo '${p.name}' would be configured. This may cause pkg states to behave differently than stated if this action is repeated without test=True, due to the differences in the configured repositories.`,
};

export const pkgrepoModule: StateModule = { name: 'pkgrepo', functions: { managed, absent } };
