/**
 * sdb.get (salt/utils/sdb.py sdb_get): Brine has no sdb drivers. A value that is not an `sdb://profile/key` URI, or
 * whose profile has no `driver` in the configuration or pillar, comes back as it is (Salt's non-strict answer, which
 * formulas rely on with `|default`); a configured driver is an error naming it, as is anything under `strict=True`.
 */
import { TemplateError } from '../jinja/errors';
import { pyBool } from '../jinja/values';
import type { FunctionTable, SaltTemplateContext } from './context';
import { dictGet, isDict } from '../jinja/values';
import { fn } from './py';

function invocation(msg: string): TemplateError {
  return new TemplateError(`SaltInvocationError: ${msg}`, 'runtime');
}

export function sdbFunctions(c: SaltTemplateContext): FunctionTable {
  return {
    'sdb.get': fn('get', ['uri', ['strict', false]], (v) => {
      const uri = v['uri'];
      const strict = pyBool(v['strict']);
      if (typeof uri !== 'string' || !uri.startsWith('sdb://')) {
        if (strict) throw invocation('SDB uri must start with "sdb://"');
        return uri;
      }
      const slash = uri.indexOf('/', 6);
      if (slash === -1 || !uri.slice(slash + 1)) {
        if (strict) throw invocation('SDB uri must have a profile name as a first part of the uri before the /');
        return uri;
      }
      const name = uri.slice(6, slash);
      let profile = dictGet(c.opts, name);
      if (!isDict(profile) || !dictGet(profile, 'driver')) profile = isDict(c.pillar) ? dictGet(c.pillar, name) : undefined;
      const driver = isDict(profile) ? dictGet(profile, 'driver') : undefined;
      if (!driver) {
        if (strict) throw invocation(`SDB profile "${name}" wasnt found in the minion configuration`);
        return uri;
      }
      throw new TemplateError(`sdb.get: the sdb driver '${String(driver)}' of profile '${name}' is not available in Brine`, 'runtime');
    }),
  };
}
