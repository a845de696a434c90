/** environ.setenv: the running process's environment, as Salt 3006.1 changed it for the same states. */
import { environModule } from './environ';
import { chunk, converge, kit, recheck } from './testkit';

const { setenv } = environModule.functions;
const NAMES = ['BRINE_EV_A', 'BRINE_EV_B', 'BRINE_EV_C'];
beforeEach(() => NAMES.forEach((n) => delete process.env[n]));
afterAll(() => NAMES.forEach((n) => delete process.env[n]));

it('sets, empties and unsets variables; later commands of the run see them; converges', async () => {
  const k = kit();
  const a = chunk('environ', 'setenv', 'BRINE_EV_A', { value: 'hello' });
  expect(setenv.testComment!(setenv.parse('r', a.args, a))).toBe('Environ values will be changed');
  expect(process.env['BRINE_EV_A']).toBeUndefined();
  expect((await converge(k, setenv, a)).outcome).toEqual({ changes: { BRINE_EV_A: 'hello' }, comment: 'Environ values were set' });
  const b = chunk('environ', 'setenv', 'x', { value: { BRINE_EV_B: 'two', BRINE_EV_C: false } });
  expect((await converge(k, setenv, b)).outcome.changes).toEqual({ BRINE_EV_B: 'two', BRINE_EV_C: '' });
  expect(await recheck(k, setenv, b)).toEqual({});
  const p = setenv.parse('r', b.args, b);
  expect([setenv.okComment!(p), setenv.testOkComment!(p)]).toEqual(['Environ values were already set with the correct values', 'Environ values are already set with the correct values']);
  const c = chunk('environ', 'setenv', 'BRINE_EV_A', { value: false, false_unsets: true });
  expect((await converge(k, setenv, c)).outcome.changes).toEqual({ BRINE_EV_A: null });
  const r = await k.writer.run('echo "A=${BRINE_EV_A-unset} B=$BRINE_EV_B C=[$BRINE_EV_C]"');
  expect(r.stdout).toBe('A=unset B=two C=[]');
});

it('refuses what Salt refuses, and what Brine cannot do', () => {
  const p = (args: Record<string, unknown>) => () => setenv.parse('environ.setenv:x', args, chunk('environ', 'setenv', 'X', args));
  expect(p({ value: 3 })).toThrow('Environ value must be string, dict or False');
  expect(p({ value: 'v', update_minion: true })).toThrow(/update_minion: not supported/);
});
