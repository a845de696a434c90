/** Execution modules by name, and the `salt` map that templates call. */
import { UsageError, type Dict } from '@brine/core';
import { cmdModule } from './cmd';
import { grainsModule } from './grains';
import { networkModule } from './network';
import { configModule, pillarModule } from './pillar';
import { stateModule } from './state';
import { testModule } from './test';
import { mineModule } from './mine';
import { saltutilModule, scheduleModule } from './daemon-hooks';
import { fileModule } from './file';
import { pkgModule } from './pkg';
import { serviceModule } from './service';
import { statusModule } from './status';
import { makeSysModule } from './sys';
import { CallResult, type ExecEnv, type ExecFn, type ExecModule } from './types';

const modules: ExecModule[] = [testModule, grainsModule, pillarModule, configModule, cmdModule, networkModule, stateModule, mineModule, saltutilModule, scheduleModule, fileModule, pkgModule, serviceModule, statusModule];
const registry = new Map<string, ExecFn>();
const docs = new Map<string, string>();
const sysModule = makeSysModule(() => listFunctions(), (name) => docs.get(name) ?? '');
for (const m of [...modules, sysModule]) {
  for (const [f, fn] of Object.entries(m.functions)) registry.set(`${m.name}.${f}`, fn);
  for (const [f, d] of Object.entries(m.docs ?? {})) docs.set(`${m.name}.${f}`, d);
}

export function lookupFunction(name: string): ExecFn {
  const fn = registry.get(name);
  if (!fn) throw new UsageError(`'${name}' is not available (brine run '*' sys.list_functions lists them)`);
  return fn;
}

export function listFunctions(): string[] {
  return [...registry.keys()].sort();
}

/** The `salt` object inside templates: synchronous calls only (a function returning a promise is an error). */
export function templateSalt(env: ExecEnv): Record<string, (args: unknown[], kwargs: Dict) => unknown> {
  const out: Record<string, (args: unknown[], kwargs: Dict) => unknown> = {};
  for (const [name, fn] of registry) {
    out[name] = (args, kwargs) => {
      const r = fn(args, kwargs, env);
      if (r instanceof Promise) throw new UsageError(`${name} cannot be called from a template (it is asynchronous)`);
      return r instanceof CallResult ? r.ret : r;
    };
  }
  return out;
}
