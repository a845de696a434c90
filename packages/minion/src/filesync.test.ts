import * as crypto from 'crypto';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { MemoryLogger, nullLogger } from '@brine/core';
import { FileCache } from './filesync';
import type { Requester } from './requester';

/** The fake master caps replies at this, as the real one caps them at FILE_CHUNK_BYTES. */
const CHUNK = 1000;
const sha = (s: string) => crypto.createHash('sha256').update(s).digest('hex');

/** A master stand-in that serves an in-memory tree and counts what it is asked for. */
function fakeMaster(tree: Record<string, string>): Requester & { gets: string[] } {
  const gets: string[] = [];
  return {
    gets,
    async request(body) {
      if (body.kind === 'file.list') return Object.fromEntries(Object.entries(tree).map(([p, c]) => [p, sha(c)]));
      if (body.kind === 'file.get') {
        gets.push(String(body['path']));
        const all = Buffer.from(tree[String(body['path'])]!);
        const offset = Number(body['offset'] ?? 0);
        const piece = all.subarray(offset, offset + Math.min(Number(body['length'] ?? all.length), CHUNK));
        return { data: piece.toString('base64'), size: all.length, offset };
      }
      throw new Error('unexpected');
    },
  };
}

test('syncs by hash: fetches only what changed, removes what the master dropped', async () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'brine-fc-'));
  try {
    const tree: Record<string, string> = { 'top.sls': 'base: {}', 'web/init.sls': 'a: b', 'web/files/x.conf': 'x' };
    const master = fakeMaster(tree);
    const fc = new FileCache(dir, master, nullLogger);
    expect(await fc.sync()).toEqual({ listed: 3, fetched: 3, removed: 0 });
    expect(await fc.sync()).toEqual({ listed: 3, fetched: 0, removed: 0 });
    tree['web/init.sls'] = 'a: c';
    delete tree['web/files/x.conf'];
    expect(await fc.sync()).toEqual({ listed: 2, fetched: 1, removed: 1 });
    expect(master.gets).toEqual(['top.sls', 'web/init.sls', 'web/files/x.conf', 'web/init.sls']);
    expect(fs.readFileSync(path.join(fc.root(), 'web/init.sls'), 'utf8')).toBe('a: c');
    expect(fs.existsSync(path.join(fc.root(), 'web/files/x.conf'))).toBe(false);
    // A new cache over the same directory trusts what is on disk by hash.
    const again = fakeMaster(tree);
    expect(await new FileCache(dir, again, nullLogger).sync()).toEqual({ listed: 2, fetched: 0, removed: 0 });
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
});

test('a file larger than one reply arrives in pieces, whole', async () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'brine-fc-'));
  try {
    const big = Array.from({ length: 3500 }, (_, i) => String(i % 10)).join('');
    const master = fakeMaster({ 'big.bin': big, 'small': 's' });
    const fc = new FileCache(dir, master, nullLogger);
    expect(await fc.sync()).toEqual({ listed: 2, fetched: 2, removed: 0 });
    expect(fs.readFileSync(path.join(fc.root(), 'big.bin'), 'utf8')).toBe(big);
    expect(master.gets.filter((g) => g === 'big.bin')).toHaveLength(4);
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
});

test('a hostile listing cannot make the minion write outside its cache', async () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'brine-fc-'));
  try {
    const fc = new FileCache(dir, fakeMaster({ '../../outside': 'x' }), nullLogger);
    await expect(fc.sync()).rejects.toThrow(/escapes the file roots/);
    expect(fs.existsSync(path.join(dir, '..', 'outside'))).toBe(false);
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
});

test('syncAll: every environment the master lists, in its order, each in its own directory; one it stops serving is removed; its state options are kept', async () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'brine-fc-'));
  try {
    const trees: Record<string, Record<string, string>> = { base: { 'top.sls': 'base: {}' }, zeta: { 'a.sls': 'a: zeta' }, alpha: { 'b.sls': 'b: alpha' } };
    let envs: unknown = ['base', 'zeta', 'alpha'];
    const master: Requester = {
      async request(body) {
        if (body.kind === 'file.envs') return { envs, opts: { top_file_merging_strategy: 'same' } };
        const tree = trees[String(body['saltenv'])] ?? {};
        if (body.kind === 'file.list') return Object.fromEntries(Object.entries(tree).map(([p, c]) => [p, sha(c)]));
        if (body.kind === 'file.get') return { data: Buffer.from(tree[String(body['path'])]!).toString('base64'), size: tree[String(body['path'])]!.length, offset: 0 };
        throw new Error('unexpected');
      },
    };
    const log = new MemoryLogger();
    const fc = new FileCache(dir, master, log);
    expect(await fc.syncAll()).toEqual({ listed: 3, fetched: 3, removed: 0 });
    // The master's order (base, then its file_roots order), not the directory names' order.
    expect(Object.keys(fc.envDirs())).toEqual(['base', 'zeta', 'alpha']);
    expect(fc.envDirs()['zeta']).toEqual([path.join(dir, 'files', 'zeta')]);
    expect(fc.masterStateOpts()).toEqual({ top_file_merging_strategy: 'same' });
    expect(fs.readFileSync(path.join(dir, 'files', 'zeta', 'a.sls'), 'utf8')).toBe('a: zeta');
    envs = ['base', 'alpha'];
    await fc.syncAll();
    expect(Object.keys(fc.envDirs())).toEqual(['base', 'alpha']);
    expect(fs.existsSync(path.join(dir, 'files', 'zeta'))).toBe(false);
    // A name that cannot be a directory of the cache is skipped with a warning; the others still sync.
    envs = ['base', '..', 'feature/x', 'alpha'];
    await fc.syncAll();
    expect(Object.keys(fc.envDirs())).toEqual(['base', 'alpha']);
    expect(log.lines.filter((l) => l.level === 'warn').map((l) => l.msg)).toEqual([
      'saltenv ".." skipped: its name cannot be a directory of the file cache (letters, digits, \'_\', \'.\', \'-\')',
      'saltenv "feature/x" skipped: its name cannot be a directory of the file cache (letters, digits, \'_\', \'.\', \'-\')',
    ]);
    envs = 'base';
    await expect(fc.syncAll()).rejects.toThrow('file.envs: the master sent no list of environments');
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
});
