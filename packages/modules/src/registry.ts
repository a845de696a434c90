/** Execution modules by name, and the `salt` map that templates call. */
import { UsageError, type Dict } from '@brine/core';
import { cmdModule } from './cmd';
import { grainsModule } from './grains';
import { environModule } from './environ';
import { randomModule } from './random';
import { hashutilModule } from './hashutil';
import { mountModule } from './mount';
import { networkModule } from './network';
import { configModule, pillarModule } from './pillar';
import { stateModule } from './state';
import { testModule } from './test';
import { mineModule } from './mine';
import { saltutilModule, scheduleModule } from './daemon-hooks';
import { fileModule } from './file';
import { pkgModule } from './pkg';
import { serviceModule } from './service';
import { alternativesModule } from './alternatives';
import { statusModule } from './status';
import { makeSysModule } from './sys';
import { cpModule } from './cp';
import { eventModule } from './event';
import { cpRecvModule } from './cp-recv';
import { saltutilExtraModule } from './saltutil';
import { CallResult, checkKwargs, type ExecEnv, type ExecFn, type ExecModule } from './types';

const modules: ExecModule[] = [testModule, grainsModule, pillarModule, configModule, cmdModule, environModule, randomModule, hashutilModule, mountModule, networkModule, stateModule, mineModule, saltutilModule, scheduleModule, fileModule, pkgModule, serviceModule, statusModule, alternativesModule];
const registry = new Map<string, ExecFn>();
/** Template-time twins (see ExecFn): templates call these instead of the asynchronous function of that name. */
const templateTwins = new Map<string, ExecFn>();
const docs = new Map<string, string>();
/** The keyword arguments of functions that declare them (ExecModule.params); the others accept any. */
const params = new Map<string, ReadonlySet<string>>();
const sysModule = makeSysModule(() => listFunctions(), (name) => docs.get(name) ?? '');
/** Names registered by custom modules (`_modules/*.js`), replaced as a whole at each load. */
const custom = new Set<string>();
/** Built-in functions a custom module shadowed (as in Salt, a custom module overrides a built-in of that name). */
const shadowed = new Map<string, { fn: ExecFn; twin?: ExecFn; doc?: string; params?: ReadonlySet<string> }>();

function register(m: ExecModule): void {
  for (const [f, fn] of Object.entries(m.functions)) registry.set(`${m.name}.${f}`, fn);
  for (const [f, fn] of Object.entries(m.templateFunctions ?? {})) templateTwins.set(`${m.name}.${f}`, fn);
  for (const [f, d] of Object.entries(m.docs ?? {})) docs.set(`${m.name}.${f}`, d);
  for (const [f, p] of Object.entries(m.params ?? {})) params.set(`${m.name}.${f}`, new Set(p));
}
for (const m of [...modules, sysModule, cpModule, saltutilExtraModule, eventModule, cpRecvModule]) register(m);

/**
 * The registration point for custom execution modules (`_modules/*.js`, loaded by extensions.ts): replaces the
 * custom modules loaded before with these; a function of a built-in's name overrides it, as in Salt.
 */
export function registerCustomModules(mods: ExecModule[]): void {
  for (const name of custom) {
    registry.delete(name);
    docs.delete(name);
    params.delete(name);
    const orig = shadowed.get(name);
    if (!orig) continue;
    registry.set(name, orig.fn);
    if (orig.twin) templateTwins.set(name, orig.twin);
    if (orig.doc !== undefined) docs.set(name, orig.doc);
    if (orig.params) params.set(name, orig.params);
  }
  custom.clear();
  shadowed.clear();
  for (const m of mods) {
    for (const [f, fn] of Object.entries(m.functions)) {
      const name = `${m.name}.${f}`;
      const had = registry.get(name);
      if (had) shadowed.set(name, { fn: had, twin: templateTwins.get(name), doc: docs.get(name), params: params.get(name) });
      templateTwins.delete(name);
      docs.delete(name);
      params.delete(name);
      registry.set(name, fn);
      custom.add(name);
    }
    for (const [f, d] of Object.entries(m.docs ?? {})) docs.set(`${m.name}.${f}`, d);
    for (const [f, p] of Object.entries(m.params ?? {})) if (custom.has(`${m.name}.${f}`)) params.set(`${m.name}.${f}`, new Set(p));
  }
}

/**
 * The function a job, `brine call` or module.run calls. A function that declares its keyword arguments
 * (ExecModule.params) refuses others with Salt's message (InvalidArgumentsError) before it runs.
 */
export function lookupFunction(name: string): ExecFn {
  const fn = registry.get(name);
  if (!fn) throw new UsageError(`'${name}' is not available (brine run '*' sys.list_functions lists them)`);
  const accepted = params.get(name);
  if (!accepted) return fn;
  return (args, kwargs, env) => {
    checkKwargs(accepted, kwargs);
    return fn(args, kwargs, env);
  };
}

export function listFunctions(): string[] {
  return [...registry.keys()].sort();
}

/** The `salt` object inside templates: synchronous calls only (a function returning a promise is an error). */
export function templateSalt(env: ExecEnv): Record<string, (args: unknown[], kwargs: Dict) => unknown> {
  const out: Record<string, (args: unknown[], kwargs: Dict) => unknown> = {};
  for (const [name, fn] of registry) {
    const call = templateTwins.get(name) ?? fn;
    const accepted = params.get(name);
    out[name] = (args, kwargs) => {
      // From a template the call is a Python call: a keyword the function does not take is Python's TypeError.
      const bad = accepted && Object.keys(kwargs).find((k) => !k.startsWith('__') && !accepted.has(k));
      if (bad) throw new UsageError(`${name.slice(name.indexOf('.') + 1)}() got an unexpected keyword argument '${bad}'`);
      const r = call(args, kwargs, env);
      if (r instanceof Promise) throw new UsageError(`${name} cannot be called from a template (it is asynchronous)`);
      return r instanceof CallResult ? r.ret : r;
    };
  }
  return out;
}
