/**
 * host.present / host.absent (Salt 3006): names for IP addresses in the hosts file (`hosts.file` in the minion
 * configuration, /etc/hosts by default), edited the way Salt's hosts module edits it, so a file Salt kept stays
 * byte-identical under Brine:
 * - adding a name or setting a comment rewrites the file from its parsed form: one line per address (lines with the
 *   same address merged into the first), `ip<TAB><TAB>names[<TAB><TAB># comment]`, comment lines kept, blank lines
 *   dropped (hosts.add_host / set_comment);
 * - removing a name rewrites only the lines of that address: `ip<TAB><TAB>name name ` or nothing when no name is
 *   left (hosts.rm_host).
 * Changes and comments are Salt's: `{added: {ip: [name]}, comment_added: {ip: [comment]}, removed: {ip: [name]}}`
 * for host.present, `{host: name}` for host.absent. Where Salt walks a set, Brine keeps the order of `ip`.
 */
import { isIP } from 'net';
import { StateArgError, type Changes, type LowChunk } from '@brine/core';
import type { ApplyContext, CheckContext, HostReader, StateFunction, StateModule } from '../types';
import { optBool, optStr, optStrList, type Args } from './util';

type Entry = { comment: string } | { ip: string; aliases: string[]; note?: string };
const isHost = (e: Entry): e is { ip: string; aliases: string[]; note?: string } => 'ip' in e;

/** hosts._list_hosts: comment lines in order, and per address (first line's position) its names and last comment. */
function parseHosts(text: string): Entry[] {
  const out: Entry[] = [];
  const byIp = new Map<string, { ip: string; aliases: string[]; note?: string }>();
  for (const raw of text.split(/\r?\n/)) {
    let line = raw.trim();
    if (!line) continue;
    if (line.startsWith('#')) {
      out.push({ comment: line });
      continue;
    }
    let note: string | undefined;
    const hash = line.indexOf('#');
    if (hash >= 0) {
      note = line.slice(hash + 1).trimStart();
      line = line.slice(0, hash).trim();
    }
    const [ip, ...names] = line.split(/\s+/);
    let e = byIp.get(ip!);
    if (!e) {
      e = { ip: ip!, aliases: [] };
      byIp.set(ip!, e);
      out.push(e);
    }
    e.aliases.push(...names);
    if (note) e.note = note;
  }
  return out;
}

