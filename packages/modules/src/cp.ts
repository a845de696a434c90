/**
 * cp.* (Salt 3006 salt/modules/cp.py): files from `salt://` through the minion's file client, which here is the
 * state tree the call sees (`env.roots`: a minion's copy synced from the master before the job, or the local
 * file_roots of a masterless call). cp.push sends a file up through the daemon (`env.hooks['cp.push']`).
 */
import * as fs from 'fs';
import * as path from 'path';
import { checkRelative, errorMessage, isDict, urlSaltenv, UsageError, type Dict, type FileRoots } from '@brine/core';
import { arg, callSaltenv, fileEnvs, truthy, type ExecEnv, type ExecModule } from './types';

/** `salt://rel` (with an optional `?saltenv=`) as the relative path; anything else is a usage error. */
function saltRel(fun: string, url: unknown): string {
  const s = String(url ?? '');
  if (!s.startsWith('salt://')) throw new UsageError(`cp.${fun}: the source must be a salt:// URL, not '${s}'`);
  const rel = s.slice('salt://'.length).replace(/\?.*$/, '');
  return rel === '' || rel === '/' ? '' : checkRelative(rel.replace(/\/+$/, ''));
}

/** The roots of the saltenv a call names (`?saltenv=` in the URL, then `saltenv=`, then the minion's, then base). */
function envRoots(env: ExecEnv, kwargs: Dict, url?: unknown): [FileRoots, string] {
  const named = typeof url === 'string' ? urlSaltenv(url) : undefined;
  const saltenv = named ?? callSaltenv(env, { saltenv: kwargs['saltenv'] ?? kwargs['env'] }) ?? 'base';
  const envs = fileEnvs(env);
  const roots = envs.get(saltenv);
  if (!roots) throw new UsageError(`saltenv '${saltenv}' is not served (the environments are: ${envs.names().join(', ')})`);
  return [roots, saltenv];
}

/** Salt's dest handling: a directory (existing, or ending in '/') receives the file under its own name. */
function destFor(dest: string, rel: string): string {
  if (dest.endsWith('/') || (fs.existsSync(dest) && fs.statSync(dest).isDirectory())) return path.join(dest, path.basename(rel));
  return dest;
}

async function writeOut(dest: string, data: Buffer | string, makedirs: boolean, env: ExecEnv): Promise<string> {
  const dir = path.dirname(dest);
  if (!fs.existsSync(dir)) {
    if (!makedirs) {
      env.log.error(`cp: the directory ${dir} does not exist (makedirs=True creates it)`);
      return '';
    }
    await fs.promises.mkdir(dir, { recursive: true });
  }
  const tmp = `${dest}.${process.pid}.tmp`;
  await fs.promises.writeFile(tmp, data);
  await fs.promises.rename(tmp, dest);
  return dest;
}

/** A renderer whose templates load from the call's saltenv (`saltenv=`, else the minion's, else base). */
function renderer(env: ExecEnv, kwargs: Dict) {
  // Required here, not at the top: state.ts imports the registry, which imports this module.
  // eslint-disable-next-line @typescript-eslint/no-var-requires
  const { makeRenderer, runSaltenv } = require('./state') as typeof import('./state');
  return makeRenderer(env, runSaltenv(env, kwargs, true));
}

function checkTemplate(template: unknown): boolean {
  if (template === null || template === undefined || template === '') return false;
  if (String(template).toLowerCase() !== 'jinja') throw new UsageError(`cp: template '${String(template)}' is not supported (use jinja)`);
  return true;
}

/** cp.get_template: the file's content rendered. */
function renderIf(template: unknown, env: ExecEnv, text: Buffer, rel: string, extra: Dict): Buffer | string {
  if (!checkTemplate(template)) return text;
  return renderer(env, extra).renderTemplate(text.toString('utf8'), `salt://${rel}`, extra);
}

/**
 * Salt's _render_filenames (cp.get_file, cp.get_dir): with template=jinja the source and destination paths are
 * rendered (`salt://{{ grains.id }}.txt`), never the content, which is copied as it is.
 */
function renderPaths(template: unknown, env: ExecEnv, src: unknown, dest: unknown, extra: Dict): [unknown, unknown] {
  if (!checkTemplate(template)) return [src, dest];
  const r = renderer(env, extra);
  const one = (v: unknown, what: string) => {
    const s = String(v ?? '');
    try {
      const out = r.renderTemplate(s, `<${what} path>`, extra);
      return s.endsWith('\n') ? out : out.replace(/\n$/, '');
    } catch (e) {
      throw new UsageError(`Failed to render file path with error: ${errorMessage(e)}`);
    }
  };
  return [one(src, 'source'), one(dest, 'destination')];
}

function absDest(fun: string, d: unknown): string {
  const dest = String(d ?? '');
  if (!dest || !path.isAbsolute(dest)) throw new UsageError(`cp.${fun}: the destination must be an absolute path`);
  return dest;
}

