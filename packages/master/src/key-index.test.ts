/** The master's in-memory key store: lookups from memory, and never a changed or deleted key still trusted. */
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { writeFileAtomicSync } from '@brine/core';
import { createKeyPair } from '@brine/protocol';
import { KeyIndex, RELIST_MS, SETTLED_MS } from './key-index';
import { KeyStore } from './keys';

let dir: string;
let ks: KeyStore;
beforeEach(() => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'brine-keyindex-'));
  ks = new KeyStore(dir);
});
afterEach(() => {
  ks.unwatch();
  fs.rmSync(dir, { recursive: true, force: true });
});

const a = createKeyPair().publicPem;
const b = createKeyPair().publicPem;

async function until(cond: () => boolean, what: string): Promise<void> {
  const end = Date.now() + 10_000;
  while (!cond()) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

/** What `brine key` does: another KeyStore on the same directory (another process, no in-memory copy). */
const cli = () => new KeyStore(dir);

test('decisions served from memory match the files, and the store writes keep it in step', () => {
  ks.watch();
  expect(ks.decide('web1', a)).toEqual({ state: 'pending', created: true });
  expect(ks.decide('web1', a)).toEqual({ state: 'pending' });
  expect(ks.list().pending).toEqual(['web1']);
  expect(ks.count('pending')).toBe(1);
  ks.accept('web1');
  expect(ks.decide('web1', a)).toEqual({ state: 'accepted' });
  expect(ks.list()).toEqual({ accepted: ['web1'], pending: [], rejected: [], denied: [] });
});

test('a key deleted by `brine key` is not trusted once keys.changed arrives (invalidate), whatever the file events', () => {
  cli().decide('web1', a);
  cli().accept('web1');
  ks.watch();
  expect(ks.decide('web1', a)).toEqual({ state: 'accepted' });
  cli().delete('web1');
  ks.invalidate();
  expect(ks.decide('web1', a)).toEqual({ state: 'pending', created: true });
});

test('an accepted key replaced on disk by another key: the file event re-reads it and the old key is refused', async () => {
  cli().decide('web1', a);
  cli().accept('web1');
  ks.watch();
  expect(ks.decide('web1', a)).toEqual({ state: 'accepted' });
  fs.writeFileSync(path.join(dir, 'accepted', 'web1'), b);
  await until(() => ks.read('accepted', 'web1') === b, 'the changed key to be read again');
  expect(ks.decide('web1', a)).toEqual({ state: 'denied', conflict: true });
  expect(ks.decide('web1', b)).toEqual({ state: 'accepted' });
});

test('a removed key is caught by the directory check (verifyListing) and keys accepted elsewhere are reported', async () => {
  const accepted: string[] = [];
  cli().decide('web1', a);
  cli().decide('web2', b);
  ks.watch((ids) => accepted.push(...ids));
  expect(ks.list().pending).toEqual(['web1', 'web2']);
  cli().accept('web*');
  await until(() => accepted.length === 2, 'the accept to be noticed');
  expect(accepted.sort()).toEqual(['web1', 'web2']);
  fs.rmSync(path.join(dir, 'accepted', 'web2'));
  ks.verifyListing();
  expect(ks.stateOf('web2')).toBeNull();
  expect(ks.decide('web2', b)).toEqual({ state: 'pending', created: true });
});

test('keys written atomically by another process (a temporary file, then a rename) are read once they have their name', async () => {
  const accepted: string[] = [];
  ks.watch((ids) => accepted.push(...ids));
  expect(ks.list().accepted).toEqual([]);
  for (const id of ['db1', 'db2', 'db3']) writeFileAtomicSync(path.join(dir, 'accepted', id), a, 0o644);
  await until(() => accepted.length === 3, 'the three keys to be noticed');
  expect(accepted.sort()).toEqual(['db1', 'db2', 'db3']);
  expect(ks.list().accepted).toEqual(['db1', 'db2', 'db3']);
  // Moved to rejected/ by rename: gone from accepted, there in rejected, from the events alone.
  fs.renameSync(path.join(dir, 'accepted', 'db2'), path.join(dir, 'rejected', 'db2'));
  await until(() => ks.stateOf('db2') === 'rejected', 'the move to be noticed');
  expect(ks.decide('db2', a)).toEqual({ state: 'rejected' });
  expect(fs.readdirSync(path.join(dir, 'accepted')).filter((n) => n.includes('.tmp-'))).toEqual([]);
});

describe('the directory check lists a directory again only when it may have changed', () => {
  const old = (ms: number) => new Date(Date.now() - ms);
  /** Remove a file behind the index's back and give its directory the mtime it had: a change the mtime cannot show. */
  function hiddenRemove(state: string, id: string): void {
    const d = path.join(dir, state);
    const before = fs.statSync(d);
    fs.rmSync(path.join(d, id));
    fs.utimesSync(d, before.atime, before.mtime);
  }

  test('a settled, unchanged directory is trusted; any change to it, or RELIST_MS, lists it again', () => {
    for (const id of ['web1', 'web2', 'web3']) cli().decide(id, a);
    cli().accept('web*');
    const acc = path.join(dir, 'accepted');
    fs.utimesSync(acc, old(10_000), old(10_000));
    const idx = new KeyIndex(dir);
    expect(idx.list().accepted).toEqual(['web1', 'web2', 'web3']);
    expect(idx.verifyListing()).toBe(0); // listed, found settled: trusted from now on
    hiddenRemove('accepted', 'web3');
    expect(idx.verifyListing()).toBe(0); // not listed: the mtime says nothing changed
    expect(idx.stateOf('web3')).toBe('accepted');
    // A real change moves the mtime: the listing finds it, and the hidden one with it.
    fs.rmSync(path.join(acc, 'web2'));
    expect(idx.verifyListing()).toBe(2);
    expect(idx.list().accepted).toEqual(['web1']);
    // Settled again, then a hidden change: found once RELIST_MS has passed, whatever the mtime says.
    fs.utimesSync(acc, old(10_000), old(10_000));
    expect(idx.verifyListing()).toBe(0);
    hiddenRemove('accepted', 'web1');
    const now = Date.now();
    const clock = jest.spyOn(Date, 'now').mockReturnValue(now + RELIST_MS - 1000);
    try {
      expect(idx.verifyListing()).toBe(0);
      clock.mockReturnValue(now + RELIST_MS + 1000);
      expect(idx.verifyListing()).toBe(1);
    } finally {
      clock.mockRestore();
    }
    expect(idx.stateOf('web1')).toBeNull();
  });

  test('a directory changed less than SETTLED_MS ago is listed every time (a change in the same clock tick)', () => {
    for (const id of ['db1', 'db2']) cli().decide(id, a);
    const idx = new KeyIndex(dir);
    expect(idx.list().pending).toEqual(['db1', 'db2']);
    expect(Date.now() - fs.statSync(path.join(dir, 'pending')).mtimeMs).toBeLessThan(SETTLED_MS);
    expect(idx.verifyListing()).toBe(0);
    hiddenRemove('pending', 'db2');
    expect(idx.verifyListing()).toBe(1);
    expect(idx.list().pending).toEqual(['db1']);
  });

  test('version moves with every change to the keys and with nothing else', () => {
    cli().decide('app1', a);
    const idx = new KeyIndex(dir);
    idx.list();
    const v0 = idx.version;
    idx.verifyListing();
    idx.recorded('pending', 'app1', a); // the same key again
    expect(idx.version).toBe(v0);
    idx.recorded('pending', 'app1', b);
    expect(idx.version).toBeGreaterThan(v0);
    const v1 = idx.version;
    idx.recorded('pending', 'app1', undefined);
    expect(idx.version).toBeGreaterThan(v1);
    const v2 = idx.version;
    idx.invalidate();
    idx.list();
    expect(idx.version).toBeGreaterThan(v2);
  });
});
