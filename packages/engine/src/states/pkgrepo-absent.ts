/**
 * pkgrepo.absent (Salt 3006 states/pkgrepo.py over aptpkg/yumpkg get_repo and del_repo).
 * - apt: `name` is a source line (or `ppa` with `dist`). It is present when a line of /etc/apt/sources.list or
 *   /etc/apt/sources.list.d/*.list (commented-out lines too, as python-apt lists them) has the same type, URI and
 *   dist and, when the name gives components, one of them. Removing takes those components out of each such line
 *   with the same architectures (the line goes when none is left), and deletes a sources.list.d file left with no
 *   lines, as Salt's del_repo does; then `apt-get update` unless `refresh: False`.
 * - dnf: `name` is a repository id: the .repo file of /etc/yum.repos.d that has it is rewritten without it as
 *   yumpkg.del_repo writes it (see yumRewrite), or deleted when it held nothing else.
 * `file` (a Brine extension; Salt ignores it) limits the search to that one file.
 * Comments and changes are Salt's: `{repo: name}`; a dry run reports no changes.
 */
import * as path from 'path';
import { StateArgError, type LowChunk } from '@brine/core';
import type { ApplyContext, CheckContext, HostReader, StateFunction } from '../types';
import { parseAptLine, parseIni, renderAptLine } from './pkgrepo-lines';
import { absPath, commandFailed, optBool, optStr, type Args } from './util';

export interface PkgrepoAbsentParams {
  name: string;
  kind: 'apt' | 'dnf';
  /** apt: the source named (comps may be empty: any). */
  type?: string;
  uri?: string;
  dist?: string;
  comps?: string[];
  arch?: string[];
  /** Only this file, when given. */
  file?: string;
  /** Given as `ppa`: its deb-src lines go too, as in Salt's del_repo. */
  ppa?: boolean;
  refresh: boolean;
}

const APT_MAIN = '/etc/apt/sources.list';
const APT_DIR = '/etc/apt/sources.list.d';
const YUM_DIR = '/etc/yum.repos.d';

function parse(ref: string, args: Args, chunk: LowChunk): PkgrepoAbsentParams {
  const file = optStr(ref, args, 'file');
  const common = { file: file === undefined ? undefined : absPath(ref, 'file', file), refresh: optBool(ref, args, 'refresh') ?? optBool(ref, args, 'refresh_db') ?? true };
  const ppa = optStr(ref, args, 'ppa');
  if (ppa) {
    const m = /^(?:ppa:)?([^/\s]+)\/([^/\s]+)$/.exec(ppa);
    if (!m) throw new StateArgError(ref, 'ppa', `Expected format "<PPA_OWNER>/<PPA_NAME>", got ${JSON.stringify(ppa)}`);
    const dist = optStr(ref, args, 'dist');
    if (!dist) throw new StateArgError(ref, 'dist', 'a ppa needs dist (the release codename, e.g. jammy)');
    return { ...common, ppa: true, name: `ppa:${m[1]}/${m[2]}`, kind: 'apt', type: 'deb', uri: `http://ppa.launchpad.net/${m[1]}/${m[2]}/ubuntu`, dist, comps: ['main'], arch: [] };
  }
  if (/^\s*#?\s*(deb|deb-src)\s/.test(chunk.name)) {
    // Salt's strip_uri: credentials in the URI are not part of the match.
    const l = parseAptLine(chunk.name.replace(/(\w+:\/\/)[^@/\s]+@/, '$1'));
    if (!l) throw new StateArgError(ref, 'name', `Error: repo '${chunk.name}' is not a well formatted definition`);
    return { ...common, name: chunk.name, kind: 'apt', type: l.type, uri: l.uri, dist: l.dist, comps: l.comps, arch: l.arch };
  }
  if (!/^[\w.:-]+$/.test(chunk.name)) throw new StateArgError(ref, 'name', `${JSON.stringify(chunk.name)}: expected an apt source line or a dnf repository id`);
  return { ...common, name: chunk.name, kind: 'dnf' };
}

async function listFiles(host: HostReader, p: PkgrepoAbsentParams): Promise<string[]> {
  if (p.file) return [p.file];
  const [main, dir, ext] = p.kind === 'apt' ? [APT_MAIN, APT_DIR, '.list'] : [undefined, YUM_DIR, '.repo'];
  const names = ((await host.readdir(dir)) ?? []).filter((n) => n.endsWith(ext)).sort();
  return [...(main ? [main] : []), ...names.map((n) => path.join(dir, n))];
}

/**
 * yumpkg.del_repo's rewrite of a .repo file without one section: the leading comment lines, then each other section
 * as configparser read it (keys lower-cased, values stripped, continuation lines joined by '\n '), followed by its
 * `#` comments; blank lines and `;` comments are not kept.
 */
