/**
 * Operating-system grains, as salt/grains/core.py (Salt 3006.1) derives them on Linux: os-release → os, os_family,
 * osfullname, osrelease, oscodename (+ osrelease_info, osmajorrelease, osfinger), the lsb_distrib_* grains, init,
 * selinux, locale_info, kernelparams; plus extra.py (shell, efi, transactional) and minion_process.py (user/group).
 * The parsers are pure (text in, grains out) so they can be tested with fixture strings.
 */
import * as fs from 'fs';
import * as os from 'os';
import type { Dict } from '@brine/core';
import { exists, isDir, isFile, listDir, readText, readTrim, which } from './util';

export type OsRelease = Record<string, string>;

const OS_RELEASE_LINE = /^([a-zA-Z0-9_]+)=(["']?)(.*)\2$/;

/** `platform.freedesktop_os_release()` (Python 3.10, which Salt 3006 runs on): NAME/ID/PRETTY_NAME default to Linux. */
export function parseOsRelease(text: string): OsRelease {
  const ret: OsRelease = { NAME: 'Linux', ID: 'linux', PRETTY_NAME: 'Linux' };
  for (const line of text.split('\n')) {
    const m = OS_RELEASE_LINE.exec(line);
    if (m) ret[m[1]!] = m[3]!.replace(/\\([\\$"'`])/g, '$1');
  }
  return ret;
}

export function readOsRelease(): OsRelease | undefined {
  for (const f of ['/etc/os-release', '/usr/lib/os-release']) {
    const t = readText(f);
    if (t !== undefined) return parseOsRelease(t);
  }
  return undefined;
}

const LSB_LINE = /^(DISTRIB_(?:ID|RELEASE|CODENAME|DESCRIPTION))=(?:'|")?([\w\s.\-_]+)(?:'|")?/;

/** Salt's `_parse_lsb_release`: /etc/lsb-release → lsb_distrib_{id,release,codename,description}. */
export function parseLsbRelease(text: string): Dict {
  const ret: Dict = {};
  for (const line of text.split('\n')) {
    const m = LSB_LINE.exec(line);
    if (m) ret[`lsb_${m[1]!.toLowerCase()}`] = m[2]!.trimEnd();
  }
  return ret;
}

/**
 * What `lsb_release` (Debian's lsb-release 12) prints, derived from os-release. Salt 3006 fills lsb_distrib_* from
 * Debian's python `lsb_release` module; Debian 12 no longer ships it (nor /etc/lsb-release), so a onedir Salt on
 * Debian 12 has no lsb_distrib_* grains at all. Brine reports what the lsb_release command says instead.
 */
export function lsbFromOsRelease(r: OsRelease): Dict {
  let id = r['ID'] ? r['ID'].charAt(0).toUpperCase() + r['ID'].slice(1) : '';
  if (r['NAME'] !== undefined && id.toLowerCase() === r['NAME'].toLowerCase()) id = r['NAME'];
  const out: Dict = {};
  if (id) out['lsb_distrib_id'] = id;
  if (r['PRETTY_NAME']) out['lsb_distrib_description'] = r['PRETTY_NAME'];
  if (r['VERSION_ID']) out['lsb_distrib_release'] = r['VERSION_ID'];
  if (r['VERSION_CODENAME']) out['lsb_distrib_codename'] = r['VERSION_CODENAME'];
  return out;
}

const OS_NAME_MAP: Record<string, string> = {
  redhatente: 'RedHat', gentoobase: 'Gentoo', archarm: 'Arch ARM', arch: 'Arch', debian: 'Debian', Junos: 'Junos', raspbian: 'Raspbian',
  fedoraremi: 'Fedora', chapeau: 'Chapeau', korora: 'Korora', amazonami: 'Amazon', alt: 'ALT', enterprise: 'OEL', oracleserv: 'OEL',
  cloudserve: 'CloudLinux', cloudlinux: 'CloudLinux', almalinux: 'AlmaLinux', pidora: 'Fedora', scientific: 'ScientificLinux',
  synology: 'Synology', nilrt: 'NILinuxRT', poky: 'Poky', manjaro: 'Manjaro', manjarolin: 'Manjaro', univention: 'Univention',
  antergos: 'Antergos', sles: 'SUSE', void: 'Void', slesexpand: 'RES', linuxmint: 'Mint', neon: 'KDE neon', pop: 'Pop', rocky: 'Rocky',
  alibabaclo: 'Alinux', mendel: 'Mendel',
};

const ID_AND_NAME_TO_OS: Record<string, string> = {
  'astra\0Astra Linux (Orel)': 'AstraLinuxCE',
  'astra\0Astra Linux (Smolensk)': 'AstraLinuxSE',
  'pop\0Pop!_OS': 'Pop',
};

export const OS_FAMILY_MAP: Record<string, string> = {
  Ubuntu: 'Debian', Fedora: 'RedHat', Chapeau: 'RedHat', Korora: 'RedHat', FedBerry: 'RedHat', CentOS: 'RedHat', 'CentOS Stream': 'RedHat',
  GoOSe: 'RedHat', Scientific: 'RedHat', Amazon: 'RedHat', CloudLinux: 'RedHat', AlmaLinux: 'RedHat', OVS: 'RedHat', OEL: 'RedHat',
  XCP: 'RedHat', 'XCP-ng': 'RedHat', XenServer: 'RedHat', RES: 'RedHat', Sangoma: 'RedHat', 'VMware Photon OS': 'RedHat',
  Mandrake: 'Mandriva', Mint: 'Debian', VMwareESX: 'VMware', Bluewhite64: 'Bluewhite', Slamd64: 'Slackware', SLES: 'Suse',
  'SUSE Enterprise Server': 'Suse', 'SUSE  Enterprise Server': 'Suse', SLED: 'Suse', openSUSE: 'Suse', SUSE: 'Suse',
  'openSUSE Leap': 'Suse', 'openSUSE Tumbleweed': 'Suse', SLES_SAP: 'Suse', 'Arch ARM': 'Arch', Manjaro: 'Arch', Antergos: 'Arch',
  EndeavourOS: 'Arch', ALT: 'RedHat', Trisquel: 'Debian', GCEL: 'Debian', Linaro: 'Debian', 'elementary OS': 'Debian',
  elementary: 'Debian', Univention: 'Debian', ScientificLinux: 'RedHat', Raspbian: 'Debian', Devuan: 'Debian', antiX: 'Debian',
  Kali: 'Debian', 'Parrot OS': 'Debian', neon: 'Debian', Cumulus: 'Debian', Deepin: 'Debian', NILinuxRT: 'NILinuxRT',
  'KDE neon': 'Debian', Void: 'Void', IDMS: 'Debian', Funtoo: 'Gentoo', TurnKey: 'Debian', Pop: 'Debian', Rocky: 'RedHat',
  AstraLinuxCE: 'Debian', AstraLinuxSE: 'Debian', Alinux: 'RedHat', Mendel: 'Debian', OSMC: 'Debian',
};

/** Salt's `_derive_os_grain`: "Debian GNU/Linux" → "Debian", "Red Hat Enterprise Linux" → "RedHat". */
export function deriveOsGrain(osfullname: string, osId?: string): string {
  const special = osId !== undefined ? ID_AND_NAME_TO_OS[`${osId}\0${osfullname}`] : undefined;
  if (special) return special;
  const distroname = osfullname.replace(/\W(?:gnu\/)?linux/gi, '').trim();
  const shortname = distroname.replace(/ /g, '').toLowerCase().slice(0, 10);
  return OS_NAME_MAP[shortname] ?? distroname;
}

function familyId(osId: string, idLike: string | undefined): string {
  if (!idLike) return osId;
  const ids = [osId, ...idLike.split(/\s+/).filter(Boolean)];
  if (ids.includes('debian') || ids.includes('ubuntu')) return 'debian';
  return ids[ids.length - 1]!;
}

function prettifyFamily(id: string): string {
  if (id === 'fedora') return 'RedHat';
  return id ? id.charAt(0).toUpperCase() + id.slice(1).toLowerCase() : id; // Python str.capitalize()
}

const VERSION_RE = /^\d[\d.+\-a-z]* \((.+)\)/;
const PRETTY_NAME_RE = /^[^\d]+ (\d[\d.+\-a-z]*) \((.+)\)/;

/** Distributions Salt 3006.1 derives solely from os-release. */
const OS_RELEASE_ONLY = new Set(['almalinux', 'astra', 'debian', 'linuxmint', 'mendel', 'pop', 'rocky', 'ubuntu']);

function osReleaseToGrains(r: OsRelease): Dict {
  const id = r['ID'] ?? 'linux';
  let codename: string | undefined = r['VERSION_CODENAME'];
  if (!codename && id === 'astra') codename = r['VARIANT_ID'];
  if (!codename && (id === 'almalinux' || id === 'rocky')) codename = VERSION_RE.exec(r['VERSION'] ?? '')?.[1];
  let release: string | undefined = r['VERSION_ID'];
  if (!release && id === 'mendel') release = PRETTY_NAME_RE.exec(r['PRETTY_NAME'] ?? '')?.[1];
  const g: Dict = {
    os: deriveOsGrain(r['NAME'] ?? 'Linux', id),
    os_family: prettifyFamily(familyId(id, r['ID_LIKE'])),
    osfullname: (r['NAME'] ?? 'Linux').trim(),
  };
  // Salt keeps empty/None oscodename and osrelease values (its filter tests the key, not the value).
  g['oscodename'] = codename ?? null;
  g['osrelease'] = release ?? null;
  return g;
}

/** Salt's `_parse_cpe_name` (only the vendor/version fields matter for the SUSE quirks). */
export function parseCpeName(cpe: string | undefined): { vendor?: string | null; product?: string | null; version?: string | null } {
  const p = (cpe ?? '').split(':');
  if (p.length > 4 && p[0] === 'cpe') {
    if (p[1]!.startsWith('/')) return { vendor: p[2], product: p[3], version: p[4] };
    const star = (x: string | undefined) => (x === '*' ? null : x);
    if ((p.length === 6 || (p.length > 7 && p.length <= 13)) && p[1] === '2.3') return { vendor: star(p[3]), product: star(p[4]), version: star(p[5]) };
  }
  return {};
}

/** Extra inputs of the legacy (non-os-release) path: /etc/lsb-release and a distro release file's first line. */
export interface DistroFiles {
  lsbRelease?: string;
  /** e.g. the first line of /etc/centos-release or /etc/redhat-release (what the `distro` library falls back to). */
  releaseFile?: string;
}

function releaseFileVersion(line: string | undefined): { version?: string; codename?: string } {
  if (!line) return {};
  const m = /release\s+([\d.]+)(?:\s*\(([^)]+)\))?/i.exec(line) ?? /([\d.]+)(?:\s*\(([^)]+)\))?/.exec(line);
  return m ? { version: m[1], codename: m[2] } : {};
}

/**
 * Salt's `_linux_distribution_data` (+ `_legacy_linux_distribution_data` for distributions Salt does not take solely
 * from os-release), as a onedir Salt 3006.1 computes it: no python `lsb_release` module, so lsb_distrib_* come from
 * /etc/lsb-release or, on the legacy path, from os-release. On the os-release-only path (Debian, Ubuntu, …) Brine adds
 * the lsb_distrib_* grains `lsb_release` reports when /etc/lsb-release gave none (see lsbFromOsRelease).
 */
export function linuxDistributionData(r: OsRelease | undefined, files: DistroFiles = {}): Dict {
  const g: Dict = files.lsbRelease ? parseLsbRelease(files.lsbRelease) : {};
  if (r) {
    Object.assign(g, osReleaseToGrains(r));
    if (OS_RELEASE_ONLY.has(r['ID'] ?? '')) {
      if (!('lsb_distrib_id' in g)) Object.assign(g, lsbFromOsRelease(r));
      return g;
    }
    delete g['osrelease'];
  }
  // Legacy heuristics (lsb_has_error is always true without the python lsb_release module).
  const rel = r ?? {};
  if (String(g['lsb_distrib_description'] ?? '').toLowerCase().startsWith('antergos')) {
    g['osfullname'] = 'Antergos Linux';
  } else if (!('lsb_distrib_id' in g) && r) {
    if (rel['NAME'] !== undefined) g['lsb_distrib_id'] = rel['NAME'].trim();
    if (rel['VERSION_ID'] !== undefined) g['lsb_distrib_release'] = rel['VERSION_ID'];
    if (rel['VERSION_CODENAME'] !== undefined) g['lsb_distrib_codename'] = rel['VERSION_CODENAME'];
    else if (rel['PRETTY_NAME'] !== undefined) g['lsb_distrib_codename'] = rel['PRETTY_NAME'];
    if (rel['CPE_NAME'] !== undefined) {
      const cpe = parseCpeName(rel['CPE_NAME']);
      if (['suse', 'opensuse'].includes(String(cpe.vendor ?? '').toLowerCase())) {
        g['os'] = 'SUSE';
        if (rel['NAME'] === 'openSUSE Leap') g['osfullname'] = 'Leap';
        else if (rel['VERSION'] === 'Tumbleweed') g['osfullname'] = rel['VERSION'];
        if (cpe.version && cpe.vendor === 'opensuse') g['lsb_distrib_release'] = cpe.version;
      }
    }
  }
  // The `distro` library's (name, best version, codename).
  const rf = releaseFileVersion(files.releaseFile);
  const distroName = rel['NAME'] ?? '';
  const versions = [rel['VERSION_ID'], rf.version].filter((v): v is string => !!v);
  const distroVersion = versions.sort((a, b) => b.split('.').length - a.split('.').length)[0] ?? '';
  const distroCodename = rel['VERSION_CODENAME'] ?? rel['UBUNTU_CODENAME'] ?? /\((\D+)\)|,\s*(\D+)/.exec(rel['VERSION'] ?? '')?.slice(1).find(Boolean) ?? rf.codename ?? '';
  if (!('osfullname' in g)) {
    const lid = String(g['lsb_distrib_id'] ?? '');
    g['osfullname'] = lid.toLowerCase().startsWith('nilrt') ? 'nilrt' : (lid || distroName).trim();
  }
  if (!('osrelease' in g)) {
    const cn = String(g['lsb_distrib_codename'] ?? '');
    if (cn.includes('CentOS Linux 7') || cn.includes('CentOS Linux 8')) delete g['lsb_distrib_release'];
    g['osrelease'] = String(g['lsb_distrib_release'] ?? distroVersion).trim();
  }
  g['oscodename'] = String(g['lsb_distrib_codename'] ?? '').trim() || distroCodename;
  if (String(g['oscodename']).includes('Red Hat')) g['oscodename'] = distroCodename;
  if (!('os' in g)) g['os'] = deriveOsGrain(String(g['osfullname']));
  g['os_family'] = OS_FAMILY_MAP[String(g['os'])] ?? g['os'];
  return g;
}

/** Salt's `_osrelease_data`: osrelease_info (ints where numeric), osmajorrelease (int), osfinger. */
export function osreleaseData(osName: string, osfullname: string, osrelease: string): Dict {
  const info: (string | number)[] = osrelease.split('.').map((v) => (/^\d+$/.test(v) ? Number(v) : v));
  const g: Dict = { osrelease_info: info };
  const major = info[0];
  if (typeof major === 'number') g['osmajorrelease'] = major;
  else if (typeof major === 'string' && /^\s*[+-]?\d+\s*$/.test(major)) g['osmajorrelease'] = Number(major);
  const name = ['Debian', 'FreeBSD', 'OpenBSD', 'NetBSD', 'Mac', 'Raspbian'].includes(osName) ? osName : osfullname;
  g['osfinger'] = `${name}-${osName === 'Ubuntu' || osName === 'Pop' ? osrelease : String(info[0])}`;
  return g;
}

/** Debian's `dpkg --print-architecture` for a kernel machine name (used when dpkg cannot be asked). */
const DPKG_ARCH: Record<string, string> = {
  x86_64: 'amd64', aarch64: 'arm64', armv7l: 'armhf', armv6l: 'armel', i386: 'i386', i486: 'i386', i586: 'i386', i686: 'i386',
  ppc64le: 'ppc64el', ppc64: 'ppc64', s390x: 's390x', riscv64: 'riscv64', mips64: 'mips64el', loongarch64: 'loong64',
};

/** Salt's `_osarch`: dpkg's architecture on Debian, rpm's %{_host_cpu} on RedHat/Suse, else the CPU architecture. */
export function osarchFallback(osFamily: string | undefined, cpuarch: string): string {
  if (osFamily === 'Debian') return DPKG_ARCH[cpuarch] ?? cpuarch;
  return cpuarch || 'unknown';
}

/** Salt's `_linux_init_system`. */
export function linuxInitSystem(): string {
  if (exists('/run/systemd/system')) return 'systemd';
  const raw = readText('/proc/1/cmdline');
  if (raw === undefined) return 'unknown';
  const cmdline = raw.replace(/\0/g, ' ').split(/\s+/).filter(Boolean);
  const initBin = cmdline[0] !== undefined ? which(cmdline[0]) : undefined;
  if (initBin !== undefined && initBin.endsWith('bin/init')) {
    const data = readBinary(initBin);
    if (data) {
      // Salt reads file_buffer_size (256 KiB) chunks and takes the first name found in a chunk, in this order.
      const items = ['upstart', 'sysvinit', 'systemd'];
      const CHUNK = 262144;
      for (let off = 0; off < data.length; off += CHUNK) {
        const chunk = data.toString('latin1', Math.max(0, off - 7), Math.min(data.length, off + CHUNK)).toLowerCase();
        const hit = items.find((i) => chunk.includes(i));
        if (hit) return hit;
      }
    }
    return 'unknown';
  }
  const inCmd = (name: string) => {
    const p = which(name);
    return p !== undefined && cmdline.includes(p);
  };
  if (inCmd('supervisord')) return 'supervisord';
  if (inCmd('dumb-init')) return 'dumb-init';
  if (inCmd('tini')) return 'tini';
  if (cmdline.length === 1 && cmdline[0] === 'runit') return 'runit';
  if (cmdline.includes('/sbin/my_init')) return 'runit';
  return 'unknown';
}

function readBinary(file: string): Buffer | undefined {
  if (!fs.existsSync(file)) return undefined;
  try {
    return fs.readFileSync(file);
  } catch {
    return undefined;
  }
}

/** Salt's `_selinux` (only when `selinuxenabled` exists), read from selinuxfs instead of running the two tools. */
export function selinuxGrain(): Dict | undefined {
  if (!which('selinuxenabled')) return undefined;
  const enforce = readTrim('/sys/fs/selinux/enforce') ?? readTrim('/selinux/enforce');
  const enabled = enforce !== undefined;
  const g: Dict = { enabled };
  if (which('getenforce')) g['enforced'] = !enabled ? 'Disabled' : enforce === '1' ? 'Enforcing' : 'Permissive';
  return g;
}

// ---- locale_info ---------------------------------------------------------------------------------------------------

const ENCODING_ALIAS: Record<string, string> = {
  utf8: 'UTF-8', eucjp: 'eucJP', euckr: 'eucKR', euctw: 'eucTW', gb2312: 'eucCN', euccn: 'eucCN', koi8r: 'KOI8-R', koi8u: 'KOI8-U',
  big5: 'BIG5', gbk: 'GBK', gb18030: 'GB18030', ascii: 'ISO8859-1', 'ansi_x3.4-1968': 'ISO8859-1',
};

function normEncoding(enc: string): string {
  const e = enc.toLowerCase().replace(/[-_]/g, '');
  const iso = /^(?:iso8859|latin)(\d+)$/.exec(e);
  if (iso) return e.startsWith('latin') ? (iso[1] === '1' ? 'ISO8859-1' : `ISO8859-${iso[1]}`) : `ISO8859-${iso[1]}`;
  return ENCODING_ALIAS[e] ?? enc;
}

/** Python's `locale.normalize` + `_parse_localename` for the common shapes; throws for an unknown locale like Python. */
export function parseLocaleName(name: string): [string | null, string | null] {
  const lower = name.toLowerCase();
  if (lower === 'c' || lower === 'posix') return [null, null];
  let code = name.replace(/:/g, '.');
  let modifier = '';
  const at = code.indexOf('@');
  if (at >= 0) {
    modifier = code.slice(at + 1);
    code = code.slice(0, at);
  }
  const dot = code.indexOf('.');
  let lang = dot >= 0 ? code.slice(0, dot) : code;
  const encoding = dot >= 0 ? code.slice(dot + 1) : '';
  if (lang.toLowerCase() === 'c' && encoding) return ['en_US', normEncoding(encoding)]; // locale_alias: 'c.utf8' → 'en_US.UTF-8'
  if (lower === 'utf-8' || lower === 'utf8') return [null, 'UTF-8'];
  const m = /^([a-zA-Z]{2,3})(?:_([a-zA-Z]{2,3}))?$/.exec(lang);
  if (!m) {
    if (dot >= 0) return [lang, encoding];
    throw new Error(`unknown locale: ${name}`);
  }
  lang = m[2] ? `${m[1]!.toLowerCase()}_${m[2].toUpperCase()}` : m[1]!.toLowerCase();
  if (modifier === 'euro' && !encoding) return [lang, 'iso-8859-15'];
  return [lang, encoding ? normEncoding(encoding) : 'ISO8859-1'];
}

function localeInstalled(name: string): boolean {
  const lower = name.toLowerCase();
  if (lower === 'c' || lower === 'posix' || /^c\.utf-?8$/.test(lower)) return true;
  const dot = name.indexOf('.');
  const norm = dot >= 0 ? `${name.slice(0, dot)}.${name.slice(dot + 1).toLowerCase().replace(/-/g, '')}` : name;
  return isDir(`/usr/lib/locale/${name}`) || isDir(`/usr/lib/locale/${norm}`) || exists('/usr/lib/locale/locale-archive');
}

/**
 * Salt's locale_info: Python's `locale.getdefaultlocale()` (after Python's PEP 538 C-locale coercion, which sets
 * LC_CTYPE=C.UTF-8 when the locale is C/POSIX or not installed), the stdin encoding, and dateutil's local tzname.
 */
export function localeInfo(env: NodeJS.ProcessEnv = process.env, installed: (n: string) => boolean = localeInstalled, timezone = timezoneName(env)): Dict {
  const e = (k: string) => env[k] || undefined;
  let lcCtype = e('LC_CTYPE');
  const ctypeName = e('LC_ALL') ?? lcCtype ?? e('LANG') ?? 'C';
  const legacy = ['C', 'POSIX'].includes(ctypeName) || !installed(ctypeName);
  if (!e('LC_ALL') && legacy && env['PYTHONCOERCECLOCALE'] !== '0') lcCtype = 'C.UTF-8';
  let name = e('LC_ALL') ?? lcCtype ?? e('LANG') ?? e('LANGUAGE')?.split(':')[0] ?? 'C';
  if (!name) name = 'C';
  let lang: string | null;
  let enc: string | null;
  try {
    [lang, enc] = parseLocaleName(name);
  } catch {
    [lang, enc] = ['unknown', 'unknown'];
  }
  // sys.stdin.encoding: UTF-8 mode (PEP 540) or a UTF-8 codeset gives 'utf-8'; otherwise the locale's codeset.
  const effective = e('LC_ALL') ?? lcCtype ?? e('LANG') ?? 'C';
  const codeset = effective.includes('.') ? effective.slice(effective.indexOf('.') + 1).replace(/@.*/, '') : '';
  let detected = 'utf-8';
  if (!legacy && codeset && !/^utf-?8$/i.test(codeset)) {
    const n = normEncoding(codeset);
    detected = n.startsWith('ISO8859-') ? `ISO-8859-${n.slice(8)}` : n;
  } else if (!legacy && !codeset && !/utf-?8/i.test(effective)) detected = 'ISO-8859-1';
  return { defaultlanguage: lang, defaultencoding: enc, detectedencoding: detected, timezone };
}

/** The POSIX TZ string at the end of a TZif (v2+) file. */
function tzifFooter(buf: Buffer | undefined): string | undefined {
  if (!buf || buf.length < 5 || buf.toString('latin1', 0, 4) !== 'TZif') return undefined;
  const text = buf.toString('latin1');
  const end = text.endsWith('\n') ? text.length - 1 : text.length;
  const start = text.lastIndexOf('\n', end - 1);
  return start >= 0 ? text.slice(start + 1, end) : undefined;
}

/** std/dst abbreviations and std offset (seconds east of UTC) of a POSIX TZ string such as `CET-1CEST,M3.5.0,M10.5.0/3`. */
export function parsePosixTz(tz: string): { std: string; dst?: string; stdOffset: number } | undefined {
  const name = '(<[^>]+>|[A-Za-z]{3,})';
  const off = '([+-]?\\d{1,2}(?::\\d{2}(?::\\d{2})?)?)';
  const m = new RegExp(`^${name}${off}(?:${name})?`).exec(tz);
  if (!m) return undefined;
  const strip = (s: string) => s.replace(/^<|>$/g, '');
  const [h = '0', mi = '0', s = '0'] = m[2]!.replace(/^[+-]/, '').split(':');
  const secs = Number(h) * 3600 + Number(mi) * 60 + Number(s);
  return { std: strip(m[1]!), dst: m[3] ? strip(m[3]) : undefined, stdOffset: m[2]!.startsWith('-') ? secs : -secs };
}

/** dateutil's `datetime.now(tzlocal()).tzname()`: the libc abbreviation of the local zone now (UTC when unknown). */
export function timezoneName(env: NodeJS.ProcessEnv = process.env, now = new Date()): string {
  let footer: string | undefined;
  const tz = env['TZ'];
  if (tz !== undefined) {
    const t = tz.replace(/^:/, '');
    if (t === '') return 'UTC';
    const file = t.startsWith('/') ? t : `/usr/share/zoneinfo/${t}`;
    footer = tzifFooter(readBinary(file)) ?? (t.startsWith('/') ? undefined : t);
  } else {
    footer = tzifFooter(readBinary('/etc/localtime'));
    if (footer === undefined && !exists('/etc/localtime')) return 'UTC';
  }
  const p = footer ? parsePosixTz(footer) : undefined;
  if (!p) return 'UTC';
  if (!p.dst) return p.std;
  const offsetNow = -now.getTimezoneOffset() * 60;
  return offsetNow === p.stdOffset ? p.std : p.dst;
}


/** `shlex.split` (POSIX mode, no comments) as salt.utils.args.shlex_split uses it for /proc/cmdline. */
export function shlexSplit(s: string): string[] {
  if (!/['"\\]/.test(s)) return s.split(/\s+/).filter(Boolean);
  const out: string[] = [];
  let cur = '';
  let inWord = false;
  let quote: '"' | "'" | null = null;
  for (let i = 0; i < s.length; i++) {
    const c = s[i]!;
    if (quote === "'") {
      if (c === "'") quote = null;
      else cur += c;
    } else if (quote === '"') {
      if (c === '"') quote = null;
      else if (c === '\\' && i + 1 < s.length && '\\"$`\n'.includes(s[i + 1]!)) cur += s[++i];
      else cur += c;
    } else if (/\s/.test(c)) {
      if (inWord) out.push(cur);
      cur = '';
      inWord = false;
    } else {
      inWord = true;
      if (c === "'" || c === '"') quote = c;
      else if (c === '\\' && i + 1 < s.length) cur += s[++i];
      else cur += c;
    }
  }
  if (inWord) out.push(cur);
  return out;
}

/** Salt's kernelparams grain: [[key, value-or-null], …] from /proc/cmdline. */
export function parseKernelParams(cmdline: string): [string, string | null][] {
  return shlexSplit(cmdline).map((item) => {
    const data = item.split('=');
    return [data[0]!, data.length === 2 ? data[1]!.replace(/^"+|"+$/g, '') : null];
  });
}

/** extra.py `uefi`: efi / efi-secure-boot. */
export function efiGrains(): Dict {
  const dir = ['/sys/firmware/efi/efivars', '/sys/firmware/efi/vars'].find(exists);
  let secure = false;
  if (dir) {
    // Salt globs `SecureBoot-*/data`, which only the legacy sysfs `vars` layout has (efivarfs entries are plain files).
    const sb = listDir(dir).filter((n) => n.startsWith('SecureBoot-') && isFile(`${dir}/${n}/data`));
    if (sb.length === 1) {
      const data = readBinary(`${dir}/${sb[0]}/data`);
      secure = !!data && data.length > 0 && data[data.length - 1] === 1;
    }
  }
  return { efi: dir !== undefined, 'efi-secure-boot': secure };
}

/** minion_process.py: username, groupname, uid, gid, pid (effective ids, like Salt). */
export function processGrains(): Dict {
  let username = '';
  let pwGid: number | undefined;
  try {
    const u = os.userInfo();
    username = u.username;
    pwGid = u.gid;
  } catch {
    /* no passwd entry for this uid */
  }
  let groupname = '';
  if (pwGid !== undefined) {
    for (const line of (readText('/etc/group') ?? '').split('\n')) {
      const f = line.split(':');
      if (f.length >= 3 && Number(f[2]) === pwGid && f[2] !== '') {
        groupname = f[0]!;
        break;
      }
    }
  }
  return {
    username,
    groupname,
    pid: process.pid,
    gid: process.getegid ? process.getegid() : 0,
    uid: process.geteuid ? process.geteuid() : 0,
  };
}

/** Salt's `_ps` for a Linux minion. */
export function psGrain(osName: string, osFamily: string, virtual: string): string {
  if (['FreeBSD', 'NetBSD', 'OpenBSD', 'MacOS'].includes(osName)) return 'ps auxwww';
  if (virtual === 'openvzhn') {
    return 'ps -fH -p $(grep -l "^envID:[[:space:]]*0\\$" /proc/[0-9]*/status | sed -e "s=/proc/\\([0-9]*\\)/.*=\\1=")  | awk \'{ $7=""; print }\'';
  }
  if (osFamily === 'NILinuxRT') return 'ps -o user,pid,ppid,tty,time,comm';
  return 'ps -efHww';
}
