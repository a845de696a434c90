/** `brine key list|accept|reject|delete|finger`: like salt-key, on the master's key store; a running master is told at once. */
import { UsageError } from '@brine/core';
import { loadMasterOpts } from '@brine/config';
// The key store alone, not the master's index (its server, pillar and renderer cost `brine key list` ~30 ms to load).
import { KeyStore, type KeyState } from '@brine/master/dist/keys';
import * as fs from 'fs';
import * as path from 'path';
import { fingerprint } from '@brine/protocol/dist/crypto/keys';
import { stringify as toYaml } from 'yaml';
import { EXIT } from '../exit';
import type { GlobalOpts } from '../globals';
import { confirm } from '../prompt';
import { didYouMean } from '../suggest';

const KEY_ACTIONS = ['list', 'accept', 'reject', 'delete', 'finger'] as const;

const SALT_NAMES: Record<KeyState, string> = { accepted: 'minions', pending: 'minions_pre', rejected: 'minions_rejected', denied: 'minions_denied' };
const TITLES: Record<KeyState, string> = { accepted: 'Accepted Keys:', denied: 'Denied Keys:', pending: 'Unaccepted Keys:', rejected: 'Rejected Keys:' };
const ORDER: KeyState[] = ['accepted', 'denied', 'pending', 'rejected'];

export interface KeyOpts extends GlobalOpts {
  yes?: boolean;
  all?: boolean;
  includeRejected?: boolean;
  includeAccepted?: boolean;
}

function store(o: GlobalOpts): { keys: KeyStore; sockDir: string } {
  const m = loadMasterOpts(o.configDir);
  return { keys: new KeyStore(path.join(m.pki_dir, 'minions'), { autoAccept: m.auto_accept, autosignFile: m.autosign_file }), sockDir: m.sock_dir };
}

/** Tell a running master that keys changed, so a delete or reject cuts the minion off now. */
async function notifyMaster(sockDir: string): Promise<void> {
  let c: import('../control-client').ControlClient | undefined;
  try {
    const { ControlClient } = await import('../control-client');
    c = new ControlClient(sockDir);
    await c.request('keys.changed', {}, { timeoutMs: 5000 });
  } catch {
    // No master running: it reads the key store when it starts.
  } finally {
    c?.close();
  }
}

function print(o: GlobalOpts, byState: Record<KeyState, string[] | Record<string, string>>, local?: Record<string, string>): void {
  const out = o.outOptions.out;
  if (out === 'json' || out === 'yaml') {
    const data = { ...(local ? { local } : {}), ...Object.fromEntries(ORDER.map((s) => [SALT_NAMES[s], byState[s]])) };
    process.stdout.write((out === 'json' ? JSON.stringify(data, null, 4) : toYaml(data).trimEnd()) + '\n');
    return;
  }
  const lines: string[] = [];
  if (local) {
    lines.push('Local Keys:');
    for (const [name, fp] of Object.entries(local)) lines.push(`${name}:  ${fp}`);
  }
  for (const s of ORDER) {
    lines.push(TITLES[s]);
    const v = byState[s];
    if (Array.isArray(v)) lines.push(...v);
    else for (const [id, fp] of Object.entries(v)) lines.push(`${id}:  ${fp}`);
  }
  process.stdout.write(lines.join('\n') + '\n');
}

/** salt-key's flags (-L, -a ID, -A, -r ID, -R, -d ID, -D, -f ID, -F) as the verbs they stand for; one at most, and not with a verb. */
export function saltKeyFlags(action: string | undefined, match: string | undefined, o: Record<string, unknown>): { action: string; match: string | undefined; all: boolean } {
  const flags: [string, string, boolean][] = [
    ['listAll', 'list', false], ['acceptAll', 'accept', true], ['rejectAll', 'reject', true], ['deleteAll', 'delete', true], ['fingerAll', 'finger', false],
    ['accept', 'accept', false], ['reject', 'reject', false], ['delete', 'delete', false], ['finger', 'finger', false],
  ];
  const given = flags.filter(([k]) => o[k] !== undefined && o[k] !== false);
  if (given.length === 0) {
    if (!action) throw new UsageError('key: name an action (list, accept, reject, delete, finger) or a salt-key flag (-L, -a ID, -A, -r ID, -R, -d ID, -D, -f ID, -F)');
    return { action, match, all: Boolean(o['all']) };
  }
  if (given.length > 1 || action !== undefined) throw new UsageError('key: give one action, either a verb or a single salt-key flag');
  const [k, verb, all] = given[0]!;
  return { action: verb, match: typeof o[k] === 'string' ? (o[k] as string) : undefined, all };
}

