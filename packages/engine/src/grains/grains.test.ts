/** The core grains on the machine running the tests: every grain's type and shape, Salt's value formats, caching, overrides. */
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { coreGrains, interfaceAddrs, resetGrainsCache, serverId } from './index';
import { readOsRelease } from './os';

const SALT_VIRTUAL = [
  'physical', 'virtual', 'kvm', 'qemu', 'oracle', 'xen', 'bochs', 'chroot', 'uml', 'systemd-nspawn', 'VMware', 'VirtualPC', 'container',
  'Nitro', 'Parallels', 'HyperV', 'LPAR', 'VirtualBox', 'bhyve', 'gce', 'openvzhn', 'openvzve', 'zone',
];
const isInt = (v: unknown) => typeof v === 'number' && Number.isInteger(v);
const isStrList = (v: unknown) => Array.isArray(v) && v.every((x) => typeof x === 'string');
const linux = process.platform === 'linux';

let tmp: string;
let g: Record<string, unknown>;
beforeAll(() => {
  tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'brine-grains-'));
  resetGrainsCache();
  g = coreGrains({ id: 'test-minion', opts: { master: 'salt.example', cachedir: path.join(tmp, 'cache') } });
});
afterAll(() => fs.rmSync(tmp, { recursive: true, force: true }));

