/** sys.doc|list_modules|list_state_functions (Salt's salt/modules/sysmod.py), over the registries. */
import { globMatch } from '@brine/core';
import { allStateModules } from '@brine/engine';
import type { ExecModule } from './types';

/** The sys module over `functions()` (every registered exec function) and `doc(name)` (its docstring or ''). */
export function makeSysModule(functions: () => string[], doc: (name: string) => string): ExecModule {
  const matching = (args: unknown[]): string[] => {
    const all = functions();
    if (!args.length) return all;
    return all.filter((f) => args.some((a) => { const g = String(a); return globMatch(g, f) || f.startsWith(g.endsWith('.') ? g : g + '.'); }));
  };
  return {
    name: 'sys',
    docs: {
      list_functions: 'The execution functions available, all or those matching the module names or globs given.',
      list_modules: 'The execution modules available, all or those matching the globs given.',
      doc: 'The one-line docs of the functions given (module names or globs), or of every function: {function: doc}.',
      list_state_functions: 'The state functions available (file.managed, ...), all or those matching the names or globs given.',
      list_state_modules: 'The state modules available.',
    },
    functions: {
      list_functions: (args) => matching(args),
      list_modules: (args) => {
        const mods = [...new Set(functions().map((f) => f.split('.')[0]!))].sort();
        return args.length ? mods.filter((m) => args.some((a) => globMatch(String(a), m))) : mods;
      },
      doc: (args) => Object.fromEntries(matching(args).map((f) => [f, doc(f)])),
      list_state_functions: (args) => {
        const all = Object.entries(allStateModules()).flatMap(([m, sm]) => Object.keys(sm.functions).map((f) => `${m}.${f}`)).sort();
        if (!args.length) return all;
        return all.filter((f) => args.some((a) => { const g = String(a); return globMatch(g, f) || f.startsWith(g + '.'); }));
      },
      list_state_modules: () => Object.keys(allStateModules()).sort(),
    },
  };
}
