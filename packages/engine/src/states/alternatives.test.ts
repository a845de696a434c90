/**
 * alternatives.* on this host's real update-alternatives, with a name of the test's own (removed afterwards). The
 * expected comments and changes are those Salt 3006.1 gave for the same steps on this machine.
 */
import { chmodSync, mkdtempSync, readlinkSync, rmSync, writeFileSync } from 'fs';
import * as os from 'os';
import * as path from 'path';
import { execFileSync, spawnSync } from 'child_process';
import { alternativesModule } from './alternatives';
import { chunk, converge, kit, recheck } from './testkit';

const { install, remove, auto, set } = alternativesModule.functions;
const NAME = `brinealt${process.pid}`;
const LINK = `/usr/local/bin/${NAME}`;
let dir: string;
let a: string;
let b: string;
const dropAll = () => spawnSync('update-alternatives', ['--remove-all', NAME]);

beforeAll(() => {
  dropAll();
  dir = mkdtempSync(path.join(os.tmpdir(), 'brine-alt-'));
  [a, b] = ['a', 'b'].map((x) => {
    const f = path.join(dir, x);
    writeFileSync(f, `#!/bin/sh\necho ${x}\n`);
    chmodSync(f, 0o755);
    return f;
  });
});
afterAll(() => {
  dropAll();
  rmSync(dir, { recursive: true, force: true });
});

const ok = async (fn: typeof install, c: ReturnType<typeof chunk>) => {
  const k = kit();
  const p = fn.parse('r', c.args, c);
  expect(await fn.check(p, k.checkCtx(c))).toEqual({});
  return fn.okComment!(p);
};

it('install, set, auto and remove converge with Salt\'s changes and comments; dry runs change nothing', async () => {
  const k = kit();
  const instA = chunk('alternatives', 'install', NAME, { link: LINK, path: a, priority: 10 });
  const instB = chunk('alternatives', 'install', NAME, { link: LINK, path: b, priority: '20' });
  const pa = install.parse('r', instA.args, instA);
  expect(await install.check(pa, k.checkCtx(instA))).toEqual({ name: NAME, link: LINK, path: a, priority: 10 });
  expect(install.testComment!(pa)).toBe(`Alternative will be set for ${NAME} to ${a} with priority 10`);
  expect(install.testChanges!(pa, {})).toEqual({});
  expect(spawnSync('update-alternatives', ['--display', NAME]).status).not.toBe(0);

  let r = await converge(k, install, instA);
  expect(r.outcome).toEqual({ changes: { name: NAME, link: LINK, path: a, priority: 10 }, comment: `Alternative for ${NAME} set to path ${a} with priority 10` });
  expect(r.after).toEqual({});
  expect(execFileSync(LINK, { encoding: 'utf8' })).toBe('a\n');
  expect(await ok(install, instA)).toBe(`Alternative ${a} for ${NAME} is already registered`);
  r = await converge(k, install, instB);
  // The priority is reported as written.
  expect(r.outcome).toEqual({ changes: { name: NAME, link: LINK, path: b, priority: '20' }, comment: `Alternative for ${NAME} set to path ${b} with priority 20` });

  const setA = chunk('alternatives', 'set', NAME, { path: a });
  r = await converge(k, set, setA);
  expect(r.outcome).toEqual({ changes: { path: a }, comment: `Alternative for ${NAME} set to path ${a}` });
  expect(readlinkSync(`/etc/alternatives/${NAME}`)).toBe(a);
  expect(await ok(set, setA)).toBe(`Alternative for ${NAME} already set to ${a}`);
  const setZ = chunk('alternatives', 'set', NAME, { path: path.join(dir, 'zz') });
  await expect(set.check(set.parse('r', setZ.args, setZ), k.checkCtx(setZ))).rejects.toThrow(`Alternative ${path.join(dir, 'zz')} for ${NAME} doesn't exist`);

  const au = chunk('alternatives', 'auto', NAME);
  expect(auto.testComment!(auto.parse('r', {}, au))).toBe(`${NAME} will be put in auto mode`);
  r = await converge(k, auto, au);
  expect(r.outcome).toEqual({ changes: { result: `update-alternatives: using ${b} to provide ${LINK} (${NAME}) in auto mode` }, comment: '' });
  expect(r.after).toEqual({});
  expect(await ok(auto, au)).toBe(`${NAME} already in auto mode`);

  const rmB = chunk('alternatives', 'remove', NAME, { path: b });
  expect(remove.testComment!(remove.parse('r', rmB.args, rmB))).toBe(`Alternative for ${NAME} will be removed`);
  r = await converge(k, remove, rmB);
  expect(r.outcome).toEqual({ changes: { path: a }, comment: `Alternative for ${NAME} removed. Falling back to path ${a}` });
  expect(await ok(remove, rmB)).toBe(`Alternative for ${NAME} is set to it's default path ${a}`);
  const rmA = chunk('alternatives', 'remove', NAME, { path: a });
  r = await converge(k, remove, rmA);
  expect(r.outcome).toEqual({ changes: {}, comment: `Alternative for ${NAME} removed` });
  // Nothing left: Salt fails a remove of a name that does not exist.
  await expect(remove.check(remove.parse('r', rmA.args, rmA), k.checkCtx(rmA))).rejects.toThrow(`Alternative for ${NAME} doesn't exist`);
  expect(await recheck(k, install, instA)).toEqual({ name: NAME, link: LINK, path: a, priority: 10 });
});

it('parse names the bad argument', () => {
  const p = (fun: typeof install, args: Record<string, unknown>) => () => fun.parse('alternatives.install:x', args, chunk('alternatives', 'install', NAME, args));
  expect(p(install, { link: LINK, path: '/x' })).toThrow(/priority: an integer is required/);
  expect(p(install, { path: '/x', priority: 1 })).toThrow(/link: required/);
  expect(p(install, { link: 'rel/x', path: '/x', priority: 1 })).toThrow(/link: "rel\/x" is not an absolute path/);
  expect(p(set, {})).toThrow(/path: required/);
});
