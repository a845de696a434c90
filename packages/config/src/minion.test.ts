/** Minion options are read with Salt's YAML rules. */
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { loadMinionOpts } from './minion';

test("an id that YAML 1.1 libraries take for a float ('e1') stays the string PyYAML reads", () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'brine-cfg-'));
  fs.writeFileSync(path.join(dir, 'minion'), 'id: e1\ngrains:\n  release: 1e3\n');
  const o = loadMinionOpts(dir, {});
  fs.rmSync(dir, { recursive: true, force: true });
  expect(o.id).toBe('e1');
  expect((o.grains as Record<string, unknown>)['release']).toBe('1e3');
});

test('numbers as Salt reads its configuration: MAC addresses and 01:30 stay strings, 017 is 17, 09 a string (values from Salt 3006.1)', () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'brine-cfg-'));
  fs.writeFileSync(path.join(dir, 'minion'), 'id: m1\ngrains:\n  a: 00:00:00:00:00:00\n  b: 01:30\n  c: 0:30\n  d: 1:30\n  h: 017\n  i: 09\n  m: 1e3\n  o: 0o17\n');
  const o = loadMinionOpts(dir, {});
  fs.rmSync(dir, { recursive: true, force: true });
  expect(o.grains).toEqual({ a: '00:00:00:00:00:00', b: '01:30', c: '0:30', d: 90, h: 17, i: '09', m: '1e3', o: '0o17' });
});

test("templates see salt-call's options for how they run (__cli, file_client, conf_file, state_top, user...)", () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'brine-cfg-'));
  fs.writeFileSync(path.join(dir, 'minion'), 'id: m1\n');
  const daemon = loadMinionOpts(dir, {}) as unknown as Record<string, unknown>;
  const call = loadMinionOpts(dir, { __cli: 'salt-call', file_client: 'local' }) as unknown as Record<string, unknown>;
  fs.rmSync(dir, { recursive: true, force: true });
  const pick = (o: Record<string, unknown>) => ['__cli', 'file_client', 'state_top', 'saltenv', 'pillarenv', 'user'].map((k) => o[k]);
  expect(pick(daemon)).toEqual(['salt-minion', 'remote', 'salt://top.sls', null, null, os.userInfo().username]);
  expect(pick(call)).toEqual(['salt-call', 'local', 'salt://top.sls', null, null, os.userInfo().username]);
  expect(daemon['conf_file']).toBe(path.join(path.resolve(dir), 'minion'));
});

describe('master: a string or a list (failover)', () => {
  const load = (yaml: string) => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'brine-cfg-'));
    try {
      fs.writeFileSync(path.join(dir, 'minion'), `id: m1\n${yaml}`);
      return loadMinionOpts(dir, {});
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  };

  test('a single master keeps master/master_port and gives a one-entry list', () => {
    const o = load('master: salt.example\nmaster_port: 5506\n');
    expect(o.master).toBe('salt.example');
    expect(o.master_port).toBe(5506);
    expect(o.masters).toEqual([{ host: 'salt.example', port: 5506 }]);
    expect(o.master_type).toBe('str');
    expect(o.master_alive_interval).toBe(0);
    expect(o.master_shuffle).toBe(false);
    const d = load('');
    expect(d.masters).toEqual([{ host: '127.0.0.1', port: 4506 }]);
    expect(load('master: salt.example:4606\n').master_port).toBe(4606);
  });

  test('a list: host, host:port, [v6]:port and bare IPv6, failover with a 5 s alive interval by default', () => {
    const o = load("master: [a.example:4516, b.example, '[fd00::1]:4526', '::1']\nmaster_port: 4600\n");
    expect(o.masters).toEqual([
      { host: 'a.example', port: 4516 },
      { host: 'b.example', port: 4600 },
      { host: 'fd00::1', port: 4526 },
      { host: '::1', port: 4600 },
    ]);
    expect(o.master).toBe('a.example');
    expect(o.master_port).toBe(4516);
    expect(o.master_type).toBe('failover');
    expect(o.master_alive_interval).toBe(5);
    const block = load('master:\n  - a.example:4506\n  - b.example:4506\nmaster_alive_interval: 2\nmaster_shuffle: true\n');
    expect(block.master_alive_interval).toBe(2);
    expect(block.master_shuffle).toBe(true);
    expect(block.random_master).toBe(true);
    expect(load('master: [a, b]\nrandom_master: true\n').master_shuffle).toBe(true);
  });

  test('bad values are refused naming the option', () => {
    expect(() => load('master: [a, b]\nmaster_type: str\n')).toThrow(/master_type: .*only master_type: failover is supported for a list/);
    expect(() => load('master: [a, b]\nmaster_type: func\n')).toThrow(/master_type: must be 'str' or 'failover'/);
    expect(() => load('master: []\n')).toThrow(/master: the list of masters is empty/);
    expect(() => load('master: [a:70000]\n')).toThrow(/master: "a:70000": the port must be a number from 1 to 65535/);
    expect(() => load('master: [a:x]\n')).toThrow(/master: "a:x"/);
    expect(() => load('master: [{host: a}]\n')).toThrow(/master: each entry must be/);
    expect(() => load('master: [a, a:4506]\n')).toThrow(/master: a:4506 is listed twice/);
    expect(() => load('master: [a, b]\nmaster_alive_interval: 0\n')).toThrow(/master_alive_interval: must be a positive number/);
    expect(() => load('master: [a, b]\nmaster_alive_interval: soon\n')).toThrow(/master_alive_interval: must be a number/);
    expect(() => load('master: [a, b]\nmaster_shuffle: maybe\n')).toThrow(/master_shuffle: must be true or false/);
    expect(load('master: [a]\nmaster_type: str\n').masters).toEqual([{ host: 'a', port: 4506 }]);
  });
});

test("Salt's defaults for options templates read (opts, config.get): hash_type, renderer, state_output...; the file wins", () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'brine-cfg-'));
  try {
    fs.writeFileSync(path.join(dir, 'minion'), 'id: m1\nhash_type: sha512\n');
    const o = loadMinionOpts(dir, {}) as unknown as Record<string, unknown>;
    expect(o['renderer']).toBe('jinja|yaml');
    expect(o['state_output']).toBe('full');
    expect(o['top_file_merging_strategy']).toBe('merge');
    expect(o['hash_type']).toBe('sha512');
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
});
