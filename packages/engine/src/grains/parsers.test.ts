/**
 * The pure grain parsers against fixture text. Expected values marked "Salt 3006.1" were produced by running Salt
 * 3006.1's own functions (salt/grains/core.py, salt/utils/dns.py, salt/utils/network.py — extracted and run on the
 * same fixtures, with the `distro` library for the legacy path).
 */
import { dmiHwData, parseCpuinfo, parseLspciVmm, parseMdstat, parseMeminfo } from './hardware';
import { formatIPv6, fqdnIps, fqdnsFromHosts, hostnameGrains, normalizeIp, parseHosts, parseIPv6, parseIpv6Route, parseProcRoute, parseResolv } from './network';
import {
  deriveOsGrain,
  linuxDistributionData,
  localeInfo,
  osarchFallback,
  osreleaseData,
  parseKernelParams,
  parseLocaleName,
  parseLsbRelease,
  parseOsRelease,
  parsePosixTz,
  psGrain,
  timezoneName,
} from './os';
import { parseProbeOutput, probeScript } from './probe';
import { detectVirtual, virtCommandOrder, type VirtFacts } from './virtual';
import { spawnSync } from 'child_process';

const DEBIAN12 = `PRETTY_NAME="Debian GNU/Linux 12 (bookworm)"
NAME="Debian GNU/Linux"
VERSION_ID="12"
VERSION="12 (bookworm)"
VERSION_CODENAME=bookworm
ID=debian
HOME_URL="https://www.debian.org/"
`;

const distro = (osRelease: string, files: { lsbRelease?: string; releaseFile?: string } = {}) => {
  const g = linuxDistributionData(parseOsRelease(osRelease), files);
  if (g['osrelease']) Object.assign(g, osreleaseData(String(g['os']), String(g['osfullname']), String(g['osrelease'])));
  return g;
};

