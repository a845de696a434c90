/**
 * cron.present / cron.absent (Salt 3006): entries in a user's crontab, read with `crontab -u USER -l` and
 * written back whole with `crontab -u USER -`. Salt's layout: lines above `# Lines below here are managed by
 * Salt, do not edit` are kept as they are; below it come environment lines, the timed entries, then the
 * `special` (`@daily`...) ones, each under a `# [comment ]SALT_CRON_IDENTIFIER:<id>` line (the id defaults to the
 * command). An entry matches by identifier, or by command when it has none. Changes: `{<user>: <command>}`;
 * a dry run reports none (result None), as Salt. `random` times are not supported (refused at parse).
 */
import { StateArgError, type Changes, type LowChunk } from '@brine/core';
import type { CheckContext, HostReader, StateFunction, StateModule } from '../types';
import { commandFailed, describe, optBool, optStr, type Args } from './util';

export const CRON_TAG = '# Lines below here are managed by Salt, do not edit';
const ID = 'SALT_CRON_IDENTIFIER';
const FIELDS = ['minute', 'hour', 'daymonth', 'month', 'dayweek'] as const;
const SPECIALS = ['@reboot', '@yearly', '@annually', '@monthly', '@weekly', '@daily', '@midnight', '@hourly'];

export interface CronEntry {
  cmd: string;
  /** Five time fields, or null for a special entry. */
  time: string[] | null;
  special?: string;
  comment?: string;
  identifier?: string;
  commented: boolean;
}

export interface CronTab {
  pre: string[];
  env: string[];
  entries: CronEntry[];
}