(linux ? describe : describe.skip)('core grains on this host', () => {
  test('identity, versions and options', () => {
    expect(g['id']).toBe('test-minion');
    expect(g['master']).toBe('salt.example');
    expect(g['server_id']).toBe(755963248); // Python: abs(int(sha256(b'test-minion').hexdigest(), 16) % 2**31)
    expect(serverId('vm')).toBe(2067164805);
    expect(g['saltversion']).toBe('3006.1');
    expect(g['saltversioninfo']).toEqual([3006, 1]);
    const pkg = JSON.parse(fs.readFileSync(path.join(__dirname, '..', '..', 'package.json'), 'utf8')) as { version: string };
    expect(g['brineversion']).toBe(pkg.version);
    const py = g['pythonversion'] as unknown[];
    expect(py).toHaveLength(5);
    expect(py.slice(0, 3).every(isInt) && typeof py[3] === 'string' && isInt(py[4])).toBe(true);
    expect(py[0]).toBe(3);
    if ('pythonexecutable' in g) expect(typeof g['pythonexecutable']).toBe('string');
    if ('zmqversion' in g) expect(g['zmqversion']).toMatch(/^\d+\.\d+\.\d+$/);
    expect(Object.keys(g)).toEqual(Object.keys(g).sort());
  });

  test('host names', () => {
    for (const k of ['fqdn', 'host', 'domain', 'localhost', 'nodename']) expect(typeof g[k]).toBe('string');
    expect(g['nodename']).toBe(os.hostname());
    expect(g['localhost']).toBe(os.hostname());
    expect(String(g['fqdn']).startsWith(String(g['host']))).toBe(true);
    expect(g['fqdn']).toBe(g['domain'] ? `${g['host']}.${g['domain']}` : g['host']);
    expect(isStrList(g['fqdn_ip4']) && isStrList(g['fqdn_ip6']) && isStrList(g['fqdns'])).toBe(true);
  });

  test('operating system', () => {
    for (const k of ['kernel', 'kernelrelease', 'kernelversion', 'os', 'os_family', 'osfullname', 'osrelease', 'osfinger', 'cpuarch', 'osarch', 'init', 'ps']) {
      expect(typeof g[k]).toBe('string');
    }
    expect(g['kernel']).toBe('Linux');
    expect(g['kernelrelease']).toBe(os.release());
    expect(g['cpuarch']).toBe(os.machine());
    const info = g['osrelease_info'] as unknown[];
    expect(Array.isArray(info)).toBe(true);
    expect(info).toEqual(String(g['osrelease']).split('.').map((p) => (/^\d+$/.test(p) ? Number(p) : p)));
    if (isInt(info[0])) {
      expect(g['osmajorrelease']).toBe(info[0]);
      expect(isInt(g['osmajorrelease'])).toBe(true);
    }
    const rel = readOsRelease();
    if (rel?.['ID'] === 'debian') {
      expect(g).toMatchObject({ os: 'Debian', os_family: 'Debian', osfullname: rel['NAME'], osrelease: rel['VERSION_ID'], oscodename: rel['VERSION_CODENAME'] });
      expect(g['osfinger']).toBe(`Debian-${g['osmajorrelease']}`);
      expect(g['osarch']).toBe(({ x86_64: 'amd64', aarch64: 'arm64' } as Record<string, string>)[os.machine()] ?? g['osarch']);
      expect(g).toMatchObject({ lsb_distrib_id: 'Debian', lsb_distrib_release: rel['VERSION_ID'], lsb_distrib_codename: rel['VERSION_CODENAME'], lsb_distrib_description: rel['PRETTY_NAME'] });
    }
    for (const k of ['lsb_distrib_id', 'lsb_distrib_codename', 'lsb_distrib_release', 'lsb_distrib_description']) if (k in g) expect(typeof g[k]).toBe('string');
    if ('systemd' in g) {
      const s = g['systemd'] as Record<string, unknown>;
      expect(s['version']).toMatch(/^\d+/);
      expect(typeof s['features']).toBe('string');
    }
    if (fs.existsSync('/run/systemd/system')) expect(g['init']).toBe('systemd');
    const params = g['kernelparams'] as unknown[];
    expect(params.every((p) => Array.isArray(p) && p.length === 2 && typeof p[0] === 'string' && (p[1] === null || typeof p[1] === 'string'))).toBe(true);
    const li = g['locale_info'] as Record<string, unknown>;
    expect(Object.keys(li).sort()).toEqual(['defaultencoding', 'defaultlanguage', 'detectedencoding', 'timezone']);
    expect(typeof li['timezone']).toBe('string');
    if (fs.existsSync('/etc/machine-id')) expect(g['machine_id']).toBe(fs.readFileSync('/etc/machine-id', 'utf8').trim());
    expect(typeof g['efi']).toBe('boolean');
    expect(typeof g['efi-secure-boot']).toBe('boolean');
    expect(typeof g['transactional']).toBe('boolean');
    expect(typeof g['zfs_support']).toBe('boolean');
  });

  test('cpu, memory, hardware', () => {
    expect(g['num_cpus']).toBe(os.cpus().length);
    expect(typeof g['cpu_model']).toBe('string');
    expect(isStrList(g['cpu_flags'])).toBe(true);
    const kb = Number(/MemTotal:\s+(\d+)/.exec(fs.readFileSync('/proc/meminfo', 'utf8'))![1]);
    expect(isInt(g['mem_total']) && (g['mem_total'] as number) > 0).toBe(true);
    expect(g['mem_total']).toBe(Math.floor(kb / 1024));
    expect(isInt(g['swap_total']) && (g['swap_total'] as number) >= 0).toBe(true);
    expect(isInt(g['num_gpus'])).toBe(true);
    const gpus = g['gpus'] as { vendor: string; model: string }[];
    expect(gpus).toHaveLength(g['num_gpus'] as number);
    for (const x of gpus) expect(typeof x.vendor === 'string' && typeof x.model === 'string').toBe(true);
    if (fs.existsSync('/sys/class/dmi/id')) {
      for (const k of ['biosversion', 'biosreleasedate', 'manufacturer', 'productname']) if (k in g) expect(typeof g[k]).toBe('string');
      if ('uuid' in g) expect(g['uuid']).toBe(String(g['uuid']).toLowerCase());
    }
    expect(isStrList(g['disks']) && isStrList(g['ssds'])).toBe(true);
  });

  test('virtualisation', () => {
    expect(SALT_VIRTUAL).toContain(g['virtual']);
    if ('virtual_subtype' in g) expect(typeof g['virtual_subtype']).toBe('string');
    if (fs.existsSync('/.dockerenv') && fs.existsSync('/usr/bin/systemd-detect-virt')) expect(g['virtual']).toBe('container');
  });

  test('network', () => {
    const ip4 = g['ip4_interfaces'] as Record<string, string[]>;
    const ip6 = g['ip6_interfaces'] as Record<string, string[]>;
    const ip = g['ip_interfaces'] as Record<string, string[]>;
    const hw = g['hwaddr_interfaces'] as Record<string, string>;
    if (ip4['lo']) {
      expect(ip4['lo']).toContain('127.0.0.1');
      expect(ip['lo']).toContain('127.0.0.1');
    }
    expect(Object.keys(ip4)).toEqual(Object.keys(ip));
    expect(Object.keys(ip6)).toEqual(Object.keys(ip));
    for (const name of Object.keys(ip)) expect([...ip[name]!].sort()).toEqual([...ip4[name]!, ...ip6[name]!].sort());
    for (const mac of Object.values(hw)) expect(mac).toMatch(/^([0-9a-f]{2}(:[0-9a-f]{2})*|[\d.]+|[0-9a-f:]+)$/);
    if (fs.existsSync('/sys/class/net/lo')) expect(hw['lo']).toBe('00:00:00:00:00:00');
    const ipv4 = g['ipv4'] as string[];
    expect(ipv4).toEqual([...new Set(Object.values(ip4).flat())].sort((a, b) => a.split('.').reduce((n, o) => n * 256 + Number(o), 0) - b.split('.').reduce((n, o) => n * 256 + Number(o), 0)));
    expect(isStrList(g['ipv6'])).toBe(true);
    for (const [name, addrs] of Object.entries(os.networkInterfaces())) {
      for (const a of addrs ?? []) if (a.family === 'IPv4') expect(ip4[name]).toContain(a.address);
    }
    if ('ip_gw' in g) {
      expect(typeof g['ip_gw']).toBe('boolean');
      for (const k of ['ip4_gw', 'ip6_gw']) expect(['string', 'boolean']).toContain(typeof g[k]);
    }
    if (fs.existsSync('/etc/resolv.conf')) {
      const dns = g['dns'] as Record<string, unknown>;
      expect(Object.keys(dns).sort()).toEqual(['domain', 'ip4_nameservers', 'ip6_nameservers', 'nameservers', 'options', 'search', 'sortlist']);
      expect(isStrList(dns['nameservers'])).toBe(true);
    }
    expect(interfaceAddrs().ip4_interfaces).toEqual(ip4);
  });

  test('process', () => {
    expect(g['path']).toBe((process.env['PATH'] ?? '').trim());
    expect(g['systempath']).toEqual(String(g['path']).split(':'));
    expect(g['shell']).toBe(process.env['SHELL'] ?? '/bin/sh');
    expect(g['username']).toBe(os.userInfo().username);
    expect(typeof g['groupname']).toBe('string');
    expect(g['uid']).toBe(process.geteuid!());
    expect(g['gid']).toBe(process.getegid!());
    expect(g['pid']).toBe(process.pid);
    expect(g['cwd']).toBe(process.cwd());
  });
});