export async function keyCommand(action: string, glob: string | undefined, o: KeyOpts): Promise<number> {
  // Before the key store is opened: a mistyped action touches nothing.
  if (!(KEY_ACTIONS as readonly string[]).includes(action)) throw new UsageError(`key: unknown action '${action}'${didYouMean(action, KEY_ACTIONS)}; one of ${KEY_ACTIONS.join(', ')}`);
  const { keys, sockDir } = store(o);
  const all = keys.list();
  switch (action) {
    case 'list': {
      const sel = glob && glob !== 'all' ? (ORDER.includes(glob as KeyState) ? glob as KeyState : ({ acc: 'accepted', pre: 'pending', un: 'pending', unaccepted: 'pending', rej: 'rejected', den: 'denied' } as Record<string, KeyState>)[glob]) : undefined;
      if (glob && glob !== 'all' && !sel) throw new UsageError(`key list: '${glob}' is not one of all, accepted, pending, rejected, denied`);
      print(o, sel ? ({ accepted: [], pending: [], rejected: [], denied: [], [sel]: all[sel] } as Record<KeyState, string[]>) : all);
      return EXIT.ok;
    }
    case 'finger': {
      // Like `salt-key -F`: the master's own key first (what minions pin, or set as master_finger).
      const pub = path.join(loadMasterOpts(o.configDir).pki_dir, 'master.pub');
      let local: Record<string, string> | undefined;
      try {
        local = { 'master.pub': fingerprint(fs.readFileSync(pub, 'utf8')) };
      } catch {
        local = undefined; // no master key yet (the master creates it on first start)
      }
      if (glob === 'master.pub' || glob === 'master') {
        if (!local) throw new UsageError(`key finger: no master key at ${pub} (start the master once)`);
        print(o, { accepted: {}, pending: {}, rejected: {}, denied: {} }, local);
        return EXIT.ok;
      }
      const damaged: string[] = [];
      print(o, keys.fingers(glob ?? '*', damaged), glob === undefined ? local : undefined);
      for (const f of damaged) process.stderr.write(`brine: key finger: ${f} is not a readable public key (truncated or damaged; brine key delete it and accept the minion again)\n`);
      return damaged.length ? EXIT.error : EXIT.ok;
    }
    case 'accept':
    case 'reject':
    case 'delete': {
      const pattern = o.all ? '*' : glob;
      if (!pattern) throw new UsageError(`key ${action}: name a minion id or glob, or pass --all`);
      const from: KeyState[] =
        action === 'accept' ? ['pending', ...(o.includeRejected ? (['rejected'] as KeyState[]) : [])] : action === 'reject' ? ['pending', ...(o.includeAccepted ? (['accepted'] as KeyState[]) : [])] : ORDER;
      const { globMatch } = await import('@brine/core');
      const hits = from.flatMap((s) => all[s].filter((id) => globMatch(pattern, id)).map((id) => ({ id, s })));
      if (hits.length === 0) {
        process.stderr.write(`The key glob '${pattern}' does not match any ${action === 'delete' ? '' : from.join(' or ') + ' '}keys.\n`);
        return EXIT.error;
      }
      const verb = { accept: 'accepted', reject: 'rejected', delete: 'deleted' }[action];
      process.stdout.write(`The following keys are going to be ${verb}:\n${hits.map((h) => `${h.id} (${h.s})`).join('\n')}\n`);
      if (!(await confirm('Proceed?', Boolean(o.yes)))) return EXIT.error;
      const done = action === 'accept' ? keys.accept(pattern, o.includeRejected) : action === 'reject' ? keys.reject(pattern, o.includeAccepted) : keys.delete(pattern);
      for (const id of done) process.stdout.write(`Key for minion ${id} ${verb}.\n`);
      await notifyMaster(sockDir);
      return EXIT.ok;
    }
    default:
      throw new UsageError(`key: unknown action '${action}'${didYouMean(action, KEY_ACTIONS)}; one of ${KEY_ACTIONS.join(', ')}`);
  }
}