export function parseTab(text: string): CronTab {
  const lines = text.split('\n');
  if (lines[lines.length - 1] === '') lines.pop();
  const at = lines.indexOf(CRON_TAG);
  const tab: CronTab = { pre: at === -1 ? lines : lines.slice(0, at), env: [], entries: [] };
  if (at === -1) return tab;
  let comment: string | undefined;
  let identifier: string | undefined;
  for (const raw of lines.slice(at + 1)) {
    let line = raw.trim();
    if (!line) continue;
    let commented = false;
    if (line.startsWith('#DISABLED#')) {
      commented = true;
      line = line.slice('#DISABLED#'.length).trim();
    } else if (line.startsWith('#')) {
      const body = line.replace(/^#\s?/, '');
      const i = body.indexOf(`${ID}:`);
      const text = (i === -1 ? body : body.slice(0, i)).trim();
      if (i !== -1) identifier = body.slice(i + ID.length + 1).trim();
      if (text) comment = comment === undefined ? text : `${comment}\n${text}`;
      continue;
    }
    if (/^[A-Za-z_][A-Za-z0-9_]*=/.test(line) && !commented) {
      tab.env.push(line);
      comment = identifier = undefined;
      continue;
    }
    const words = line.split(/\s+/);
    let entry: CronEntry;
    if (line.startsWith('@')) entry = { cmd: line.slice(words[0].length).trim(), time: null, special: words[0], commented };
    else if (words.length >= 6) entry = { cmd: line.replace(/^(\S+\s+){5}/, ''), time: words.slice(0, 5), commented };
    else {
      tab.pre.push(raw); // not a cron line: keep it rather than lose it
      continue;
    }
    if (comment !== undefined) entry.comment = comment;
    if (identifier !== undefined) entry.identifier = identifier;
    tab.entries.push(entry);
    comment = identifier = undefined;
  }
  return tab;
}

function renderEntry(e: CronEntry): string {
  let out = '';
  if (e.comment !== undefined || e.identifier !== undefined) {
    out += '#';
    if (e.comment) out += ` ${e.comment.trimEnd().replace(/\n/g, '\n# ')}`;
    if (e.identifier) out += ` ${ID}:${e.identifier}`;
    out += '\n';
  }
  return `${out}${e.commented ? '#DISABLED#' : ''}${e.time ? e.time.join(' ') : e.special} ${e.cmd}\n`;
}

export function renderTab(tab: CronTab): string {
  const pre = tab.pre.map((l) => `${l}\n`).join('');
  return `${pre}${CRON_TAG}\n${tab.env.map((l) => `${l}\n`).join('')}${tab.entries.filter((e) => e.time).map(renderEntry).join('')}${tab.entries.filter((e) => !e.time).map(renderEntry).join('')}`;
}

export interface CronParams {
  name: string;
  user: string;
  time: string[] | null;
  special?: string;
  comment?: string;
  commented: boolean;
  identifier: string;
  absent: boolean;
  /** What the last check found: 'new' | 'update' | 'remove'. */
  action?: string;
}

/**
 * The user's crontab. A user that does not exist has none: a dry run says what it would add (an earlier state may
 * be about to create the user, as Salt's `crontab -u USER -l` reads nothing); a run (`mustExist`) fails.
 */
async function readTab(host: HostReader, user: string, mustExist: boolean): Promise<string> {
  if (!(await host.user(user))) {
    if (mustExist) throw new Error(`User ${user} does not exist`);
    return '';
  }
  const r = await host.probe(['crontab', '-u', user, '-l']);
  if (r.code === 0) return r.stdout ? `${r.stdout}\n` : '';
  if (/no crontab for/i.test(r.stderr)) return '';
  throw commandFailed(`crontab -u ${user} -l`, r);
}

const matches = (e: CronEntry, p: CronParams): boolean => (e.identifier ? e.identifier === p.identifier : e.cmd === p.name);

function desired(p: CronParams, old?: CronEntry): CronEntry {
  const e: CronEntry = { cmd: p.name, time: p.time, commented: p.commented, identifier: p.identifier };
  if (p.special) e.special = p.special;
  const comment = p.comment ?? old?.comment;
  if (comment !== undefined) e.comment = comment;
  return e;
}

/** The crontab text the state wants, or null when it already holds. */
async function plan(p: CronParams, ctx: CheckContext, mustExist = false): Promise<{ next: string | null }> {
  const tab = parseTab(await readTab(ctx.host, p.user, mustExist));
  const i = tab.entries.findIndex((e) => matches(e, p));
  if (p.absent) {
    if (i === -1) return { next: null };
    p.action = 'remove';
    tab.entries = tab.entries.filter((e) => !matches(e, p));
    return { next: renderTab(tab) };
  }
  if (i === -1) {
    p.action = 'new';
    tab.entries.push(desired(p));
    return { next: renderTab(tab) };
  }
  const want = desired(p, tab.entries[i]);
  if (renderEntry(want) === renderEntry(tab.entries[i])) return { next: null };
  p.action = 'update';
  tab.entries[i] = want;
  return { next: renderTab(tab) };
}

function field(ref: string, args: Args, f: string): string {
  const v = args[f];
  if (v === undefined || v === null) return '*';
  if (typeof v !== 'string' && typeof v !== 'number') throw new StateArgError(ref, f, `expected a cron field such as '*/5' or 3, got ${describe(v)}`);
  const s = String(v).trim();
  if (s === 'random') throw new StateArgError(ref, f, "'random' is not supported; give the value");
  if (!/^[\w*/,-]+$/.test(s)) throw new StateArgError(ref, f, `invalid cron field ${JSON.stringify(s)}`);
  return s;
}

function parseCron(absent: boolean) {
  return (ref: string, args: Args, chunk: LowChunk): CronParams => {
    const name = chunk.name.trim();
    if (!name || name.includes('\n')) throw new StateArgError(ref, 'name', 'the command must be one non-empty line');
    const special = optStr(ref, args, 'special');
    if (special !== undefined && !SPECIALS.includes(special)) throw new StateArgError(ref, 'special', `expected one of ${SPECIALS.join(', ')}, got ${JSON.stringify(special)}`);
    const identifier = args['identifier'] === false ? undefined : optStr(ref, args, 'identifier');
    return {
      name,
      user: optStr(ref, args, 'user') ?? 'root',
      time: special ? null : FIELDS.map((f) => field(ref, args, f)),
      special,
      comment: optStr(ref, args, 'comment'),
      commented: optBool(ref, args, 'commented') ?? false,
      identifier: identifier || name,
      absent,
    };
  };
}

function cronFn(absent: boolean): StateFunction<CronParams> {
  return {
    parse: parseCron(absent),
    async check(p, ctx): Promise<Changes> {
      p.action = undefined;
      return (await plan(p, ctx)).next === null ? {} : { [p.user]: p.name };
    },
    async apply(p, _pending, ctx) {
      const { next } = await plan(p, ctx, true);
      const action = p.action;
      if (next !== null) {
        const r = await ctx.host.run(['crontab', '-u', p.user, '-'], { input: next });
        if (r.code !== 0) throw commandFailed(`crontab -u ${p.user} -`, r);
      }
      const comment = action === 'new' ? `Cron ${p.name} added to ${p.user}'s crontab` : action === 'update' ? `Cron ${p.name} updated` : `Cron ${p.name} removed from ${p.user}'s crontab`;
      return { changes: { [p.user]: p.name }, comment };
    },
    testChanges: () => ({}),
    okComment: (p) => (absent ? `Cron ${p.name} already absent` : `Cron ${p.name} already present`),
    testComment: (p) => (absent ? `Cron ${p.name} is set to be removed` : `Cron ${p.name} is set to be ${p.action === 'update' ? 'updated' : 'added'}`),
  };
}

export const cronModule: StateModule = { name: 'cron', functions: { present: cronFn(false), absent: cronFn(true) } };
