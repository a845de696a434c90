/** slsutil.* (salt/modules/slsutil.py): merges, serializers, renderer, state-tree lookups, banner, boolstr. */
import * as fs from 'fs';
import { saltPath } from '@brine/core';
import { TemplateError } from '../jinja/errors';
import { PyDict, num, pyBool, pyIter, pyStr, type Dict } from '../jinja/values';
import { rootsOf, type FunctionTable, type SaltTemplateContext } from './context';
import { merge, update } from './data';
import { listMaster, listMasterDirs } from './fn-cp';
import { fn, str, type AnyDict } from './py';
import { dirname, normpath, saltPathJoin } from './pypath';
import { deserialize, serialize } from './serializers';

/** Keyword arguments without Salt's `__pub*` ones (salt.utils.args.clean_kwargs). */
const clean = (kw: Dict): Dict => Object.fromEntries(Object.entries(kw).filter(([k]) => !k.startsWith('__')));

/** textwrap.wrap: words greedily filled to `width`, long words broken. */
function wrap(text: string, width: number): string[] {
  const words = text.split(/\s+/).filter(Boolean);
  const lines: string[] = [];
  let cur = '';
  for (let w of words) {
    while (w.length > width && !cur) {
      lines.push(w.slice(0, width));
      w = w.slice(width);
    }
    if (!cur) cur = w;
    else if (cur.length + 1 + w.length <= width) cur += ' ' + w;
    else {
      lines.push(cur);
      cur = '';
      while (w.length > width) {
        lines.push(w.slice(0, width));
        w = w.slice(width);
      }
      cur = w;
    }
  }
  if (cur) lines.push(cur);
  return lines;
}

/** Python's str.center. */
function center(s: string, width: number): string {
  const n = Math.max(0, width - s.length);
  const left = Math.floor(n / 2) + (n & width & 1);
  return ' '.repeat(left) + s + ' '.repeat(n - left);
}

