/** environ.get|has_value|item|items (Salt 3006 salt/modules/environ.py): the minion process's environment. */
import { arg, type ExecModule } from './types';

export const environModule: ExecModule = {
  name: 'environ',
  docs: {
    get: "The value of environment variable key, or default ('' unless given).",
    has_value: 'Whether key is set (with value=: set to exactly that value).',
    item: "{key: value} of the keys given (a name or a list), '' (or default=) for an unset one.",
    items: 'Every environment variable: {name: value}.',
  },
  functions: {
    get: (args, kwargs) => {
      const v = process.env[String(arg(args, kwargs, 0, 'key', ''))];
      return v ?? arg(args, kwargs, 1, 'default', '');
    },
    has_value: (args, kwargs) => {
      const v = process.env[String(arg(args, kwargs, 0, 'key', ''))];
      const want = arg(args, kwargs, 1, 'value', null);
      return want === null || want === undefined ? v !== undefined : v === String(want);
    },
    item: (args, kwargs) => {
      const keys = arg(args, kwargs, 0, 'keys', []);
      const dflt = arg(args, kwargs, 1, 'default', '');
      const names = Array.isArray(keys) ? keys.map(String) : [String(keys)];
      return Object.fromEntries(names.map((k) => [k, process.env[k] ?? dflt]));
    },
    items: () => ({ ...process.env }),
  },
};

