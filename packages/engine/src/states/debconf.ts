/**
 * debconf.set / debconf.set_file (Salt 3006, salt/states/debconfmod.py over salt/modules/debconfmod.py): answers to
 * a package's debconf questions, read with `debconf-get-selections` (debconf-utils, as Salt requires) and written
 * with `debconf-set-selections`.
 * - set: `data` is `{question: {type, value}}`; an answer whose type and value are already there is "unchanged".
 *   As in Salt, a `boolean` value is written `true` when it is truthy in Python (so the string 'false' is `true`:
 *   write `value: False`), other values as Python's str(); a password's change is shown as `(password hidden)`.
 * - set_file: a selections file (`source`: salt:// or a path; `template: jinja` with `context`/`defaults`) is
 *   loaded on every run, as Salt loads it: its changes are never reported.
 * Comments and changes are Salt's.
 */
import { isDict, pyStr, StateArgError, type Changes, type LowChunk } from '@brine/core';
import type { ApplyContext, CheckContext, HostReader, StateFunction, StateModule } from '../types';
import { commandFailed, describe, optDict, optStr, type Args } from './util';

interface Answer {
  question: string;
  type: string;
  value: string;
}

export interface DebconfParams {
  name: string;
  answers: Answer[];
  /** Set by check: the questions already answered so. */
  unchanged?: string[];
}

/** Python's str() of a scalar answer; a boolean question takes Python's truthiness of the value. */
function answerValue(type: string, v: unknown): string {
  if (type === 'boolean') {
    const truthy = !(v === false || v === null || v === undefined || v === 0 || v === '' || (Array.isArray(v) && !v.length) || (isDict(v) && !Object.keys(v).length));
    return truthy ? 'true' : 'false';
  }
  return pyStr(v);
}

function parseSet(ref: string, args: Args, chunk: LowChunk): DebconfParams {
  const data = optDict(ref, args, 'data');
  if (!data) throw new StateArgError(ref, 'data', 'required: {question: {type: ..., value: ...}}');
  const answers = Object.entries(data).map(([question, a]) => {
    if (!isDict(a) || typeof a['type'] !== 'string') throw new StateArgError(ref, `data.${question}`, `expected {type: ..., value: ...}, got ${describe(a)}`);
    return { question, type: a['type'], value: answerValue(a['type'], a['value']) };
  });
  return { name: chunk.name, answers };
}

/** debconfmod._unpack_lines over `debconf-get-selections`: the package's [question, type, value] triples. */
async function current(pkg: string, host: HostReader): Promise<[string, string, string][] | null> {
  let r;
  try {
    r = await host.probe(['debconf-get-selections']);
  } catch {
    throw new Error("debconf-get-selections is not available: install debconf-utils (Salt's debconf module needs it too)");
  }
  const out: [string, string, string][] = [];
  for (const m of r.stdout.matchAll(/^([^#\n]\S+)[\t ]+(\S+)[\t ]+(\S+)[\t ]+([^\n]*)$/gm)) if (m[1] === pkg) out.push([m[2]!, m[3]!, m[4]!]);
  return out.length ? out : null;
}

const line = (pkg: string, a: Answer) => `${pkg} ${a.question} ${a.type} ${a.value}`;

export const set: StateFunction<DebconfParams> = {
  parse: parseSet,
  async check(p, ctx: CheckContext) {
    const have = await current(p.name, ctx.host);
    const changes: Changes = {};
    p.unchanged = [];
    for (const a of p.answers) {
      if (have?.some(([q, t, v]) => q === a.question && t === a.type && v === a.value)) p.unchanged.push(a.question);
      else changes[a.question] = a.value;
    }
    return changes;
  },
  async apply(p, pending, ctx: ApplyContext) {
    const changes: Changes = {};
    for (const a of p.answers.filter((x) => x.question in pending)) {
      const r = await ctx.host.run(['debconf-set-selections'], { input: `${line(p.name, a)}\n` });
      if (r.code !== 0) throw commandFailed(`debconf-set-selections (${p.name} ${a.question})`, r);
      changes[a.question] = a.type === 'password' ? '(password hidden)' : a.value;
    }
    return { changes, comment: unchangedComment(p) };
  },
  okComment: () => 'All specified answers are already set',
  testComment: (p) => unchangedComment(p),
  testChanges: (_p, pending) => Object.fromEntries(Object.entries(pending).map(([k, v]) => [k, `New value: ${String(v)}`])),
};

function unchangedComment(p: DebconfParams): string {
  return p.unchanged?.length ? `Unchanged answers: ${p.unchanged.map((q) => `${q} `).join('')}` : '';
}

export interface DebconfFileParams {
  name: string;
  source: string;
  template?: string;
  context: Record<string, unknown>;
}

export const setFile: StateFunction<DebconfFileParams> = {
  parse(ref, args, chunk) {
    const source = optStr(ref, args, 'source');
    if (!source) throw new StateArgError(ref, 'source', 'required');
    const template = optStr(ref, args, 'template');
    if (template !== undefined && template !== 'jinja') throw new StateArgError(ref, 'template', `only jinja templates are supported, got ${JSON.stringify(template)}`);
    const context = optDict(ref, args, 'context');
    const defaults = optDict(ref, args, 'defaults');
    if (args['context'] !== undefined && args['context'] !== null && !context) throw new StateArgError(ref, 'context', 'Context must be formed as a dict');
    if (args['defaults'] !== undefined && args['defaults'] !== null && !defaults) throw new StateArgError(ref, 'defaults', 'Defaults must be formed as a dict');
    return { name: chunk.name, source, template, context: { ...defaults, ...context } };
  },
  // Salt loads the file on every run and reports no changes.
  check: async () => ({ selections: 'to be set' }),
  async apply(p, _pending, ctx: ApplyContext) {
    const got = ctx.files.fetch([p.source]);
    if (!got) throw new Error('Unable to set debconf selections from file.');
    const text = p.template ? ctx.template.render(got.data.toString('utf8'), got.url, p.context) : got.data.toString('utf8');
    const r = await ctx.host.run(['debconf-set-selections'], { input: text });
    if (r.code !== 0) throw commandFailed('Unable to set debconf selections from file: debconf-set-selections', r);
    return { changes: {}, comment: 'Debconf selections were set.' };
  },
  recheck: false,
  testComment: () => 'Debconf selections would have been set.',
  testChanges: () => ({}),
};

export const debconfModule: StateModule = { name: 'debconf', functions: { set, set_file: setFile } };
