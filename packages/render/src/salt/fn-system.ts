/** cmd.has_exec / cmd.which, alternatives.show_current, status.time, user.info, group.info (the passwd and group databases), dig.A / dig.AAAA, test.*. */
import { spawnSync } from 'child_process';
import * as fs from 'fs';
import { TemplateError } from '../jinja/errors';
import { PyDict } from '../jinja/values';
import type { FunctionTable } from './context';
import { codePointCompare, fn, str } from './py';
import { which } from './pypath';
import { strftime } from './filters-string';
import { ipAddress } from './ipaddr';

interface PwEntry {
  name: string;
  passwd: string;
  uid: number;
  gid: number;
  gecos: string;
  dir: string;
  shell: string;
}
interface GrEntry {
  name: string;
  passwd: string;
  gid: number;
  members: string[];
}

/** `getent DB [KEY]` lines, or the file's lines under `root` (or when getent is missing). */
function database(db: 'passwd' | 'group', key: string | null, root: string | null): string[] {
  if (root === null) {
    const r = spawnSync('getent', key === null ? [db] : [db, key], { encoding: 'utf8', timeout: 10000 });
    if (!r.error) return r.status === 0 ? r.stdout.split('\n').filter(Boolean) : [];
  }
  try {
    const lines = fs.readFileSync(`${root ?? ''}/etc/${db}`, 'utf8').split('\n').filter((l) => l && !l.startsWith('#'));
    return key === null ? lines : lines.filter((l) => l.split(':')[0] === key);
  } catch {
    return [];
  }
}

/** The passwd entry of `name` (getent: NSS users too), or null. */
export function pwnam(name: string, root: string | null): PwEntry | null {
  const line = database('passwd', name, root)[0];
  if (!line) return null;
  const f = line.split(':');
  if (f.length < 7) return null;
  return { name: f[0]!, passwd: f[1]!, uid: Number(f[2]), gid: Number(f[3]), gecos: f[4]!, dir: f[5]!, shell: f[6]! };
}

function groups(root: string | null): GrEntry[] {
  return database('group', null, root)
    .map((l) => l.split(':'))
    .filter((f) => f.length >= 4)
    .map((f) => ({ name: f[0]!, passwd: f[1]!, gid: Number(f[2]), members: f[3] ? f[3].split(',') : [] }));
}

/** salt.utils.user.get_group_list: the user's primary group and every group naming them, sorted. */
function groupList(pw: PwEntry): string[] {
  const names = new Set<string>();
  for (const g of groups(null)) if (g.gid === pw.gid || g.members.includes(pw.name)) names.add(g.name);
  return [...names].sort(codePointCompare);
}

/** dig +short HOST A|AAAA, answered through the system resolver (NSS: /etc/hosts, then DNS). */
function resolve(host: string, family: 4 | 6): string[] {
  const r = spawnSync('getent', [family === 4 ? 'ahostsv4' : 'ahostsv6', host], { encoding: 'utf8', timeout: 10000 });
  if (r.error || r.status !== 0) return [];
  const out: string[] = [];
  for (const line of r.stdout.split('\n')) {
    const ip = line.split(/\s+/)[0];
    if (!ip || out.includes(ip)) continue;
    const a = ipAddress(ip);
    if (!a || a.version !== family) continue;
    if (family === 6 && (ip.startsWith('::ffff:') || (a.ip >> 32n) === 0xffffn)) continue;
    out.push(ip);
  }
  return out;
}

function isDir(p: string): boolean {
  try {
    return fs.statSync(p).isDirectory();
  } catch {
    return false;
  }
}

export function systemFunctions(): FunctionTable {
  return {
    'cmd.has_exec': fn('has_exec', ['cmd'], (v) => which(str(v['cmd'])) !== null),
    'cmd.which': fn('which', ['cmd'], (v) => which(str(v['cmd']))),
    // status.time: datetime.datetime.today().strftime(format), the minion's local time.
    'status.time': fn('time', [['format', '%A, %d. %B %Y %I:%M%p']], (v) => {
      const now = new Date();
      return strftime(now, str(v['format']), now.getMilliseconds() * 1000);
    }),
    // alternatives.show_current: the target of /etc/alternatives/NAME, False when there is no such link; the module
    // only loads where /etc/alternatives is a directory.
    'alternatives.show_current': fn('show_current', ['name'], (v) => {
      if (!isDir('/etc/alternatives')) throw new TemplateError("'alternatives.show_current' is not available (no /etc/alternatives directory on this host)", 'runtime');
      try {
        return fs.readlinkSync(`/etc/alternatives/${str(v['name'])}`);
      } catch {
        return false;
      }
    }),
    'user.info': fn('info', ['name', ['root', null]], (v) => {
      const pw = pwnam(str(v['name']), v['root'] === null ? null : str(v['root']));
      if (!pw) return new PyDict();
      const gecos = pw.gecos.split(',');
      const head = gecos.slice(0, 4);
      const field = [...head, gecos.slice(4).join(',')];
      while (field.length < 5) field.push('');
      return new PyDict([
        ['gid', pw.gid],
        ['groups', groupList(pw)],
        ['home', pw.dir],
        ['name', pw.name],
        ['passwd', pw.passwd],
        ['shell', pw.shell],
        ['uid', pw.uid],
        ['fullname', field[0]],
        ['roomnumber', field[1]],
        ['workphone', field[2]],
        ['homephone', field[3]],
        ['other', field[4]],
      ]);
    }),
    'group.info': fn('info', ['name', ['root', null]], (v) => {
      const name = str(v['name']);
      const g = groups(v['root'] === null ? null : str(v['root'])).find((x) => x.name === name);
      if (!g) return new PyDict();
      return new PyDict([
        ['name', g.name],
        ['passwd', g.passwd],
        ['gid', g.gid],
        ['members', g.members],
      ]);
    }),
    'dig.A': fn('A', ['host', ['nameserver', null]], (v) => resolve(str(v['host']), 4)),
    'dig.AAAA': fn('AAAA', ['host', ['nameserver', null]], (v) => resolve(str(v['host']), 6)),
    'test.ping': fn('ping', [], () => true),
    'test.true': fn('true_', [], () => true),
    'test.false': fn('false_', [], () => false),
    'test.echo': fn('echo', ['text'], (v) => v['text']),
  };
}
