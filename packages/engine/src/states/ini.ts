/**
 * ini.options_present (Salt 3006, salt/states/ini_manage.py over salt/modules/ini_manage.py): options of an INI file,
 * top-level ones (`sections` entries whose value is not a mapping) and per section; `strict` removes the options
 * not named. The file is read and written as Salt's ini module does (ini-file.ts): a change rewrites the whole file
 * in Salt's layout. Salt also rewrites a file that needs no change (normalising `key=value` to `key = value`);
 * Brine leaves such a file alone (a dry run never writes, and a converged state is not applied). Changes (`{key: {before, after}}`, per section) and comments are Salt's; a dry
 * run lists `Changed key ...` / `Unchanged key ...` lines, as Salt's does.
 */
import { isDict, pyStr, StateArgError, type Changes, type LowChunk } from '@brine/core';
import type { ApplyContext, CheckContext, HostReader, StateFunction, StateModule } from '../types';
import { followLink } from './file/common';
import { IniSection, parseIni, renderIni } from './ini-file';
import { absPath, optBool, optStr, type Args } from './util';

export interface IniParams {
  name: string;
  sections: Record<string, unknown> | null;
  separator: string;
  strict: boolean;
  /** Set by check: the dry run's comment. */
  testLines?: string;
}


function parse(ref: string, args: Args, chunk: LowChunk, names = false): IniParams {
  const raw = args['sections'];
  let sections: Record<string, unknown> | null = null;
  if (isDict(raw)) sections = raw;
  else if (names && Array.isArray(raw)) sections = Object.fromEntries(raw.map((n) => [pyStr(n), null]));
  else if (raw !== undefined && raw !== null) throw new StateArgError(ref, 'sections', names ? 'expected a list of section names (or a mapping)' : 'expected a mapping of options and sections');
  return {
    name: absPath(ref, 'name', chunk.name),
    sections,
    separator: optStr(ref, args, 'separator') ?? '=',
    strict: optBool(ref, args, 'strict') ?? false,
  };
}

/** The file (through a symlink, which Salt's open() follows: the link stays a link) and its model. */
async function read(p: IniParams, host: HostReader): Promise<{ target: string; ini: IniSection }> {
  const target = await followLink(host, p.name);
  const text = (await host.readFile(target))?.toString('utf8') ?? null;
  return { target, ini: parseIni(text, p.separator) };
}

/** The run Salt's options_present makes (each set_option and remove_option in its order) on one model of the file. */
function plan(p: IniParams, ini: IniSection): { changes: Changes; test: string } {
  const changes: Changes = {};
  let test = '';
  const sections = p.sections ?? {};
  const options = Object.fromEntries(Object.entries(sections).filter(([, v]) => !isDict(v)));
  const current = ini.options();
  const topLevel = Object.fromEntries(Object.entries(current).filter(([, v]) => !isDict(v)));
  for (const [o, v] of Object.entries(options)) test += `${o in topLevel && pyStr(topLevel[o]) === pyStr(v) ? 'Unchanged' : 'Changed'} key ${o}.\n`;
  Object.assign(changes, ini.update(options));
  if (p.strict) {
    for (const o of Object.keys(topLevel).filter((k) => !(k in options))) {
      test += `Removed key ${o}.\n`;
      ini.remove(o);
      changes[o] = { before: topLevel[o], after: null };
    }
  }
  for (const [section, body] of Object.entries(sections).filter(([, v]) => isDict(v)) as [string, Record<string, unknown>][]) {
    const descr = section ? ` in section ${section}` : '';
    const sectChanges: Changes = {};
    const original = (isDict(current[section]) ? current[section] : {}) as Record<string, unknown>;
    if (p.strict) {
      for (const k of Object.keys(original).filter((x) => !(x in body))) {
        test += `Deleted key ${k}${descr}.\n`;
        (ini.entries.get(section) as IniSection).remove(k);
        sectChanges[k] = { before: original[k], after: null };
      }
    }
    for (const [o, v] of Object.entries(body)) test += `${pyStr(v) === pyStr(original[o] ?? '#-#-') ? 'Unchanged' : 'Changed'} key ${o}${descr}.\n`;
    const updated = ini.update({ [section]: body });
    if (updated[section]) Object.assign(sectChanges, updated[section]);
    if (Object.keys(sectChanges).length) changes[section] = sectChanges;
  }
  return { changes: Object.fromEntries(Object.entries(changes).filter(([, v]) => v !== null && v !== undefined && (typeof v !== 'object' || Object.keys(v).length))), test };
}

