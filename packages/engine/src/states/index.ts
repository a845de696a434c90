/** The registry of state modules: `stateModules.file.functions.managed`, or `getStateFunction('file', 'managed')`. */
import type { StateFunction, StateModule } from '../types';
import { cmdModule } from './cmd';
import { cronModule } from './cron';
import { moduleModule } from './module';
import { archiveModule } from './archive';
import { mountModule } from './mount';
import { pkgrepoModule } from './pkgrepo';
import { fileModule } from './file';
import { groupModule } from './group';
import { hostModule } from './host';
import { sshAuthModule } from './ssh_auth';
import { alternativesModule } from './alternatives';
import { debconfModule } from './debconf';
import { iniModule } from './ini';
import { environModule } from './environ';
import { pkgModule } from './pkg';
import { serviceModule } from './service';
import { sysctlModule } from './sysctl';
import { testState } from './test';
import { userModule } from './user';

export const stateModules: Record<string, StateModule> = Object.fromEntries(
  [fileModule, sysctlModule, cmdModule, pkgModule, serviceModule, userModule, groupModule, testState, cronModule, moduleModule, pkgrepoModule, archiveModule, mountModule, hostModule, sshAuthModule, alternativesModule, debconfModule, iniModule, environModule].map((m) => [m.name, m]),
);

/** Custom state modules (`_states/*.js`, loaded by @brine/modules' extensions): they override built-ins, as in Salt. */
const customStateModules = new Map<string, StateModule>();

/** Replace the custom state modules with these (each load passes the whole set). */
export function registerStateModules(mods: StateModule[]): void {
  customStateModules.clear();
  for (const m of mods) customStateModules.set(m.name, m);
}

/** Every state module by name, custom ones over built-ins (sys.list_state_functions). */
export function allStateModules(): Record<string, StateModule> {
  return { ...stateModules, ...Object.fromEntries(customStateModules) };
}

export function getStateFunction(state: string, fun: string): StateFunction<unknown> | undefined {
  const m = customStateModules.get(state) ?? (Object.prototype.hasOwnProperty.call(stateModules, state) ? stateModules[state] : undefined);
  return m && Object.prototype.hasOwnProperty.call(m.functions, fun) ? m.functions[fun] : undefined;
}

/** Alias used by the runner's `lookup`. */
export const stateFunction = getStateFunction;

export { fileModule, sysctlModule, cmdModule, pkgModule, serviceModule, userModule, groupModule, cronModule, moduleModule, pkgrepoModule, archiveModule, mountModule };
export { unifiedDiff, fileDiff } from './file/diff';