describe('os-release and the os grains', () => {
  test('parseOsRelease: quotes, escapes, defaults', () => {
    expect(parseOsRelease('NAME="Foo \\"Bar\\" \\$x"\nID=\'foo\'\nBAD LINE\nVERSION_ID=1.2\n')).toEqual({
      NAME: 'Foo "Bar" $x',
      ID: 'foo',
      PRETTY_NAME: 'Linux',
      VERSION_ID: '1.2',
    });
    expect(parseOsRelease('')).toEqual({ NAME: 'Linux', ID: 'linux', PRETTY_NAME: 'Linux' });
  });

  test('Debian 12 (Salt 3006.1, plus the lsb_release values)', () => {
    expect(distro(DEBIAN12)).toEqual({
      os: 'Debian',
      os_family: 'Debian',
      oscodename: 'bookworm',
      osfinger: 'Debian-12',
      osfullname: 'Debian GNU/Linux',
      osmajorrelease: 12,
      osrelease: '12',
      osrelease_info: [12],
      // Not in a onedir Salt 3006.1 on Debian 12 (no python lsb_release module, no /etc/lsb-release): Brine's addition.
      lsb_distrib_id: 'Debian',
      lsb_distrib_description: 'Debian GNU/Linux 12 (bookworm)',
      lsb_distrib_release: '12',
      lsb_distrib_codename: 'bookworm',
    });
  });

  test('Ubuntu 22.04 with /etc/lsb-release (Salt 3006.1)', () => {
    const os = 'PRETTY_NAME="Ubuntu 22.04.3 LTS"\nNAME="Ubuntu"\nVERSION_ID="22.04"\nVERSION="22.04.3 LTS (Jammy Jellyfish)"\nVERSION_CODENAME=jammy\nID=ubuntu\nID_LIKE=debian\nUBUNTU_CODENAME=jammy\n';
    const lsb = 'DISTRIB_ID=Ubuntu\nDISTRIB_RELEASE=22.04\nDISTRIB_CODENAME=jammy\nDISTRIB_DESCRIPTION="Ubuntu 22.04.3 LTS"\n';
    expect(distro(os, { lsbRelease: lsb })).toEqual({
      lsb_distrib_codename: 'jammy',
      lsb_distrib_description: 'Ubuntu 22.04.3 LTS',
      lsb_distrib_id: 'Ubuntu',
      lsb_distrib_release: '22.04',
      os: 'Ubuntu',
      os_family: 'Debian',
      oscodename: 'jammy',
      osfinger: 'Ubuntu-22.04',
      osfullname: 'Ubuntu',
      osmajorrelease: 22,
      osrelease: '22.04',
      osrelease_info: [22, 4],
    });
  });

  test('Rocky 9: codename from VERSION (Salt 3006.1)', () => {
    const g = distro('NAME="Rocky Linux"\nVERSION="9.2 (Blue Onyx)"\nID="rocky"\nID_LIKE="rhel centos fedora"\nVERSION_ID="9.2"\nPRETTY_NAME="Rocky Linux 9.2 (Blue Onyx)"\n');
    expect(g).toMatchObject({ os: 'Rocky', os_family: 'RedHat', oscodename: 'Blue Onyx', osfinger: 'Rocky Linux-9', osfullname: 'Rocky Linux', osmajorrelease: 9, osrelease: '9.2', osrelease_info: [9, 2] });
  });

  test('legacy path: Fedora, CentOS 7, RHEL 9, openSUSE Leap, Alpine, Arch, Amazon Linux 2 (Salt 3006.1)', () => {
    expect(distro('NAME="Fedora Linux"\nVERSION="38 (Server Edition)"\nID=fedora\nVERSION_ID=38\nPRETTY_NAME="Fedora Linux 38 (Server Edition)"\nCPE_NAME="cpe:/o:fedoraproject:fedora:38"\n')).toEqual({
      lsb_distrib_codename: 'Fedora Linux 38 (Server Edition)',
      lsb_distrib_id: 'Fedora Linux',
      lsb_distrib_release: '38',
      os: 'Fedora',
      os_family: 'RedHat',
      oscodename: 'Fedora Linux 38 (Server Edition)',
      osfinger: 'Fedora Linux-38',
      osfullname: 'Fedora Linux',
      osmajorrelease: 38,
      osrelease: '38',
      osrelease_info: [38],
    });
    const centos = distro('NAME="CentOS Linux"\nVERSION="7 (Core)"\nID="centos"\nID_LIKE="rhel fedora"\nVERSION_ID="7"\nPRETTY_NAME="CentOS Linux 7 (Core)"\n', {
      releaseFile: 'CentOS Linux release 7.9.2009 (Core)',
    });
    expect(centos).toEqual({
      lsb_distrib_codename: 'CentOS Linux 7 (Core)',
      lsb_distrib_id: 'CentOS Linux',
      os: 'CentOS',
      os_family: 'RedHat',
      oscodename: 'CentOS Linux 7 (Core)',
      osfinger: 'CentOS Linux-7',
      osfullname: 'CentOS Linux',
      osmajorrelease: 7,
      osrelease: '7.9.2009',
      osrelease_info: [7, 9, 2009],
    });
    expect(distro('NAME="Red Hat Enterprise Linux"\nVERSION="9.2 (Plow)"\nID="rhel"\nID_LIKE="fedora"\nVERSION_ID="9.2"\nPRETTY_NAME="Red Hat Enterprise Linux 9.2 (Plow)"\n')).toMatchObject({
      os: 'RedHat',
      os_family: 'RedHat',
      oscodename: 'Plow',
      osfinger: 'Red Hat Enterprise Linux-9',
    });
    expect(distro('NAME="openSUSE Leap"\nVERSION="15.5"\nID="opensuse-leap"\nID_LIKE="suse opensuse"\nVERSION_ID="15.5"\nPRETTY_NAME="openSUSE Leap 15.5"\nCPE_NAME="cpe:/o:opensuse:leap:15.5"\n')).toMatchObject({
      os: 'SUSE',
      os_family: 'Suse',
      osfullname: 'Leap',
      osfinger: 'Leap-15',
      osrelease_info: [15, 5],
    });
    expect(distro('NAME="Alpine Linux"\nID=alpine\nVERSION_ID=3.18.4\nPRETTY_NAME="Alpine Linux v3.18"\n')).toMatchObject({ os: 'Alpine', os_family: 'Alpine', osfinger: 'Alpine Linux-3', osrelease_info: [3, 18, 4] });
    expect(distro('NAME="Arch Linux"\nPRETTY_NAME="Arch Linux"\nID=arch\nBUILD_ID=rolling\n')).toEqual({
      lsb_distrib_codename: 'Arch Linux',
      lsb_distrib_id: 'Arch Linux',
      os: 'Arch',
      os_family: 'Arch',
      oscodename: 'Arch Linux',
      osfullname: 'Arch Linux',
      osrelease: '',
    });
    expect(distro('NAME="Amazon Linux"\nVERSION="2"\nID="amzn"\nID_LIKE="centos rhel fedora"\nVERSION_ID="2"\nPRETTY_NAME="Amazon Linux 2"\n')).toMatchObject({ os: 'Amazon', os_family: 'RedHat', osfinger: 'Amazon Linux-2' });
  });

  test('deriveOsGrain, osreleaseData, lsb-release, osarch, ps', () => {
    expect(deriveOsGrain('Debian GNU/Linux', 'debian')).toBe('Debian');
    expect(deriveOsGrain('Pop!_OS', 'pop')).toBe('Pop');
    expect(deriveOsGrain('CentOS Stream')).toBe('CentOS Stream');
    expect(osreleaseData('Debian', 'Debian GNU/Linux', '12.4')).toEqual({ osrelease_info: [12, 4], osmajorrelease: 12, osfinger: 'Debian-12' });
    expect(osreleaseData('Arch', 'Arch Linux', 'rolling')).toEqual({ osrelease_info: ['rolling'], osfinger: 'Arch Linux-rolling' });
    expect(parseLsbRelease('DISTRIB_ID="ManjaroLinux"\nDISTRIB_RELEASE=23.0\nGARBAGE\n')).toEqual({ lsb_distrib_id: 'ManjaroLinux', lsb_distrib_release: '23.0' });
    expect(osarchFallback('Debian', 'x86_64')).toBe('amd64');
    expect(osarchFallback('Debian', 'aarch64')).toBe('arm64');
    expect(osarchFallback('RedHat', 'x86_64')).toBe('x86_64');
    expect(psGrain('Debian', 'Debian', 'kvm')).toBe('ps -efHww');
  });

  test('kernelparams: shlex split, key=value pairs (Salt 3006.1)', () => {
    expect(parseKernelParams('BOOT_IMAGE=/vmlinuz-6.1 root=UUID=abc ro quiet console="ttyS0,115200" a=b=c \'x y\'=z splash\n')).toEqual([
      ['BOOT_IMAGE', '/vmlinuz-6.1'],
      ['root', null],
      ['ro', null],
      ['quiet', null],
      ['console', 'ttyS0,115200'],
      ['a', null],
      ['x y', 'z'],
      ['splash', null],
    ]);
  });
});

