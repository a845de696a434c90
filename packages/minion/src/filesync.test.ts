import * as crypto from 'crypto';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { nullLogger } from '@brine/core';
import { FileCache } from './filesync';
import type { Requester } from './requester';

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
        return { data: Buffer.from(tree[String(body['path'])]!).toString('base64') };
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
