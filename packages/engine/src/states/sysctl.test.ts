import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'fs';
import * as os from 'os';
import * as path from 'path';
import { sysctlModule, sysctlPath, updateConfig } from './sysctl';
import { chunk, converge, kit, recheck } from './testkit';

const { present } = sysctlModule.functions;
// Per network namespace and harmless to flip briefly.
const KEY = 'net.ipv4.tcp_keepalive_probes';
const PROC = '/proc/sys/net/ipv4/tcp_keepalive_probes';
const writable = (() => {
  try {
    writeFileSync(PROC, readFileSync(PROC));
    return true;
  } catch {
    return false;
  }
})();

let tmp: string;
let original: string;
beforeEach(() => {
  tmp = mkdtempSync(path.join(os.tmpdir(), 'brine-sysctl-'));
  original = readFileSync(PROC, 'utf8').trim();
});
afterEach(() => {
  if (writable) writeFileSync(PROC, original);
  rmSync(tmp, { recursive: true, force: true });
});

it('maps names to /proc/sys paths', () => {
  expect(sysctlPath('net.ipv4.ip_forward')).toBe('/proc/sys/net/ipv4/ip_forward');
  expect(sysctlPath('net/ipv4/conf/eth0.1/rp_filter')).toBe('/proc/sys/net/ipv4/conf/eth0.1/rp_filter');
});

it('updateConfig keeps other lines, replaces ours, drops duplicates', () => {
  expect(updateConfig('', 'a.b', '1')).toBe('a.b = 1\n');
  expect(updateConfig('# c\nx.y = 2\na.b=0\na.b = 3\n', 'a.b', '1')).toBe('# c\nx.y = 2\na.b = 1\n');
  expect(updateConfig('a.b=1\n', 'a.b', '1')).toBeNull();
  expect(updateConfig('x = 1', 'a.b', '1')).toBe('x = 1\na.b = 1\n');
});

(writable ? it : it.skip)('sets the live value and the config line, then converges', async () => {
  const k = kit();
  const target = original === '7' ? '6' : '7';
  const config = path.join(tmp, 'sysctl.d', '99-brine.conf');
  const c = chunk('sysctl', 'present', KEY, { value: Number(target), config });
  const r = await converge(k, present, c);
  expect(r.pending).toEqual({ [KEY]: target });
  expect(r.outcome.comment).toBe(`Updated sysctl value ${KEY} = ${target}`);
  expect(readFileSync(PROC, 'utf8').trim()).toBe(target);
  expect(readFileSync(config, 'utf8')).toBe(`${KEY} = ${target}\n`);
  expect(await recheck(k, present, c)).toEqual({});
  expect(present.okComment!(present.parse('r', c.args, c))).toBe(`Sysctl value ${KEY} = ${target} is already set`);
  // Only the config file out of date: still a change.
  writeFileSync(config, `# mine\n${KEY} = 1\n`);
  expect(await recheck(k, present, c)).toEqual({ [KEY]: target });
  await converge(k, present, c);
  expect(readFileSync(config, 'utf8')).toBe(`# mine\n${KEY} = ${target}\n`);
});

it('test mode changes neither /proc nor the config file', async () => {
  const k = kit();
  const target = original === '7' ? '6' : '7';
  const config = path.join(tmp, '99.conf');
  const c = chunk('sysctl', 'present', KEY, { value: target, config });
  expect(await present.check(present.parse('r', c.args, c), k.checkCtx(c))).toEqual({ [KEY]: target });
  expect(readFileSync(PROC, 'utf8').trim()).toBe(original);
  expect(existsSync(config)).toBe(false);
});

it('validates names and values', async () => {
  const k = kit();
  const p = (name: string, args: Record<string, unknown>) => present.parse('sysctl.present:x', args, chunk('sysctl', 'present', name, args));
  expect(() => p('net ipv4', { value: 1 })).toThrow(/invalid sysctl name/);
  expect(() => p('../etc/passwd', { value: 1 })).toThrow(/invalid sysctl name/);
  expect(() => p('net.ipv4.ip_forward', {})).toThrow(/value: required/);
  expect(() => p('net.ipv4.ip_forward', { value: [1] })).toThrow(/value: expected/);
  const c = chunk('sysctl', 'present', 'net.ipv4.no_such_brine_key', { value: 1 });
  await expect(present.check(present.parse('r', c.args, c), k.checkCtx(c))).rejects.toThrow(/does not exist/);
});
