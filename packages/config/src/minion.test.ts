/** Minion options are read with Salt's YAML rules. */
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { loadMinionOpts } from './minion';

test("an id that YAML 1.1 libraries take for a float ('e1') stays the string PyYAML reads", () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'brine-cfg-'));
  fs.writeFileSync(path.join(dir, 'minion'), 'id: e1\ngrains:\n  release: 1e3\n');
  const o = loadMinionOpts(dir, {});
  expect(o.id).toBe('e1');
  expect((o.grains as Record<string, unknown>)['release']).toBe('1e3');
});