describe('locale_info (checked against Python 3.11 getdefaultlocale / stdin encoding / time.tzname)', () => {
  const none = () => false;
  test('C.UTF-8, C, unset and uninstalled locales are coerced to C.UTF-8 → en_US/UTF-8', () => {
    for (const env of [{ LANG: 'C.UTF-8' }, { LANG: 'C' }, {}, { LANG: 'de_DE.ISO-8859-1' }]) {
      expect(localeInfo(env, none, 'UTC')).toEqual({ defaultlanguage: 'en_US', defaultencoding: 'UTF-8', detectedencoding: 'utf-8', timezone: 'UTC' });
    }
    expect(localeInfo({ LC_ALL: 'C' }, none, 'UTC')).toEqual({ defaultlanguage: null, defaultencoding: null, detectedencoding: 'utf-8', timezone: 'UTC' });
  });
  test('installed locales', () => {
    const all = () => true;
    expect(localeInfo({ LANG: 'de_DE.UTF-8' }, all, 'CET')).toEqual({ defaultlanguage: 'de_DE', defaultencoding: 'UTF-8', detectedencoding: 'utf-8', timezone: 'CET' });
    expect(localeInfo({ LANG: 'fr_FR.ISO-8859-15' }, all, 'CET')).toMatchObject({ defaultlanguage: 'fr_FR', defaultencoding: 'ISO8859-15', detectedencoding: 'ISO-8859-15' });
    expect(parseLocaleName('en_US')).toEqual(['en_US', 'ISO8859-1']);
    expect(parseLocaleName('de_DE@euro')).toEqual(['de_DE', 'iso-8859-15']);
  });
  test('time zone abbreviations from the POSIX TZ rule', () => {
    expect(parsePosixTz('CET-1CEST,M3.5.0,M10.5.0/3')).toEqual({ std: 'CET', dst: 'CEST', stdOffset: 3600 });
    expect(parsePosixTz('<+0530>-5:30')).toEqual({ std: '+0530', dst: undefined, stdOffset: 19800 });
    expect(parsePosixTz('EST5EDT,M3.2.0,M11.1.0')).toEqual({ std: 'EST', dst: 'EDT', stdOffset: -18000 });
    expect(timezoneName({ TZ: '' })).toBe('UTC');
    expect(timezoneName({ TZ: 'UTC0' })).toBe('UTC');
  });
});