/** hosts._write_hosts. */
function formatHosts(entries: Entry[]): string {
  return entries
    .map((e) => (isHost(e) ? `${e.ip}\t\t${e.aliases.join(' ')}${e.note !== undefined ? `\t\t# ${e.note}` : ''}` : e.comment).trim())
    .filter((l) => l)
    .map((l) => `${l}\n`)
    .join('');
}

/** hosts.rm_host: `name` off each line of `ip` (those lines normalised), a line left with no name dropped. */
function removeName(text: string, ip: string, name: string): string {
  return text
    .split(/(?<=\n)/)
    .map((line) => {
      const t = line.trim();
      if (!t || t.startsWith('#')) return line;
      const hash = t.indexOf('#');
      const note = hash >= 0 ? t.slice(hash + 1).trimStart() : undefined;
      const comps = (hash >= 0 ? t.slice(0, hash) : t).split(/\s+/).filter((c) => c);
      if (comps[0] !== ip) return line;
      const rest = comps.slice(1).filter((c) => c !== name);
      if (!rest.length) return '';
      return `${ip}\t\t${rest.map((c) => `${c} `).join('')}${note !== undefined ? `# ${note}` : ''}\n`;
    })
    .join('');
}

async function hostsFile(ctx: CheckContext): Promise<string> {
  if (ctx.exec?.has('config.get')) {
    const { ret } = await ctx.exec.call('config.get', ['hosts.file'], {});
    if (typeof ret === 'string' && ret) return ret;
  }
  return '/etc/hosts';
}

async function readHosts(host: HostReader, file: string): Promise<string> {
  return (await host.readFile(file))?.toString('utf8') ?? '';
}

const hostsOf = (text: string) => new Map(parseHosts(text).filter(isHost).map((e) => [e.ip, e]));

interface Common {
  name: string;
  ips: string[];
  /** Set by check: the comment lines of the last look at the file. */
  notes?: string[];
}

export interface HostPresentParams extends Common {
  comment?: string;
  clean: boolean;
}

function common(ref: string, args: Args, chunk: LowChunk): Common {
  if (!chunk.name || /\s|#/.test(chunk.name)) throw new StateArgError(ref, 'name', `invalid host name ${JSON.stringify(chunk.name)}`);
  const ips = optStrList(ref, args, 'ip');
  if (!ips?.length) throw new StateArgError(ref, 'ip', 'required');
  for (const ip of ips) if (!ip || /\s|#/.test(ip)) throw new StateArgError(ref, 'ip', `invalid address ${JSON.stringify(ip)}`);
  return { name: chunk.name, ips: [...new Set(ips)] };
}

interface PresentPlan {
  add: string[];
  comment: string[];
  remove: string[];
  notes: string[];
}

function planPresent(p: HostPresentParams, text: string): PresentPlan {
  const hosts = hostsOf(text);
  const plan: PresentPlan = { add: [], comment: [], remove: [], notes: [] };
  const push = (l: string[], x: string) => void (l.includes(x) || l.push(x));
  for (const ip of p.ips) {
    if (hosts.has(ip)) continue;
    push(plan.add, ip);
    if (p.comment) push(plan.comment, ip);
  }
  for (const [ip, e] of hosts) {
    const named = e.aliases.includes(p.name);
    if (!p.ips.includes(ip)) {
      if (named && p.clean) push(plan.remove, ip);
    } else if (named) {
      if (p.comment && e.note !== p.comment) push(plan.comment, ip);
      else plan.notes.push(`Host ${p.name} (${ip}) already present`);
    } else if (isIP(ip)) {
      push(plan.add, ip);
      if (p.comment) push(plan.comment, ip);
    } else throw new Error(`Invalid IP Address for ${p.name} (${ip})`);
  }
  return plan;
}

function presentChanges(p: HostPresentParams, plan: PresentPlan): Changes {
  const changes: Changes = {};
  const group = (ips: string[], v: string) => Object.fromEntries(ips.map((ip) => [ip, [v]]));
  if (plan.add.length) changes['added'] = group(plan.add, p.name);
  if (plan.comment.length) changes['comment_added'] = group(plan.comment, p.comment!);
  if (plan.remove.length) changes['removed'] = group(plan.remove, p.name);
  return changes;
}

export const present: StateFunction<HostPresentParams> = {
  parse(ref: string, args: Args, chunk: LowChunk): HostPresentParams {
    return { ...common(ref, args, chunk), comment: optStr(ref, args, 'comment') || undefined, clean: optBool(ref, args, 'clean') ?? false };
  },
  async check(p, ctx) {
    const plan = planPresent(p, await readHosts(ctx.host, await hostsFile(ctx)));
    p.notes = [
      ...plan.notes,
      ...plan.add.map((ip) => `Host ${p.name} (${ip}) would be added`),
      ...plan.comment.map((ip) => `Comment for ${ip} (${p.comment}) would be added`),
      ...plan.remove.map((ip) => `Host ${p.name} (${ip}) would be removed`),
    ];
    return presentChanges(p, plan);
  },
  async apply(p, _pending, ctx: ApplyContext) {
    const file = await hostsFile(ctx);
    let text = await readHosts(ctx.host, file);
    const plan = planPresent(p, text);
    const edit = (f: (entries: Entry[]) => void) => {
      const entries = parseHosts(text);
      f(entries);
      text = formatHosts(entries);
    };
    for (const ip of plan.add) {
      edit((entries) => {
        const e = entries.filter(isHost).find((x) => x.ip === ip);
        if (e) e.aliases.includes(p.name) || e.aliases.push(p.name);
        else entries.push({ ip, aliases: [p.name] });
      });
    }
    for (const ip of plan.comment) {
      edit((entries) => {
        const e = entries.filter(isHost).find((x) => x.ip === ip);
        if (e) e.note = p.comment;
      });
    }
    for (const ip of plan.remove) text = removeName(text, ip, p.name);
    await ctx.host.writeFileAtomic(file, text);
    const comment = [
      ...plan.notes,
      ...plan.add.map((ip) => `Added host ${p.name} (${ip})`),
      ...plan.comment.map((ip) => `Set comment for host ${ip} (${p.comment})`),
      ...plan.remove.map((ip) => `Removed host ${p.name} (${ip})`),
    ].join('\n');
    return { changes: presentChanges(p, plan), comment };
  },
  okComment: (p) => (p.notes ?? []).join('\n'),
  testComment: (p) => (p.notes ?? []).join('\n'),
};

export const absent: StateFunction<Common> = {
  parse: common,
  async check(p, ctx) {
    const hosts = hostsOf(await readHosts(ctx.host, await hostsFile(ctx)));
    const there = p.ips.filter((ip) => hosts.get(ip)?.aliases.includes(p.name));
    p.notes = p.ips.map((ip) => `Host ${p.name} (${ip}) ${there.includes(ip) ? 'needs to be removed' : 'already absent'}`);
    return there.length ? { host: p.name } : {};
  },
  async apply(p, _pending, ctx: ApplyContext) {
    const file = await hostsFile(ctx);
    let text = await readHosts(ctx.host, file);
    const hosts = hostsOf(text);
    const notes: string[] = [];
    for (const ip of p.ips) {
      if (!hosts.get(ip)?.aliases.includes(p.name)) notes.push(`Host ${p.name} (${ip}) already absent`);
      else {
        text = removeName(text, ip, p.name);
        notes.push(`Removed host ${p.name} (${ip})`);
      }
    }
    await ctx.host.writeFileAtomic(file, text);
    return { changes: { host: p.name }, comment: notes.join('\n') };
  },
  okComment: (p) => (p.notes ?? []).join('\n'),
  testComment: (p) => (p.notes ?? []).join('\n'),
  testChanges: () => ({}),
};

export const hostModule: StateModule = { name: 'host', functions: { present, absent } };