interface Plan {
  changes: Changes;
  /** The dry run's comment lines. */
  test: string;
  /** The file changes in a way Salt does not report (an empty section removed). */
  silent?: boolean;
}

/**
 * One ini state: `plan` makes Salt's edits on a model of the file and says what changed; the file is written when
 * something did. `ok`: the comment of a converged real run; `dryOk`: of a converged dry run without lines.
 */
function iniState(plan: (p: IniParams, ini: IniSection) => Plan, ok: string, dryOk: string, names = false): StateFunction<IniParams> {
  return {
    parse: (ref, args, chunk) => parse(ref, args, chunk, names),
    async check(p, ctx: CheckContext) {
      const { ini } = await read(p, ctx.host);
      const r = plan(p, ini);
      p.testLines = r.test;
      return Object.keys(r.changes).length || !r.silent ? r.changes : { file: 'edited' };
    },
    async apply(p, _pending, ctx: ApplyContext) {
      const { target, ini } = await read(p, ctx.host);
      const { changes, silent } = plan(p, ini);
      if (Object.keys(changes).length || silent) await ctx.host.writeFileAtomic(target, renderIni(ini));
      return { changes, comment: Object.keys(changes).length ? 'Changes take effect' : ok };
    },
    okComment: () => ok,
    testOkComment: (p) => p.testLines || dryOk,
    testComment: (p) => p.testLines ?? '',
    testChanges: () => ({}),
    // As in Salt, an option that reads back as something else (a key starting with ';' is a comment) is written on
    // every run and reported as changed; Brine does not check these states again after applying them.
    recheck: false,
  };
}

export const optionsPresent = iniState(plan, 'No anomaly detected', '');

/** options_absent: `sections: {section: [keys]}` (Salt's remove_option per key; an empty value goes unreported). */
export const optionsAbsent = iniState((p, ini) => {
  const changes: Changes = {};
  let test = '';
  for (const [section, keys] of Object.entries(p.sections ?? {})) {
    if (!Array.isArray(keys)) throw new Error(`sections: ${section}: expected a list of keys to remove`);
    const descr = section ? ` in section ${section}` : '';
    const sect = ini.entries.get(section);
    for (const key of keys.map((k) => pyStr(k))) {
      const cur = sect instanceof IniSection ? sect.entries.get(key) : ini.entries.get(key);
      test += cur ? `Deleted key ${key}${descr}.\n` : `Key ${key}${descr} does not exist.\n`;
      if (cur === undefined || cur instanceof IniSection) continue;
      if (sect instanceof IniSection) sect.remove(key);
      else ini.remove(key);
      if (cur) ((changes[section] ??= {}) as Changes)[key] = cur;
    }
  }
  return { changes, test };
}, 'No anomaly detected', 'No changes detected.');

/**
 * sections_present: each named section exists (an empty one is added; options are left as they are). Salt says
 * "Changes take effect" even when every section was there.
 */
export const sectionsPresent = iniState((p, ini) => {
  let test = '';
  const names = Object.keys(p.sections ?? {});
  for (const n of names) test += ini.entries.get(n) instanceof IniSection ? `Section unchanged ${n}.\n` : `Created new section ${n}.\n`;
  return { changes: ini.update(Object.fromEntries(names.map((n) => [n, {}]))), test };
}, 'Changes take effect', 'No changes detected.', true);

/** sections_absent: the named sections go, with their options (reported; an empty section goes unreported). */
export const sectionsAbsent = iniState((p, ini) => {
  const changes: Changes = {};
  let test = '';
  let silent = false;
  for (const n of Object.keys(p.sections ?? {})) {
    const sect = ini.entries.get(n);
    if (!(sect instanceof IniSection)) {
      test += `Section ${n} does not exist.\n`;
      continue;
    }
    test += `Deleted section ${n}.\n`;
    ini.remove(n);
    const opts = Object.fromEntries([...sect.entries].filter(([k]) => !k.startsWith('#')));
    if (Object.keys(opts).length) changes[n] = opts;
    else silent = true;
  }
  return { changes, test, silent };
}, 'No anomaly detected', 'No changes detected.', true);

export const iniModule: StateModule = {
  name: 'ini',
  functions: { options_present: optionsPresent, options_absent: optionsAbsent, sections_present: sectionsPresent, sections_absent: sectionsAbsent },
};
