/**
 * Reactor SLS -> reactions. A reactor file is rendered per event (Jinja with `tag` and `data` in the context, then
 * YAML), as Salt's reactor does, into IDs of the form
 *
 *     heal_service:
 *       local.state.sls:
 *         - tgt: {{ data['id'] }}
 *         - args:
 *           - mods: nginx
 *
 * `local.<fun>` publishes a job (tgt, tgt_type, and Salt 3006's `args` list of {key: value}, or the older `arg` and
 * `kwarg`), `runner.<fun>` runs a runner on the master, `wheel.key.accept|reject|delete` changes the key store.
 * Any error names the file and line; a reactor file never stops the master.
 */
import * as fs from 'fs';
import { FileRoots, isDict, parseTargetType, RenderError, saltPath, type Dict, type TargetType } from '@brine/core';
import type { Renderer } from '@brine/render';
import { gpgOptions, parseSaltYaml, renderThroughPipe } from '@brine/render';

export type WheelKeyFun = 'key.accept' | 'key.reject' | 'key.delete';

interface Base {
  /** The ID in the reactor SLS and where it was written. */
  id: string;
  where: string;
}

export type Reaction =
  | (Base & { kind: 'local'; fun: string; tgt: string | string[]; tgtType: TargetType; arg: unknown[]; kwarg: Dict })
  | (Base & { kind: 'runner'; fun: string; arg: unknown[]; kwarg: Dict })
  | (Base & { kind: 'wheel'; fun: WheelKeyFun; match: string[]; include: { rejected: boolean; accepted: boolean; denied: boolean } });

/** Salt's legacy alias `cmd.` for `local.`. */
const KINDS: Record<string, Reaction['kind']> = { local: 'local', cmd: 'local', runner: 'runner', wheel: 'wheel' };
const FUN = /^[a-z_][a-z0-9_]*\.[a-z_][a-z0-9_]*$/i;

/** Read a reactor file: `salt://` from the master's file roots, anything else from the master's disk. */
export function readReactorFile(ref: string, roots: FileRoots): string {
  if (ref.startsWith('salt://')) {
    const b = roots.read(ref);
    if (b === null) throw new RenderError(ref, undefined, 'reactor SLS not found in the file roots');
    return b.toString('utf8');
  }
  try {
    return fs.readFileSync(ref, 'utf8');
  } catch (e) {
    throw new RenderError(ref, undefined, `reactor SLS cannot be read (${(e as NodeJS.ErrnoException).code ?? String(e)})`);
  }
}

/** Salt's `repack_dictlist`: `[{a: 1}, {b: 2}]` -> `{a: 1, b: 2}`; a dict passes through. */
function repack(v: unknown, where: string): Dict {
  if (isDict(v)) return v;
  if (Array.isArray(v) && v.every((x) => isDict(x) && Object.keys(x).length === 1)) return Object.assign({}, ...(v as Dict[]));
  throw new RenderError(where, undefined, `args: must be a list of {key: value} (Salt 3006's reactor format), got ${JSON.stringify(v).slice(0, 200)}`);
}

function bool(v: unknown): boolean {
  return v === true || (typeof v === 'string' && ['true', 'yes', '1'].includes(v.toLowerCase()));
}

/** The arguments of one reaction: Salt 3006's `args`, or the older `arg`/`kwarg`, plus every other key. */
function argsOf(params: Dict, reserved: string[], where: string, legacyRest: boolean): { arg: unknown[]; kwarg: Dict } {
  if (params['args'] !== undefined) return { arg: [], kwarg: repack(params['args'], where) };
  const arg = params['arg'] ?? [];
  if (!Array.isArray(arg)) throw new RenderError(where, undefined, `arg: must be a list, got ${JSON.stringify(arg).slice(0, 200)}`);
  const kw = params['kwarg'] ?? {};
  if (!isDict(kw)) throw new RenderError(where, undefined, `kwarg: must be a mapping, got ${JSON.stringify(kw).slice(0, 200)}`);
  const rest: Dict = {};
  if (legacyRest) for (const [k, v] of Object.entries(params)) if (![...reserved, 'arg', 'kwarg', 'args'].includes(k)) rest[k] = v;
  return { arg, kwarg: { ...rest, ...kw } };
}

