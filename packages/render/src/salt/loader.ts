/**
 * The `salt` template variable, as Salt's LazyLoader behaves in Jinja: `salt['mod.fun'](...)` and
 * `salt.mod.fun(...)` call a function; `'mod.fun' in salt` tests for one. A function (or module) Brine does not
 * have is undefined, as in Salt: `salt['x.y'] is defined` is false and `| default(...)` applies; using it fails the
 * render naming it (the engine adds file:line) instead of printing `'dict object' has no attribute`.
 */
import { MISSING, toPlain, Undefined, type Dict } from '../jinja/values';
import { PyFunction } from '../jinja/runtime';
import type { SaltFunction } from '../types';

import { fn, str, type TemplateFunction } from './py';
import { provider } from './fn-provider';

/** What using a function (or module) Brine does not have says: the hint of the undefined it is. */
const missing = (what: string): string => `salt ${what} is not available in Brine (check the name; Brine's template functions are listed in the README)`;

/** One `salt.<module>` attribute: its functions as attributes. */
class SaltModule {
  readonly pyType = 'LazyLoader';
  constructor(
    private readonly loader: SaltLoader,
    private readonly mod: string,
  ) {}
  pyGetAttr(fun: string): unknown {
    return this.loader.lookup(`${this.mod}.${fun}`);
  }
  pyGetItem(fun: unknown): unknown {
    return this.loader.lookup(`${this.mod}.${String(fun)}`);
  }
}

export class SaltLoader {
  readonly pyType = 'LazyLoader';
  private readonly fns = new Map<string, PyFunction>();
  /** Module names (`pkg` of `pkg.version`): `salt.<module>` is defined for these only. */
  private readonly mods = new Set<string>();

  constructor(native: Record<string, TemplateFunction>, external: Record<string, SaltFunction>, grains: Dict = {}) {
    for (const [name, f] of Object.entries(external)) {
      this.fns.set(name, new PyFunction(name, (args, kw) => {
        const r = f(args.map(toPlain), toPlain(kw) as Dict);
        return r === undefined ? null : r;
      }));
    }
    for (const [name, f] of Object.entries(native)) this.fns.set(name, new PyFunction(name, f));
    // test.provider needs to know every module loaded (native and the minion's exec modules).
    this.fns.set('test.provider', new PyFunction('test.provider', fn('provider', ['module'], (v) => provider(str(v['module']), grains, (m) => this.mods.has(m)))));
    for (const name of this.fns.keys()) this.mods.add(name.slice(0, name.indexOf('.')));
  }

  /** The function, or an undefined naming it (what Jinja gives for a key the loader does not have). */
  lookup(name: string): PyFunction | Undefined {
    return this.fns.get(name) ?? new Undefined(missing(`function '${name}'`));
  }

  pyGetItem(key: unknown): unknown {
    if (typeof key !== 'string') return MISSING;
    return this.lookup(key);
  }

  pyGetAttr(mod: string): unknown {
    if (mod.includes('.')) return MISSING;
    if (!this.mods.has(mod)) return new Undefined(missing(`module '${mod}'`));
    return new SaltModule(this, mod);
  }

  pyContains(key: unknown): boolean {
    return typeof key === 'string' && this.fns.has(key);
  }

  pyIter(): unknown[] {
    return [...this.fns.keys()];
  }

  pyRepr(): string {
    return '<LazyLoader>';
  }
}
