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
import { parseIni, renderIni, type IniSection } from './ini-file';
import { absPath, optBool, optStr, type Args } from './util';

export interface IniParams {
  name: string;
  sections: Record<string, unknown> | null;
  separator: string;
  strict: boolean;
  /** Set by check: the dry run's comment. */
  testLines?: string;
}


function parse(ref: string, args: Args, chunk: LowChunk): IniParams {
  const raw = args['sections'];
  if (raw !== undefined && raw !== null && !isDict(raw)) throw new StateArgError(ref, 'sections', 'expected a mapping of options and sections');
  return {
    name: absPath(ref, 'name', chunk.name),
    sections: (raw as Record<string, unknown> | undefined) ?? null,
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

export const optionsPresent: StateFunction<IniParams> = {
  parse,
  async check(p, ctx: CheckContext) {
    const { ini } = await read(p, ctx.host);
    const r = plan(p, ini);
    p.testLines = r.test;
    return r.changes;
  },
  async apply(p, _pending, ctx: ApplyContext) {
    const { target, ini } = await read(p, ctx.host);
    const { changes } = plan(p, ini);
    if (Object.keys(changes).length) await ctx.host.writeFileAtomic(target, renderIni(ini));
    return { changes, comment: Object.keys(changes).length ? 'Changes take effect' : 'No anomaly detected' };
  },
  okComment: () => 'No anomaly detected',
  testOkComment: (p) => p.testLines ?? '',
  testComment: (p) => p.testLines ?? '',
  testChanges: () => ({}),
  // As in Salt, an option that reads back as something else (a key starting with ';' is a comment) is written on
  // every run and reported as changed; Brine does not check this state again after applying it.
  recheck: false,
};

export const iniModule: StateModule = { name: 'ini', functions: { options_present: optionsPresent } };