function compileOne(id: string, key: string, rawParams: unknown, where: string): Reaction {
  const dot = key.indexOf('.');
  const kind = dot > 0 ? KINDS[key.slice(0, dot)] : undefined;
  const fun = key.slice(dot + 1);
  if (!kind || !FUN.test(fun)) throw new RenderError(where, undefined, `${id}: '${key}' is not a reaction (local.<mod.fun>, runner.<mod.fun> or wheel.key.accept|reject|delete)`);
  const params = Array.isArray(rawParams) ? repack(rawParams.filter((p) => isDict(p)), where) : isDict(rawParams) ? rawParams : rawParams === null || rawParams === undefined ? {} : undefined;
  if (!params) throw new RenderError(where, undefined, `${id}: ${key}: its arguments must be a list of {key: value}`);
  switch (kind) {
    case 'local': {
      const tgt = params['tgt'];
      if (!(typeof tgt === 'string' && tgt) && !(Array.isArray(tgt) && tgt.length && tgt.every((t) => typeof t === 'string'))) {
        throw new RenderError(where, undefined, `${id}: ${key}: tgt: is required (the minions to run on), got ${JSON.stringify(tgt)}`);
      }
      let tgtType: TargetType;
      try {
        tgtType = parseTargetType(String(params['tgt_type'] ?? params['expr_form'] ?? (Array.isArray(tgt) ? 'list' : 'glob')));
      } catch (e) {
        throw new RenderError(where, undefined, `${id}: ${key}: tgt_type: ${(e as Error).message}`);
      }
      return { kind, id, where, fun, tgt: tgt as string | string[], tgtType, ...argsOf(params, [], where, false) };
    }
    case 'runner':
      return { kind, id, where, fun, ...argsOf(params, ['name'], where, true) };
    case 'wheel': {
      if (fun !== 'key.accept' && fun !== 'key.reject' && fun !== 'key.delete') throw new RenderError(where, undefined, `${id}: wheel.${fun}: only wheel.key.accept, key.reject and key.delete are available`);
      const { arg, kwarg } = argsOf(params, [], where, true);
      const m = kwarg['match'] ?? arg[0];
      const match = typeof m === 'string' && m ? [m] : Array.isArray(m) && m.length && m.every((x) => typeof x === 'string' && x) ? (m as string[]) : undefined;
      if (!match) throw new RenderError(where, undefined, `${id}: wheel.${fun}: match: is required (a minion id, glob or list), got ${JSON.stringify(m)}`);
      return { kind, id, where, fun, match, include: { rejected: bool(kwarg['include_rejected']), accepted: bool(kwarg['include_accepted']), denied: bool(kwarg['include_denied']) } };
    }
    default: {
      const never: never = kind;
      throw new Error(`unknown reaction kind ${String(never)}`);
    }
  }
}

/** The renderer names a `salt://` file by its path in the roots: name it as the reactor map does. */
function asNamed(e: unknown, ref: string): unknown {
  if (!(e instanceof RenderError) || !ref.startsWith('salt://') || e.file !== saltPath(ref)) return e;
  const prefix = `${e.file}${e.line !== undefined ? `:${e.line}` : ''}: `;
  return new RenderError(ref, e.line, e.message.startsWith(prefix) ? e.message.slice(prefix.length) : e.message, { cause: e });
}

/** Render one reactor file for an event and compile its reactions, in file order. */
export function renderReactions(ref: string, tag: string, data: Dict, roots: FileRoots, renderer: Renderer, opts: Dict = {}): Reaction[] {
  const text = readReactorFile(ref, roots);
  let parsed: ReturnType<typeof parseSaltYaml>;
  try {
    // Salt renders a reactor file through its render pipe (#!yaml, #!jinja|json...), jinja|yaml by default.
    parsed = renderThroughPipe(text, ref, `reactor SLS ${ref}`, {
      jinja: () => renderer.renderTemplate(text, ref, { tag, data }),
      yaml: (t) => parseSaltYaml(t, ref, 'data'),
      gpg: gpgOptions(opts),
    });
  } catch (e) {
    throw asNamed(e, ref);
  }
  if (parsed.data === null || parsed.data === undefined) return [];
  if (!isDict(parsed.data)) throw new RenderError(ref, 1, 'a reactor SLS must be a mapping of IDs to reactions');
  const out: Reaction[] = [];
  for (const [id, body] of Object.entries(parsed.data)) {
    const line = parsed.lineOf([id]);
    const where = `${ref}${line !== undefined ? `:${line}` : ''}`;
    if (!isDict(body)) throw new RenderError(ref, line, `${id}: must map a reaction (local.state.sls, runner.mod.fun, wheel.key.accept) to its arguments`);
    for (const [key, params] of Object.entries(body)) out.push(compileOne(id, key, params, where));
  }
  return out;
}
