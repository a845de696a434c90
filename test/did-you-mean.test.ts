/** A mistyped `brine key` or `brine lab` action names the closest one, and touches nothing. */
import * as fs from 'fs';
import * as path from 'path';
import { brine } from './helpers/cli';
import { tempDir } from './helpers/fleet';

test('brine key and brine lab suggest the action meant', () => {
  const dir = tempDir('brine-dym-');
  try {
    fs.writeFileSync(path.join(dir, 'master'), 'pki_dir: pki\n');
    const key = brine(['-c', dir, 'key', 'acept', 'web1']);
    expect(key.code).toBe(1);
    expect(key.stderr).toMatch(/unknown action 'acept' \(did you mean accept\?\)/);
    expect(fs.existsSync(path.join(dir, 'pki'))).toBe(false); // the key store was not touched
    const lab = brine(['lab', 'stauts', '--state-dir', path.join(dir, 'lab')]);
    expect(lab.code).toBe(1);
    expect(lab.stderr).toMatch(/unknown action "stauts" \(did you mean status\?\)/);
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
});
