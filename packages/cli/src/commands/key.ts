/**
 * `brine key list|accept|reject|delete|finger|history`: like salt-key, on the master's key store (on disk, or with
 * `cluster:` the cluster's PostgreSQL store); a running master is told at once.
 */
import { UsageError } from '@brine/core';
import type { KeyState } from '@brine/master/dist/keys';
import type { KeyChange } from '@brine/master/dist/store/types';
import * as fs from 'fs';
import { fingerprint } from '@brine/protocol/dist/crypto/keys';
import { stringify as toYaml } from 'yaml';
import { EXIT } from '../exit';
import type { GlobalOpts } from '../globals';
import { confirm } from '../prompt';
import { didYouMean } from '../suggest';
import { openKeyStore, operatorName, type OpenedKeyStore } from './key-store';

const KEY_ACTIONS = ['list', 'accept', 'reject', 'delete', 'finger', 'history'] as const;

const SALT_NAMES: Record<KeyState, string> = { accepted: 'minions', pending: 'minions_pre', rejected: 'minions_rejected', denied: 'minions_denied' };
const TITLES: Record<KeyState, string> = { accepted: 'Accepted Keys:', denied: 'Denied Keys:', pending: 'Unaccepted Keys:', rejected: 'Rejected Keys:' };
const ORDER: KeyState[] = ['accepted', 'denied', 'pending', 'rejected'];

