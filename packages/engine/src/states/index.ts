/** The registry of state modules: `stateModules.file.functions.managed`, or `getStateFunction('file', 'managed')`. */
import type { StateFunction, StateModule } from '../types';
import { cmdModule } from './cmd';
import { fileModule } from './file';
import { groupModule } from './group';
import { pkgModule } from './pkg';
import { serviceModule } from './service';
import { sysctlModule } from './sysctl';
import { testState } from './test';
import { userModule } from './user';

export const stateModules: Record<string, StateModule> = Object.fromEntries(
  [fileModule, sysctlModule, cmdModule, pkgModule, serviceModule, userModule, groupModule, testState].map((m) => [m.name, m]),
);

export function getStateFunction(state: string, fun: string): StateFunction<unknown> | undefined {
  const m = Object.prototype.hasOwnProperty.call(stateModules, state) ? stateModules[state] : undefined;
  return m && Object.prototype.hasOwnProperty.call(m.functions, fun) ? m.functions[fun] : undefined;
}

/** Alias used by the runner's `lookup`. */
export const stateFunction = getStateFunction;

export { fileModule, sysctlModule, cmdModule, pkgModule, serviceModule, userModule, groupModule };
export { unifiedDiff, fileDiff } from './file/diff';