describe('cpu, memory, gpus, mdadm, dmi', () => {
  test('/proc/cpuinfo shapes (Salt 3006.1)', () => {
    const x86 = 'processor\t: 0\nvendor_id\t: GenuineIntel\nmodel name\t: Intel(R) Xeon(R) Processor\nflags\t\t: fpu vme de\n\nprocessor\t: 1\nvendor_id\t: GenuineIntel\nmodel name\t: Intel(R) Xeon(R) Processor\nflags\t\t: fpu vme de\n';
    expect(parseCpuinfo(x86)).toEqual({ num_cpus: 2, cpu_model: 'Intel(R) Xeon(R) Processor', cpu_flags: ['fpu', 'vme', 'de'] });
    const armv6 = 'Processor\t: ARMv6-compatible processor rev 7 (v6l)\nBogoMIPS\t: 697.95\nFeatures\t: swp half thumb fastmult vfp edsp java tls \n';
    expect(parseCpuinfo(armv6)).toEqual({ num_cpus: 1, cpu_model: 'ARMv6', cpu_flags: ['swp', 'half', 'thumb', 'fastmult', 'vfp', 'edsp', 'java', 'tls'] });
    const aarch64 = 'processor\t: 0\nBogoMIPS\t: 50.00\nFeatures\t: fp asimd\nCPU implementer\t: 0x41\n\nprocessor\t: 1\nFeatures\t: fp asimd\n';
    expect(parseCpuinfo(aarch64)).toEqual({ num_cpus: 2, cpu_model: 'Unknown', cpu_flags: ['fp', 'asimd'] });
    const ppc = 'processor\t: 0\ncpu\t\t: POWER9 (architected), altivec supported\nclock\t\t: 2750.000000MHz\n\nprocessor\t: 1\ncpu\t\t: POWER9 (architected), altivec supported\n';
    expect(parseCpuinfo(ppc)).toEqual({ num_cpus: 2, cpu_model: 'POWER9 (architected), altivec supported', cpu_flags: [] });
    expect(parseCpuinfo('vendor_id       : IBM/S390\n# processors    : 2\n')).toEqual({ num_cpus: 2, cpu_model: 'IBM/S390', cpu_flags: [] });
    expect(parseCpuinfo(undefined)).toEqual({ num_cpus: 0, cpu_model: 'Unknown', cpu_flags: [] });
  });

  test('/proc/meminfo: MiB, floor division (Salt 3006.1)', () => {
    expect(parseMeminfo('MemTotal:       24683584 kB\nMemFree:        23425472 kB\nSwapTotal:       2097148 kB\n')).toEqual({ mem_total: 24105, swap_total: 2047 });
    expect(parseMeminfo(undefined)).toEqual({ mem_total: 0, swap_total: 0 });
  });

  test('lspci -vmm → gpus (Salt 3006.1, including its "cirrus logic" never matching)', () => {
    const out = [
      'Slot:\t00:00.0\nClass:\tHost bridge\nVendor:\tIntel Corporation\nDevice:\t440FX - 82441FX PMC [Natoma]\n',
      'Slot:\t00:02.0\nClass:\tVGA compatible controller\nVendor:\tCirrus Logic\nDevice:\tGD 5446\n',
      'Slot:\t01:00.0\nClass:\t3D controller\nVendor:\tNVIDIA Corporation\nDevice:\tGA100 [A100 SXM4 40GB]\nRev:\ta1\n',
      'Slot:\t02:00.0\nClass:\tVGA compatible controller\nVendor:\tAdvanced Micro Devices, Inc. [AMD/ATI]\nDevice:\tNavi 21\n',
      'Slot:\t03:00.0\nClass:\tDisplay controller\nVendor:\tMatrox Electronics Systems Ltd.\nDevice:\tMGA G200eW WPCM450',
    ].join('\n');
    expect(parseLspciVmm(out)).toEqual({
      num_gpus: 4,
      gpus: [
        { vendor: 'unknown', model: 'GD 5446' },
        { vendor: 'nvidia', model: 'GA100 [A100 SXM4 40GB]' },
        { vendor: 'amd', model: 'Navi 21' },
        { vendor: 'matrox', model: 'MGA G200eW WPCM450' },
      ],
    });
  });

  test('mdstat and a missing DMI directory', () => {
    expect(parseMdstat('Personalities : [raid1]\nmd1 : active raid1 sdb1[1] sda1[0]\nmd0 : active raid1 sdb2[1]\nunused devices: <none>\n')).toEqual({ mdadm: ['md0', 'md1'] });
    expect(parseMdstat(undefined)).toEqual({});
    expect(dmiHwData('/nonexistent/dmi')).toEqual({});
  });
});

