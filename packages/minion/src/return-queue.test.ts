import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { nullLogger } from '@brine/core';
import { ReturnQueue } from './return-queue';

test('undelivered returns survive a restart, in order, and are bounded', () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'brine-rq-'));
  try {
    const file = path.join(dir, 'returns.json');
    const q = new ReturnQueue(file, nullLogger, 3);
    for (const jid of ['1', '2', '3', '4']) q.push({ kind: 'return', jid });
    expect(q.length).toBe(3); // the oldest went
    const again = new ReturnQueue(file, nullLogger, 3);
    expect(again.peek()).toEqual({ kind: 'return', jid: '2' });
    again.shift();
    expect(new ReturnQueue(file, nullLogger, 3).peek()).toEqual({ kind: 'return', jid: '3' });
    fs.writeFileSync(file, 'not json');
    expect(new ReturnQueue(file, nullLogger).length).toBe(0);
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
});