export interface KeyOpts extends GlobalOpts {
  yes?: boolean;
  all?: boolean;
  includeRejected?: boolean;
  includeAccepted?: boolean;
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

/**
 * salt-key's flags (-L, -a ID, -A, -r ID, -R, -d ID, -D, -f ID, -F, --gen-keys NAME) as the verbs they stand for;
 * one at most, and not with a verb. `--gen-keys` comes back as the action `gen-keys` (not a verb of its own).
 */
export function saltKeyFlags(action: string | undefined, match: string | undefined, o: Record<string, unknown>): { action: string; match: string | undefined; all: boolean } {
  const flags: [string, string, boolean][] = [
    ['listAll', 'list', false], ['acceptAll', 'accept', true], ['rejectAll', 'reject', true], ['deleteAll', 'delete', true], ['fingerAll', 'finger', false],
    ['accept', 'accept', false], ['reject', 'reject', false], ['delete', 'delete', false], ['finger', 'finger', false], ['genKeys', 'gen-keys', false],
  ];
  const given = flags.filter(([k]) => o[k] !== undefined && o[k] !== false);
  if (o['genKeysDir'] !== undefined && o['genKeys'] === undefined) throw new UsageError('key: --gen-keys-dir goes with --gen-keys NAME');
  if (given.length === 0) {
    if (!action) throw new UsageError(`key: name an action (${KEY_ACTIONS.join(', ')}) or a salt-key flag (-L, -a ID, -A, -r ID, -R, -d ID, -D, -f ID, -F, --gen-keys NAME)`);
    if (action === 'gen-keys') throw new UsageError('key: generate a key pair with --gen-keys NAME [--gen-keys-dir DIR], as salt-key');
    return { action, match, all: Boolean(o['all']) };
  }
  if (given.length > 1 || action !== undefined) throw new UsageError('key: give one action, either a verb or a single salt-key flag');
  const [k, verb, all] = given[0]!;
  return { action: verb, match: typeof o[k] === 'string' ? (o[k] as string) : undefined, all };
}

/** One line per change: time, id, from → to, fingerprint, who, on which master. */
function printHistory(o: GlobalOpts, changes: KeyChange[]): void {
  const out = o.outOptions.out;
  if (out === 'json' || out === 'yaml') {
    process.stdout.write((out === 'json' ? JSON.stringify(changes, null, 4) : toYaml(changes).trimEnd()) + '\n');
    return;
  }
  const width = Math.max(0, ...changes.map((c) => c.id.length));
  const lines = changes.map(
    (c) => `${c.at}  ${c.id.padEnd(width)}  ${c.from ?? '(new)'} -> ${c.to ?? '(deleted)'}  ${c.fingerprint ?? '(unreadable key)'}  by ${c.by}  on ${c.master}`,
  );
  if (lines.length) process.stdout.write(lines.join('\n') + '\n');
}

export async function keyCommand(action: string, glob: string | undefined, o: KeyOpts): Promise<number> {
  // Before the key store is opened: a mistyped action touches nothing.
  if (!(KEY_ACTIONS as readonly string[]).includes(action)) throw new UsageError(`key: unknown action '${action}'${didYouMean(action, KEY_ACTIONS)}; one of ${KEY_ACTIONS.join(', ')}`);
  const store = await openKeyStore(o.configDir);
  try {
    return await run(store, action, glob, o);
  } finally {
    await store.close();
  }
}

async function run(store: OpenedKeyStore, action: string, glob: string | undefined, o: KeyOpts): Promise<number> {
  const { keys } = store;
  switch (action) {
    case 'list': {
      const sel = glob && glob !== 'all' ? (ORDER.includes(glob as KeyState) ? glob as KeyState : ({ acc: 'accepted', pre: 'pending', un: 'pending', unaccepted: 'pending', rej: 'rejected', den: 'denied' } as Record<string, KeyState>)[glob]) : undefined;
      if (glob && glob !== 'all' && !sel) throw new UsageError(`key list: '${glob}' is not one of all, accepted, pending, rejected, denied`);
      const all = await keys.list();
      print(o, sel ? ({ accepted: [], pending: [], rejected: [], denied: [], [sel]: all[sel] } as Record<KeyState, string[]>) : all);
      return EXIT.ok;
    }
    case 'finger': {
      // Like `salt-key -F`: the master's own key first (what minions pin, or set as master_finger; a cluster's key in a cluster).
      const { name, file } = store.localKey;
      let local: Record<string, string> | undefined;
      try {
        local = { [name]: fingerprint(fs.readFileSync(file, 'utf8')) };
      } catch {
        local = undefined; // no master key yet (the master creates it on first start; a cluster key is the operator's)
      }
      if (glob === name || glob === name.replace(/\.pub$/, '')) {
        if (!local) throw new UsageError(`key finger: no readable ${name} at ${file} (${store.kind === 'disk' ? 'start the master once' : 'create it with brine key --gen-keys cluster and copy it to every master'})`);
        print(o, { accepted: {}, pending: {}, rejected: {}, denied: {} }, local);
        return EXIT.ok;
      }
      const damaged: string[] = [];
      print(o, await keys.fingers(glob ?? '*', damaged), glob === undefined ? local : undefined);
      for (const f of damaged) process.stderr.write(`brine: key finger: ${f} is not a readable public key (truncated or damaged; brine key delete it and accept the minion again)\n`);
      return damaged.length ? EXIT.error : EXIT.ok;
    }
    case 'history': {
      if (!keys.history) {
        process.stderr.write("brine: key history: kept only by a cluster's PostgreSQL store (cluster: in the master config); this master's on-disk key store keeps none\n");
        return EXIT.ok;
      }
      const { globMatch } = await import('@brine/core');
      const exact = glob !== undefined && !/[*?[\]]/.test(glob);
      const changes = (await keys.history(exact ? glob : undefined)).filter((c) => glob === undefined || exact || globMatch(glob, c.id));
      printHistory(o, changes);
      return EXIT.ok;
    }
    case 'accept':
    case 'reject':
    case 'delete': {
      const pattern = o.all ? '*' : glob;
      if (!pattern) throw new UsageError(`key ${action}: name a minion id or glob, or pass --all`);
      const from: KeyState[] =
        action === 'accept' ? ['pending', ...(o.includeRejected ? (['rejected'] as KeyState[]) : [])] : action === 'reject' ? ['pending', ...(o.includeAccepted ? (['accepted'] as KeyState[]) : [])] : ORDER;
      const { globMatch } = await import('@brine/core');
      const all = await keys.list();
      const hits = from.flatMap((s) => all[s].filter((id) => globMatch(pattern, id)).map((id) => ({ id, s })));
      if (hits.length === 0) {
        process.stderr.write(`The key glob '${pattern}' does not match any ${action === 'delete' ? '' : from.join(' or ') + ' '}keys.\n`);
        return EXIT.error;
      }
      const verb = { accept: 'accepted', reject: 'rejected', delete: 'deleted' }[action];
      process.stdout.write(`The following keys are going to be ${verb}:\n${hits.map((h) => `${h.id} (${h.s})`).join('\n')}\n`);
      if (!(await confirm('Proceed?', Boolean(o.yes)))) return EXIT.error;
      const by = operatorName();
      const done =
        action === 'accept' ? await keys.accept(pattern, o.includeRejected, by) : action === 'reject' ? await keys.reject(pattern, o.includeAccepted, by) : await keys.delete(pattern, by);
      for (const id of done) process.stdout.write(`Key for minion ${id} ${verb}.\n`);
      // A cluster's masters hear of it from PostgreSQL; the local one is told directly all the same (at once, and
      // harmless twice).
      await notifyMaster(store.sockDir);
      return EXIT.ok;
    }
    default:
      throw new UsageError(`key: unknown action '${action}'${didYouMean(action, KEY_ACTIONS)}; one of ${KEY_ACTIONS.join(', ')}`);
  }
}
