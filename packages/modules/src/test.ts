import { pyTuple } from '@brine/render';
import { arg, type ExecModule } from './types';

/**
 * test.* with Salt 3006's parameter names (salt/modules/test.py): echo(text), sleep(length), arg(*args, **kwargs)
 * (args a tuple, as a template prints it), kwarg(**kwargs), get_opts(), retcode(code), outputter(data).
 */
const ownKwargs = (kwargs: Record<string, unknown>) => Object.fromEntries(Object.entries(kwargs).filter(([k]) => !k.startsWith('__')));

export const testModule: ExecModule = {
  name: 'test',
  // Salt's signatures (test.arg takes *args, **kwargs: anything).
  params: { ping: [], true: [], false: [], echo: ['text'], version: [], sleep: ['length'], get_opts: [], retcode: ['code'], outputter: ['data'] },
  docs: {
    ping: 'Answer True when the minion is up and running jobs (not an ICMP ping).',
    true: 'Always return True.',
    false: 'Always return False.',
    echo: 'Return the string given as text (test.echo hello, or text=hello).',
    arg: 'Return the positional and keyword arguments the function received: {args, kwargs}.',
    kwarg: 'Return the keyword arguments the function received.',
    get_opts: "Return the minion's configuration (its opts).",
    retcode: 'Return True (Salt sets the job retcode to code, 42 by default).',
    outputter: 'Return the data given.',
    version: "Return Brine's version on the minion.",
    sleep: 'Sleep for length seconds (a whole number; default 1), then return True.',
  },
  functions: {
    ping: () => true,
    true: () => true,
    false: () => false,
    echo: (args, kwargs) => String(arg(args, kwargs, 0, 'text', '') ?? ''),
    arg: (args, kwargs) => ({ args: pyTuple([...args]), kwargs: ownKwargs(kwargs) }),
    kwarg: (_args, kwargs) => ownKwargs(kwargs),
    get_opts: (_a, _k, env) => env.opts,
    retcode: () => true,
    outputter: (args, kwargs) => arg(args, kwargs, 0, 'data', null),
    version: () => '0.1.0',
    sleep: async (args, kwargs) => {
      const length = arg(args, kwargs, 0, 'length', 1);
      const s = Math.trunc(Number(length));
      if (!Number.isFinite(s)) throw new Error(`test.sleep: length must be a whole number of seconds, not '${String(length)}'`);
      await new Promise((r) => setTimeout(r, Math.max(0, s) * 1000));
      return true;
    },
  },
};
