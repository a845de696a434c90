/** runCommand / runCommandSync / CancellableWriter on real processes. */
import { CancellableWriter, runCommand, runCommandSync, shlexSplit } from './exec';

test("shlexSplit follows Python's shlex.split (posix)", () => {
  expect(shlexSplit(`echo "a b" 'c d' e\\ f "x\\"y" ''`)).toEqual(['echo', 'a b', 'c d', 'e f', 'x"y', '']);
  expect(() => shlexSplit('echo "open')).toThrow(/No closing quotation/);
});

test('runCommand: exit status, output, stdin, env, argv without a shell; an unknown program is an error', async () => {
  expect(await runCommand('echo out; echo err >&2; exit 5')).toMatchObject({ retcode: 5, stdout: 'out', stderr: 'err' });
  expect(await runCommand('cat', { stdin: 'in' })).toMatchObject({ stdout: 'in' });
  expect(await runCommand('echo $X', { env: { X: 'y' } })).toMatchObject({ stdout: 'y' });
  expect(await runCommand('echo $X', { shell: false })).toMatchObject({ stdout: '$X' });
  await expect(runCommand(['/no/such/program'])).rejects.toThrow(/could not start/);
  expect(runCommandSync('echo s; exit 2')).toMatchObject({ retcode: 2, stdout: 's' });
  expect(runCommandSync('sleep 5', { timeoutMs: 200 })).toMatchObject({ stopped: 'timeout' });
});

test('the event loop keeps turning while a command runs', async () => {
  let ticks = 0;
  const t = setInterval(() => ticks++, 10);
  await runCommand('sleep 0.5');
  clearInterval(t);
  expect(ticks).toBeGreaterThan(0); // a blocking spawnSync would leave it at 0
});

test('CancellableWriter: an aborted job ends the command (package managers run through it)', async () => {
  const ac = new AbortController();
  const w = new CancellableWriter(ac.signal);
  const p = w.run(['sleep', '30']);
  setTimeout(() => ac.abort(), 100);
  await expect(p).rejects.toThrow(/cancelled: sleep 30/);
  expect((await new CancellableWriter(new AbortController().signal).run(['sh', '-c', 'exit 3'])).code).toBe(3);
});