describe('network parsers', () => {
  test('IPv6 formatting like Python ipaddress', () => {
    expect(formatIPv6(parseIPv6('2001:0db8:0000:0000:0000:0000:0000:0001')!)).toBe('2001:db8::1');
    expect(formatIPv6(parseIPv6('fe80:0:0:0:fc:ff:fe00:1')!)).toBe('fe80::fc:ff:fe00:1');
    expect(formatIPv6(parseIPv6('1:0:2:0:0:3:0:0')!)).toBe('1:0:2::3:0:0');
    expect(formatIPv6(parseIPv6('1:2:3:4:5:6:0:8')!)).toBe('1:2:3:4:5:6:0:8');
    expect(formatIPv6(parseIPv6('::ffff:192.0.2.1')!)).toBe('::ffff:c000:201');
    expect(normalizeIp('010.0.0.1')).toBeNull();
    expect(normalizeIp('fe80::1%eth0')).toEqual({ addr: 'fe80::1%eth0', version: 6 });
  });

  test('resolv.conf → dns (Salt 3006.1 parse_resolv)', () => {
    const text = [
      '# Generated',
      'domain corp.example',
      'search corp.example example.com   # trailing comment',
      'nameserver 10.0.0.2',
      'nameserver 10.0.0.2',
      'nameserver 2001:0db8:0000:0000:0000:0000:0000:0001',
      'nameserver fe80::1%eth0',
      'nameserver bogus',
      'sortlist 130.155.160.0/255.255.240.0 130.155.0.0 10.1.2.3/8 192.168.1.0/24',
      'options ndots:2 timeout:1',
      'options rotate',
      'options ndots:2',
    ].join('\n');
    expect(parseResolv(text)).toEqual({
      nameservers: ['10.0.0.2', '2001:db8::1', 'fe80::1%eth0'],
      ip4_nameservers: ['10.0.0.2'],
      ip6_nameservers: ['2001:db8::1', 'fe80::1%eth0'],
      sortlist: ['130.155.160.0/255.255.240.0', '130.155.0.0/255.255.0.0', '192.168.1.0/255.255.255.0'],
      domain: 'corp.example',
      search: ['corp.example', 'example.com'],
      options: ['ndots:2', 'rotate'],
    });
    expect(parseResolv(undefined)).toEqual({});
  });

  test('default gateways from /proc/net/route and /proc/net/ipv6_route', () => {
    const route = 'Iface\tDestination\tGateway \tFlags\tRefCnt\tUse\tMetric\tMask\t\tMTU\tWindow\tIRTT\neth0\t000200C0\t00000000\t0001\t0\t0\t0\t00FFFFFF\t0\t0\t0\neth0\t00000000\t010200C0\t0003\t0\t0\t0\t00000000\t0\t0\t0\n';
    expect(parseProcRoute(route)).toBe('192.0.2.1');
    expect(parseProcRoute('Iface\tDestination\tGateway\nwg0\t00000000\t00000000\t0001\t0\t0\t0\t00000000\t0\t0\t0\n')).toBe(true);
    expect(parseProcRoute(route.split('\n').slice(0, 2).join('\n'))).toBe(false);
    const r6 = [
      'fd000000000000000000000000000000 40 00000000000000000000000000000000 00 00000000000000000000000000000000 00000100 00000001 00000000 00000001     eth0',
      '00000000000000000000000000000000 00 00000000000000000000000000000000 00 fd000000000000000000000000000001 00000400 00000002 00000000 00000003     eth0',
      '00000000000000000000000000000000 00 00000000000000000000000000000000 00 00000000000000000000000000000000 ffffffff 00000001 00000000 00200200       lo',
    ].join('\n');
    expect(parseIpv6Route(r6)).toBe('fd00::1');
    expect(parseIpv6Route(r6.split('\n')[2])).toBe(false);
  });

  test('/etc/hosts → fqdn, host, domain, fqdn_ip4/6, fqdns', () => {
    const hosts = parseHosts('127.0.0.1 localhost\n127.0.1.1 box.example.com box # me\n10.0.0.5 box.example.com\n::1 localhost ip6-localhost\n192.0.2.7 www.example.org www\n');
    expect(hostnameGrains('box', hosts)).toEqual({ localhost: 'box', fqdn: 'box.example.com', host: 'box', domain: 'example.com' });
    expect(hostnameGrains('other', hosts)).toEqual({ localhost: 'other', fqdn: 'other', host: 'other', domain: '' });
    expect(fqdnIps('box.example.com', hosts, ['127.0.0.1'], ['::1'])).toEqual({ fqdn_ip4: ['127.0.1.1', '10.0.0.5'], fqdn_ip6: [] });
    expect(fqdnsFromHosts(['192.0.2.7', '10.9.9.9'], hosts)).toEqual(['www.example.org']);
  });
});