(linux ? describe : describe.skip)('caching and overrides', () => {
  test('a second process reuses the cache file and gets the same grains', () => {
    const dir = path.join(tmp, 'cache');
    const files = fs.readdirSync(dir).filter((f) => f.startsWith('grains.probe.'));
    expect(files).toHaveLength(1);
    const st = fs.statSync(path.join(dir, files[0]!));
    expect(st.mode & 0o077).toBe(0);
    const cache = JSON.parse(fs.readFileSync(path.join(dir, files[0]!), 'utf8')) as { snapshot: { at: number } };
    resetGrainsCache(); // as if a new process started
    const again = coreGrains({ id: 'test-minion', opts: { master: 'salt.example', cachedir: dir } });
    expect(again).toEqual(g);
    const after = JSON.parse(fs.readFileSync(path.join(dir, files[0]!), 'utf8')) as { snapshot: { at: number } };
    expect(after.snapshot.at).toBe(cache.snapshot.at); // served from the snapshot, not recomputed
    resetGrainsCache();
    expect(coreGrains({ id: 'test-minion', opts: { master: 'salt.example', cachedir: dir }, fresh: true })).toEqual(g);
  });

  test('computed once per process; callers get copies', () => {
    const a = coreGrains({ id: 'a', opts: { cachedir: path.join(tmp, 'cache') } });
    (a['ipv4'] as string[]).push('203.0.113.9');
    a['os'] = 'Mutated';
    const b = coreGrains({ id: 'b', opts: { cachedir: path.join(tmp, 'cache') } });
    expect(b['os']).toBe(g['os']);
    expect(b['ipv4']).toEqual(g['ipv4']);
    expect(b['id']).toBe('b');
  });

  test('configured grains override collected ones; the grains file sits between', () => {
    const conf = path.join(tmp, 'conf');
    fs.mkdirSync(conf);
    fs.writeFileSync(path.join(conf, 'grains'), 'roles: [web]\nos_family: FromFile\nvirtual: fromfile\n');
    const c = coreGrains({
      id: 'x',
      custom: { os_family: 'Custom', num_cpus: 99, locale_info: { timezone: 'Mars/Olympus' } },
      opts: { cachedir: path.join(tmp, 'cache'), config_dir: conf },
    });
    expect(c['os_family']).toBe('Custom');
    expect(c['num_cpus']).toBe(99);
    expect(c['roles']).toEqual(['web']);
    expect(c['virtual']).toBe('fromfile');
    expect((c['locale_info'] as Record<string, unknown>)['timezone']).toBe('Mars/Olympus');
    expect((c['locale_info'] as Record<string, unknown>)['defaultencoding']).toBe((g['locale_info'] as Record<string, unknown>)['defaultencoding']);
  });

  test('without a cachedir the grains are still complete', () => {
    resetGrainsCache();
    const n = coreGrains({ id: 'test-minion', opts: { master: 'salt.example' } });
    expect(Object.keys(n)).toEqual(Object.keys(g));
    expect(n['os']).toBe(g['os']);
  });
});