const docs: Record<string, string> = {
  get_file: "Copy a file from salt:// to dest: path, dest, saltenv=base, makedirs=False, template=None (jinja renders\nthe two paths, not the content: cp.get_template does that). Returns the destination, or '' when the source is missing.",
  get_dir: "Copy a directory from salt:// into dest (as dest/<dirname>/...): path, dest, saltenv=base, template (jinja renders\nthe two paths, not the content). Returns the files written.",
  get_template: "Render a salt:// file with jinja and write it to dest: path, dest, template=jinja, makedirs. Returns dest, or ''.",
  list_master: "Every file the master serves (prefix= to filter).",
  cache_file: "Cache a salt:// file in the minion's cache (<cachedir>/files/base/...). Returns its local path, or False.",
  push: "Send a file from this minion up to the master (its cachedir/minions/<id>/files/): path, upload_path, remove_source.\nReturns True, or False (logged) when it cannot.",
};

export const cpModule: ExecModule = {
  name: 'cp',
  docs,
  functions: {
    get_file: async (args, kwargs, env) => {
      const [src, to] = renderPaths(arg(args, kwargs, 4, 'template', null), env, arg(args, kwargs, 0, 'path', ''), arg(args, kwargs, 1, 'dest', ''), kwargs);
      const rel = saltRel('get_file', src);
      const dest = absDest('get_file', to);
      const [roots] = envRoots(env, kwargs, src);
      const data = roots.read(`salt://${rel}`);
      if (data === null) {
        env.log.error(`cp.get_file: salt://${rel} is not on the master`);
        return '';
      }
      return writeOut(destFor(dest, rel), data, truthy(arg(args, kwargs, 3, 'makedirs', false)), env);
    },
    get_template: async (args, kwargs, env) => {
      const url = arg(args, kwargs, 0, 'path', '');
      const rel = saltRel('get_template', url);
      const dest = absDest('get_template', arg(args, kwargs, 1, 'dest', ''));
      const [roots, saltenv] = envRoots(env, kwargs, url);
      const data = roots.read(`salt://${rel}`);
      if (data === null) {
        env.log.error(`cp.get_template: salt://${rel} is not on the master`);
        return '';
      }
      const out = renderIf(arg(args, kwargs, 2, 'template', 'jinja'), env, data, rel, { ...kwargs, saltenv });
      return writeOut(destFor(dest, rel), out, truthy(kwargs['makedirs'] ?? false), env);
    },
    get_dir: async (args, kwargs, env) => {
      const [src, to] = renderPaths(arg(args, kwargs, 3, 'template', null), env, arg(args, kwargs, 0, 'path', ''), arg(args, kwargs, 1, 'dest', ''), kwargs);
      const rel = saltRel('get_dir', src);
      const dest = absDest('get_dir', to);
      const [roots] = envRoots(env, kwargs, src);
      const prefix = rel ? rel + '/' : '';
      const base = rel ? path.dirname(rel) : '';
      const written: string[] = [];
      for (const f of roots.list()) {
        if (!f.startsWith(prefix)) continue;
        const data = roots.read(`salt://${f}`);
        if (data === null) continue;
        const target = path.join(dest, base === '.' ? f : path.relative(base, f));
        if (await writeOut(target, data, true, env)) written.push(target);
      }
      return written.sort();
    },
    list_master: (args, kwargs, env) => {
      const [roots] = envRoots(env, { saltenv: arg(args, kwargs, 0, 'saltenv', undefined), ...kwargs });
      const prefix = String(arg(args, kwargs, 1, 'prefix', ''));
      return roots.list().filter((f) => f.startsWith(prefix));
    },
    cache_file: async (args, kwargs, env) => {
      const url = arg(args, kwargs, 0, 'path', '');
      const rel = saltRel('cache_file', url);
      const [roots, saltenv] = envRoots(env, kwargs, url);
      const src = roots.resolve(`salt://${rel}`);
      if (src === null || !fs.statSync(src).isFile()) {
        env.log.error(`Unable to cache file 'salt://${rel}' from saltenv '${saltenv}'.`);
        return false;
      }
      const cachedir = typeof env.opts['cachedir'] === 'string' ? env.opts['cachedir'] : '';
      if (!cachedir) return src;
      const local = path.join(cachedir, 'files', saltenv, rel);
      if (path.resolve(src) === path.resolve(local)) return local; // a minion's synced copy is already the cache
      await fs.promises.mkdir(path.dirname(local), { recursive: true });
      await fs.promises.copyFile(src, local);
      return local;
    },
    push: async (args, kwargs, env) => {
      const p = String(arg(args, kwargs, 0, 'path', ''));
      if (!path.isAbsolute(p)) {
        env.log.error(`Path ${p} is not absolute`);
        return false;
      }
      if (!fs.statSync(p, { throwIfNoEntry: false })?.isFile()) {
        env.log.error(`Path ${p} is not a file`);
        return false;
      }
      const hook = env.hooks?.['cp.push'];
      if (!hook) {
        env.log.error('cp.push: no master to push to (this is a masterless call)');
        return false;
      }
      const upload = kwargs['upload_path'] ?? args[1];
      try {
        const r = await hook([p], { ...(upload !== undefined ? { upload_path: upload } : {}), remove_source: truthy(kwargs['remove_source'] ?? args[2] ?? false) });
        return isDict(r) && 'result' in r ? r['result'] : r;
      } catch (e) {
        // Salt: False, logged (the master refused it: file_recv off, too large, a path it will not write).
        env.log.error(`cp.push ${p}: ${errorMessage(e)}`);
        return false;
      }
    },
  },
};
