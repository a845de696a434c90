import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { SeenJobs } from './seen-jobs';

test('a jid run once is refused again, by this process and after a restart (e.g. the same job from another master)', () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'brine-seen-'));
  try {
    const file = path.join(dir, 'seen-jobs.json');
    const now = Date.now();
    const seen = new SeenJobs(file, 60_000, now);
    expect(seen.checkAndAdd('20250101000000000001', now)).toBe(false);
    expect(seen.checkAndAdd('20250101000000000001', now + 10)).toBe(true);
    const again = new SeenJobs(file, 60_000, now + 1000);
    expect(again.checkAndAdd('20250101000000000001', now + 1000)).toBe(true);
    expect(again.checkAndAdd('20250101000000000002', now + 1000)).toBe(false);
    // Past the publication window it is forgotten (a publication that old is refused by its age anyway).
    expect(new SeenJobs(file, 60_000, now + 120_000).checkAndAdd('20250101000000000001', now + 120_000)).toBe(false);
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
});