describe('virtual (expected values from Salt 3006.1 _virtual on the same inputs)', () => {
  const facts = (f: Partial<VirtFacts>): VirtFacts => ({ commands: [], ...f });
  const sdv = (out: string, rc = 0) => ({ name: 'systemd-detect-virt' as const, rc, out });
  test.each<[string, Partial<VirtFacts>, object]>([
    ['bare metal', { commands: [sdv('none', 1)], cgroup1: '0::/init.scope\n' }, { virtual: 'physical' }],
    ['kvm', { commands: [sdv('kvm')], dmidecodeSystem: 'System Information\n\tManufacturer: QEMU\n' }, { virtual: 'kvm' }],
    ['docker, cgroup v1', { cgroup1: '12:cpu,cpuacct:/docker/3aab1d99\n1:name=systemd:/docker/3aab1d99\n' }, { virtual: 'container', virtual_subtype: 'Docker' }],
    ['lxc via environ', { commands: [sdv('container-other')], cgroup1: '0::/\n', environ1: 'PATH=/bin\0container=lxc\0' }, { virtual: 'container', virtual_subtype: 'LXC' }],
    ['VirtualBox DMI', { dmiProductName: 'VirtualBox\n' }, { virtual: 'VirtualBox' }],
    ['GCE', { commands: [sdv('kvm')], dmiProductName: 'Google Compute Engine\n' }, { virtual: 'gce' }],
    ['kubepods', { cgroup1: '11:memory:/kubepods/besteffort/pod1/abc\n' }, { virtual: 'virtual', virtual_subtype: 'kubernetes' }],
    ['EC2 Nitro', { commands: [sdv('amazon')] }, { virtual: 'Nitro', virtual_subtype: 'Amazon EC2' }],
    ['EC2 via dmidecode', { commands: [sdv('kvm')], dmidecodeSystem: 'System Information\n\tManufacturer: Amazon EC2\n\tProduct Name: m5.large\n' }, { virtual: 'Nitro', virtual_subtype: 'Amazon EC2 (m5.large)' }],
    ['dmidecode only', { commands: [{ name: 'dmidecode', rc: 0, out: 'BIOS Information\n\tVendor: SeaBIOS\nSystem Information\n\tManufacturer: QEMU' }] }, { virtual: 'kvm' }],
    ['lspci virtio', { commands: [{ name: 'lspci', rc: 0, out: '00:03.0 Ethernet controller: Red Hat, Inc. Virtio network device' }] }, { virtual: 'kvm' }],
    ['virt-what', { commands: [{ name: 'virt-what', rc: 0, out: 'hyperv\nkvm' }] }, { virtual: 'HyperV' }],
    ['Xen PV domU', { xen: { present: true, xsdKva: false, capabilities: '', sysBusXen: true, xenconsole: false } }, { virtual: 'xen', virtual_subtype: 'Xen PV DomU' }],
    ['Xen dom0', { xen: { present: true, xsdKva: true, capabilities: 'control_d\n', sysBusXen: false, xenconsole: false } }, { virtual: 'xen', virtual_subtype: 'Xen Dom0' }],
    ['OpenVZ VE', { procVz: { version: false, veinfo: true }, selfStatus: 'Name:\tx\nenvID:\t101\n' }, { virtual: 'openvzve' }],
    ['chroot', { chroot: true, cgroup1: '0::/\n' }, { virtual: 'virtual', virtual_subtype: 'chroot' }],
    ['QEMU CPU', { cpuinfo: 'model name\t: QEMU Virtual CPU version 2.5+\n' }, { virtual: 'kvm' }],
    // The one deliberate difference: Salt 3006.1 says "physical" here; later 3006.x (saltstack/salt#67906) says this.
    ['docker, cgroup v2 (3006.x fix)', { commands: [sdv('docker')], cgroup1: '0::/\n' }, { virtual: 'container', virtual_subtype: 'Docker' }],
    ['podman (3006.x fix)', { commands: [sdv('podman')] }, { virtual: 'container', virtual_subtype: 'Podman' }],
  ])('%s', (_name, f, expected) => {
    expect(detectVirtual(facts(f))).toEqual(expected);
  });

  test("Salt's helper order", () => {
    const has = (names: string[]) => (n: string) => names.includes(n);
    expect(virtCommandOrder(has(['systemd-detect-virt', 'dmidecode', 'lspci']), true)).toEqual(['systemd-detect-virt', 'dmidecode', 'lspci']);
    expect(virtCommandOrder(has(['virt-what', 'systemd-detect-virt']), false)).toEqual(['virt-what']);
    expect(virtCommandOrder(has(['lspci']), false)).toEqual([]);
  });
});

describe('probe pass', () => {
  test('one shell, outputs and exit codes split back per probe', () => {
    const specs = [
      { name: 'a', bins: [], cmd: "printf 'one\\ntwo\\n'" },
      { name: 'b', bins: [], cmd: 'exit 3' },
      { name: 'c', bins: [], cmd: "printf 'no newline'" },
    ];
    const r = spawnSync('/bin/sh', ['-c', probeScript(specs)], { encoding: 'utf8' });
    expect(parseProbeOutput(r.stdout)).toEqual({ a: { rc: 0, out: 'one\ntwo' }, b: { rc: 3, out: '' }, c: { rc: 0, out: 'no newline' } });
  });
});
