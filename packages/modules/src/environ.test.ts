/** environ.* over this process's environment, with Salt 3006's defaults. */
import { nullLogger } from '@brine/core';
import { environModule } from './environ';
import type { ExecEnv } from './types';

const env = { log: nullLogger } as unknown as ExecEnv;
const call = (fun: string, args: unknown[] = [], kwargs: Record<string, unknown> = {}) => environModule.functions[fun]!(args, kwargs, env);

test('get, has_value, item and items read the environment; unset keys give the default', () => {
  process.env['BRINE_ENVIRON_TEST'] = 'yes';
  try {
    expect(call('get', ['BRINE_ENVIRON_TEST'])).toBe('yes');
    expect(call('get', ['BRINE_ENVIRON_UNSET'])).toBe('');
    expect(call('get', ['BRINE_ENVIRON_UNSET', 'dflt'])).toBe('dflt');
    expect(call('has_value', ['BRINE_ENVIRON_TEST'])).toBe(true);
    expect(call('has_value', ['BRINE_ENVIRON_TEST', 'no'])).toBe(false);
    expect(call('has_value', ['BRINE_ENVIRON_UNSET'])).toBe(false);
    expect(call('item', [['BRINE_ENVIRON_TEST', 'BRINE_ENVIRON_UNSET']])).toEqual({ BRINE_ENVIRON_TEST: 'yes', BRINE_ENVIRON_UNSET: '' });
    expect(call('item', ['BRINE_ENVIRON_TEST'])).toEqual({ BRINE_ENVIRON_TEST: 'yes' });
    expect((call('items') as Record<string, string>)['BRINE_ENVIRON_TEST']).toBe('yes');
  } finally {
    delete process.env['BRINE_ENVIRON_TEST'];
  }
});