export function slsutilFunctions(c: SaltTemplateContext): FunctionTable {
  const fileList = new Map<string, string[]>();
  const dirList = new Map<string, string[]>();
  const fileExists = (path: string, saltenv: string): boolean => {
    if (!fileList.has(saltenv)) fileList.set(saltenv, listMaster(c, saltenv, ''));
    return fileList.get(saltenv)!.includes(path);
  };
  const dirExists = (path: string, saltenv: string): boolean => {
    if (!dirList.has(saltenv)) dirList.set(saltenv, listMasterDirs(c, saltenv, ''));
    return dirList.get(saltenv)!.includes(path);
  };
  const pathExists = (path: string, saltenv: string): boolean => fileExists(path, saltenv) || dirExists(path, saltenv);
  const mergeParams: [string, unknown][] = [['strategy', 'smart'], ['renderer', 'yaml'], ['merge_lists', false]];
  return {
    'slsutil.update': fn('update', ['dest', 'upd', ['recursive_update', true], ['merge_lists', false]], (v) =>
      update(v['dest'] as AnyDict, v['upd'], pyBool(v['recursive_update']), pyBool(v['merge_lists'])),
    ),
    'slsutil.merge': fn('merge', ['obj_a', 'obj_b', ...mergeParams], (v) =>
      merge(v['obj_a'], v['obj_b'], str(v['strategy']), str(v['renderer']), pyBool(v['merge_lists']), (m) => c.log.warn(m)),
    ),
    'slsutil.merge_all': fn('merge_all', ['lst', ...mergeParams], (v) => {
      let ret: AnyDict = new PyDict();
      for (const obj of pyIter(v['lst'])) ret = merge(ret, obj, str(v['strategy']), str(v['renderer']), pyBool(v['merge_lists']), (m) => c.log.warn(m));
      return ret;
    }),
    'slsutil.serialize': fn('serialize', ['serializer', 'obj'], (v, b) => serialize(str(v['serializer']), v['obj'], clean(b.extra)), { varkw: true }),
    'slsutil.deserialize': fn('deserialize', ['serializer', 'stream_or_string'], (v, b) => deserialize(str(v['serializer']), v['stream_or_string'], clean(b.extra)), {
      varkw: true,
    }),
    'slsutil.renderer': fn(
      'renderer',
      [['path', null], ['string', null], ['default_renderer', 'jinja|yaml']],
      (v, b) => {
        if (!pyBool(v['path']) && !pyBool(v['string'])) throw new TemplateError('SaltInvocationError: Must pass either path or string', 'runtime');
        if (!c.render) throw new TemplateError('slsutil.renderer is not available here', 'runtime');
        const context = clean(b.extra);
        if (pyBool(v['path'])) {
          const path = str(v['path']);
          // salt.template.compile_template: a template it cannot find, or an empty one, renders to {} (logged).
          let text: string;
          if (path.startsWith('salt://')) {
            // Salt: cp.get_template(path, saltenv=kwargs.get('saltenv', 'base')).
            const roots = rootsOf(c, typeof context['saltenv'] === 'string' && context['saltenv'] ? context['saltenv'] : 'base');
            const raw = roots ? roots.read(path) : null;
            if (raw === null) {
              c.log.error(`slsutil.renderer: Template was specified incorrectly: False (${path} is not in the file roots)`);
              return new PyDict();
            }
            text = raw.toString('utf8');
          } else {
            if (!path.startsWith('/')) throw new TemplateError(`CommandExecutionError: Path '${path}' is not absolute`, 'runtime');
            try {
              text = fs.readFileSync(path, 'utf8');
            } catch {
              c.log.error(`slsutil.renderer: Template does not exist: ${path}`);
              return new PyDict();
            }
          }
          if (text.trim() === '') return new PyDict();
          return c.render(text, str(v['default_renderer']), path.startsWith('salt://') ? saltPath(path) : path, context);
        }
        return c.render(str(v['string']), str(v['default_renderer']), null, context);
      },
      { varkw: true },
    ),
    'slsutil.file_exists': fn('file_exists', ['path', ['saltenv', 'base']], (v) => fileExists(str(v['path']), str(v['saltenv']))),
    'slsutil.dir_exists': fn('dir_exists', ['path', ['saltenv', 'base']], (v) => dirExists(str(v['path']), str(v['saltenv']))),
    'slsutil.path_exists': fn('path_exists', ['path', ['saltenv', 'base']], (v) => pathExists(str(v['path']), str(v['saltenv']))),
    'slsutil.findup': fn('findup', ['startpath', 'filenames', ['saltenv', 'base']], (v) => {
      const saltenv = str(v['saltenv']);
      let start = v['startpath'] ? normpath(str(v['startpath'])) : '';
      if (start && !pathExists(start, saltenv)) throw new TemplateError(`SaltInvocationError: Starting path not found in the state tree: ${start}`, 'runtime');
      const names = typeof v['filenames'] === 'string' ? [v['filenames']] : v['filenames'];
      if (!Array.isArray(names)) throw new TemplateError('SaltInvocationError: Filenames argument must be a string or list of strings', 'runtime');
      for (;;) {
        for (const name of names) {
          const full = saltPathJoin([start, pyStr(name)]);
          if (pathExists(full, saltenv)) return full;
        }
        if (!start) throw new TemplateError('CommandExecutionError: File pattern(s) not found in path ancestry', 'runtime');
        start = dirname(start);
      }
    }),
    'slsutil.boolstr': fn('boolstr', ['value', ['true', 'true'], ['false', 'false']], (v) => (pyBool(v['value']) ? v['true'] : v['false'])),
    'slsutil.banner': fn(
      'banner',
      [['width', 72], ['commentchar', '#'], ['borderchar', '#'], ['blockstart', null], ['blockend', null], ['title', null], ['text', null], ['newline', false]],
      (v) => {
        const width = num(v['width']);
        const commentchar = str(v['commentchar']);
        const borderchar = str(v['borderchar']);
        const title = v['title'] === null ? 'THIS FILE IS MANAGED BY SALT - DO NOT EDIT' : str(v['title']);
        const text =
          v['text'] === null
            ? 'The contents of this file are managed by Salt. Any changes to this file may be overwritten automatically and without warning.'
            : str(v['text']);
        const ledge = commentchar.replace(/\s+$/, '');
        const redge = commentchar.trim();
        const lgutter = ledge + ' ';
        const rgutter = ' ' + redge;
        const textwidth = width - lgutter.length - rgutter.length;
        if (textwidth <= 0) throw new TemplateError('ArgumentValueError: Width is too small to render banner', 'runtime');
        const border = commentchar + borderchar.slice(0, 1).repeat(Math.max(0, width - ledge.length - redge.length)) + redge;
        const spacer = commentchar + ' '.repeat(Math.max(0, width - commentchar.length * 2)) + commentchar;
        const block: string[] = [];
        if (v['blockstart'] !== null) block.push(str(v['blockstart']));
        block.push(border, spacer);
        for (const line of wrap(title, textwidth)) block.push(lgutter + center(line, textwidth) + rgutter);
        block.push(spacer);
        for (const line of wrap(text, textwidth)) block.push(lgutter + line + ' '.repeat(Math.max(0, textwidth - line.length)) + rgutter);
        block.push(border);
        if (v['blockend'] !== null) block.push(str(v['blockend']));
        const result = block.join('\n');
        return pyBool(v['newline']) ? result + '\n' : result;
      },
    ),
  };
}