function yumRewrite(text: string, drop: string): string {
  let out = '';
  interface Section {
    id: string;
    keys: [string, string][];
    comments: string[];
  }
  let cur: Section | null = null;
  const sections: Section[] = [];
  for (const raw of text.split(/\r?\n/)) {
    const line = raw.trim();
    if (line.startsWith('#')) {
      if (cur) cur.comments.push(line.slice(1).trimStart());
      else out += `${line}\n`;
    } else if (line.startsWith('[') && line.endsWith(']')) {
      cur = { id: line.slice(1, -1), keys: [], comments: [] };
      sections.push(cur);
    } else if (cur && line && !line.startsWith(';')) {
      const last = cur.keys[cur.keys.length - 1];
      const m = /^([^=:]+?)\s*[=:]\s*(.*)$/.exec(line);
      if (/^\s/.test(raw) && last) last[1] += `\n${line}`;
      else if (m) cur.keys.push([m[1]!.toLowerCase(), m[2]!]);
    }
  }
  for (const s of sections) {
    if (s.id === drop) continue;
    out += `\n[${s.id}]`;
    for (const [k, v] of s.keys) out += `\n${k}=${v.split('\n').join('\n ')}`;
    out += `\n${s.comments.map((c) => `# ${c.replace(/^#+/, '').trimStart()}\n`).join('')}\n`;
  }
  return out;
}

interface Edit {
  file: string;
  /** New text, or null to delete the file. */
  text: string | null;
}

/** The files that change (empty: the repo is absent), or 'mismatch' when a line names it with other architectures. */
async function plan(p: PkgrepoAbsentParams, host: HostReader): Promise<{ present: boolean; edits: Edit[] }> {
  const edits: Edit[] = [];
  let present = false;
  for (const file of await listFiles(host, p)) {
    const text = (await host.readFile(file))?.toString('utf8');
    if (text === undefined) continue;
    if (p.kind === 'dnf') {
      const ini = parseIni(text);
      if (!ini.sections.some((s) => s.id === p.name)) continue;
      present = true;
      edits.push({ file, text: ini.sections.length > 1 ? yumRewrite(text, p.name) : null });
      continue;
    }
    const lines = text.split('\n');
    if (lines[lines.length - 1] === '') lines.pop();
    let changed = false;
    const out: string[] = [];
    for (const line of lines) {
      const s = parseAptLine(line);
      const same = s !== null && s.type === p.type && s.uri === p.uri && s.dist === p.dist;
      if (same && (!p.comps!.length || p.comps!.some((c) => s.comps.includes(c)))) present = true;
      const ppaSrc = p.ppa === true && s !== null && s.type === 'deb-src' && s.uri === p.uri && s.dist === p.dist;
      if (((same && s.arch.join(',') === p.arch!.join(',')) || ppaSrc) && s!.comps.some((c) => p.comps!.includes(c))) {
        changed = true;
        const left = s!.comps.filter((c) => !p.comps!.includes(c));
        if (left.length) out.push(renderAptLine({ ...s!, comps: left }));
        continue;
      }
      out.push(line);
    }
    if (!changed) continue;
    const drop = out.length === 0 && file.startsWith(`${APT_DIR}/`);
    edits.push({ file, text: drop ? null : out.length ? `${out.join('\n')}\n` : '' });
  }
  return { present, edits };
}

async function aptHasSources(host: HostReader, file?: string): Promise<boolean> {
  for (const f of await listFiles(host, { kind: 'apt', name: '', refresh: false, file })) {
    const text = (await host.readFile(f))?.toString('utf8') ?? '';
    if (text.split('\n').some((l) => parseAptLine(l) !== null)) return true;
  }
  return false;
}

export const absent: StateFunction<PkgrepoAbsentParams> = {
  parse,
  async check(p, ctx: CheckContext) {
    // On an apt host a name that is not a source line is malformed to Salt's aptpkg.get_repo once any source line
    // exists (with none, Salt finds the repo absent).
    if (p.kind === 'dnf' && ctx.providers.pkg.name === 'apt' && (await aptHasSources(ctx.host, p.file))) {
      throw new Error(`Failed to configure repo '${p.name}': Error: repo '${p.name}' is not a well formatted definition`);
    }
    return (await plan(p, ctx.host)).present ? { repo: p.name } : {};
  },
  async apply(p, _pending, ctx: ApplyContext) {
    const { edits } = await plan(p, ctx.host);
    if (!edits.length) throw new Error(`Repo ${p.name} doesn't exist in the sources.list(s)`);
    for (const e of edits) {
      if (e.text === null) await ctx.host.remove(e.file);
      else await ctx.host.writeFileAtomic(e.file, e.text);
    }
    if (p.refresh) {
      const r = await ctx.host.run(p.kind === 'apt' ? ['apt-get', '-q', 'update'] : ['dnf', '-q', 'makecache']);
      if (r.code !== 0) throw commandFailed(`Removed repo ${p.name}, but refreshing the package database`, r);
    }
    if ((await plan(p, ctx.host)).present) throw new Error(`Failed to remove repo ${p.name}`);
    return { changes: { repo: p.name }, comment: `Removed repo ${p.name}` };
  },
  okComment: (p) => `Package repo ${p.name} is absent`,
  testComment: (p) =>
    `Package repo '${p.name}' will be removed. This may cause pkg states to behave differently than stated if this action is repeated without test=True, due to the differences in the configured repositories.`,
  testChanges: () => ({}),
};
