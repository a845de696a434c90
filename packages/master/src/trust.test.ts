import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { nullLogger, type Logger } from '@brine/core';
import { JobCache, newJid, type JobRecord } from './jobcache';
import { GrainPins } from './pinned-grains';
import { QuotaExceeded, QuotaRefusals } from './quota';

const tmp = () => fs.mkdtempSync(path.join(os.tmpdir(), 'brine-trust-'));

test('pins: config globs in order, then the exact id, then <id>.yaml; pinned-only grains never come from the minion', () => {
  const dir = tmp();
  try {
    const pins = new GrainPins({ 'web*': { roles: ['web'], dc: 'a' }, 'web1': { dc: 'b' }, '*': { tier: 1 } }, dir, ['roles'], nullLogger);
    expect(pins.view('web1', { roles: ['kdct'], os: 'Debian', id: 'other' })).toEqual({ roles: ['web'], dc: 'b', tier: 1, os: 'Debian', id: 'web1' });
    expect(pins.view('db1', { roles: ['kdct'], os: 'Debian' })).toEqual({ tier: 1, os: 'Debian', id: 'db1' });
    fs.writeFileSync(path.join(dir, 'web1.yaml'), 'roles: [kdct]\n');
    expect(pins.view('web1', {})['roles']).toEqual(['kdct']);
    fs.writeFileSync(path.join(dir, 'web1.yaml'), 'roles: [app, kdct]\nx: 1\n'); // a changed file is read again
    expect(pins.view('web1', {})).toMatchObject({ roles: ['app', 'kdct'], x: 1 });
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
});

test('a damaged pin file leaves the minion matching on its id only, logged', () => {
  const dir = tmp();
  const errors: string[] = [];
  const log = { ...nullLogger, error: (m: string) => errors.push(m), child: () => log } as Logger;
  try {
    fs.writeFileSync(path.join(dir, 'm1.yaml'), 'roles: [kdct\n');
    const pins = new GrainPins({ m1: { roles: ['kdct'] } }, dir, ['roles'], log);
    expect(pins.view('m1', { os: 'Debian' })).toEqual({ id: 'm1' });
    expect(pins.view('m1', { os: 'Debian' })).toEqual({ id: 'm1' });
    expect(errors).toHaveLength(1);
    expect(errors[0]).toContain('m1.yaml');
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
});

test('job cache quota: returns and scheduled job records count per minion, refusals are counted, a prune frees room', () => {
  const dir = tmp();
  const warned: Record<string, unknown>[] = [];
  const log = { ...nullLogger, warn: (_m: string, meta?: Record<string, unknown>) => warned.push(meta ?? {}), child: () => log } as Logger;
  try {
    const refusals = new QuotaRefusals(log);
    const jc = new JobCache(dir, 24, { bytes: 40 * 1024, refusals });
    const ret = (id: string, jid: string) => ({ id, jid, fun: 'test.echo', ret: 'x'.repeat(5000), retcode: 0, success: true, received: '' });
    const sched = (id: string, jid: string): JobRecord => ({ jid, fun: 'test.echo', arg: [], kwarg: {}, tgt: id, tgt_type: 'list', expected: [id], user: 'schedule:s', started: '' });
    let stored = 0;
    for (let i = 0; i < 10; i++) {
      const jid = newJid();
      try {
        jc.recordReturn(ret('m1', jid), sched('m1', jid));
        stored++;
      } catch (e) {
        expect(e).toBeInstanceOf(QuotaExceeded);
      }
    }
    // 8 KiB per return + 4 KiB job record + 4 KiB directory: 16 KiB each, two fit in 40 KiB.
    expect(stored).toBe(2);
    expect(jc.used('m1')).toBe(32 * 1024);
    expect(refusals.count('m1', 'job cache')).toBe(8);
    expect(warned).toHaveLength(1); // then at most every 10 s
    expect(warned[0]).toMatchObject({ minion: 'm1', refused: 1, limit: 40 * 1024 });
    // Another minion has its own quota; the count survives a restart (read from the disk).
    jc.recordReturn(ret('m2', newJid()), sched('m2', newJid()));
    expect(new JobCache(dir, 24, { bytes: 40 * 1024, refusals }).used('m1')).toBe(32 * 1024);
    expect(jc.prune(Date.now() + 25 * 3600_000)).toBe(3);
    expect(jc.used('m1')).toBe(0);
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
});
