/**
 * Render pipes from a file's `#!` line, as Salt 3006.1 reads them (each expectation below was rendered by Salt's
 * state.show_low_sls from the same file).
 */
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { FileRoots, RenderError } from '@brine/core';
import { compilePillar } from '../pillar';
import { Renderer } from '../renderer';

let dir: string;
beforeEach(() => (dir = fs.mkdtempSync(path.join(os.tmpdir(), 'brine-pipe-'))));
afterEach(() => fs.rmSync(dir, { recursive: true, force: true }));

const low = (name: string, text: string): unknown => {
  fs.writeFileSync(path.join(dir, `${name}.sls`), text);
  const r = new Renderer({ roots: new FileRoots([dir]), context: { id: 'm', grains: { id: 'm' }, pillar: {}, opts: {}, salt: {} } });
  return r.showLowSls([name]).map((c) => c.args);
};
const failure = (name: string, text: string): string => {
  try {
    low(name, text);
  } catch (e) {
    expect(e).toBeInstanceOf(RenderError);
    return (e as Error).message;
  }
  throw new Error('rendered');
};

test('#!yaml leaves Jinja syntax alone; #!json and #!jinja|json read JSON; old names and arguments as Salt reads them', () => {
  expect(low('y', '#!yaml\na:\n  test.nop:\n    - x: "{{ 1 + 1 }}"\n')).toEqual([{ x: '{{ 1 + 1 }}' }]);
  expect(low('j', '#!json\n{"a": {"test.nop": [{"x": "{{ 1 }}"}]}}\n')).toEqual([{ x: '{{ 1 }}' }]);
  expect(low('jj', '#!jinja|json\n{"a": {"test.nop": [{"x": "{{ 1 }}"}]}}\n')).toEqual([{ x: '1' }]);
  expect(low('old', '#!yaml_jinja\na:\n  test.nop:\n    - x: {{ 1 }}\n')).toEqual([{ x: 1 }]);
  expect(low('arg', '#!jinja | yaml strict\na:\n  test.nop:\n    - x: {{ 1 }}\n')).toEqual([{ x: 1 }]);
  // a path after #! is not a pipe (Salt: `#!/`), the default jinja|yaml applies
  expect(low('path', '#!/usr/bin/env salt\na:\n  test.nop:\n    - x: {{ 2 }}\n')).toEqual([{ x: 2 }]);
});

test("a pipe Brine cannot run fails at the #! line: Salt's renderers it lacks, unknown names, jinja after data, no data at all", () => {
  expect(failure('py', '#!py\ndef run():\n    return {}\n')).toBe("py.sls:1: the 'py' renderer (it runs the file as a Python module) is not available in Brine: render this file with jinja, yaml or json (#!jinja|yaml, the default)");
  expect(failure('pyo', '#!pyobjects\nTest.nop("x")\n')).toMatch(/^pyo\.sls:1: the 'pyobjects' renderer/);
  expect(failure('typo', '#!jinja|ymal\na: {}\n')).toBe("typo.sls:1: the renderer 'ymal' is not available (Salt's renderers Brine has: jinja, yaml, yamlex, json, gpg; fix the #! line)");
  expect(failure('late', '#!yaml|jinja\na:\n  test.nop: []\n')).toBe("late.sls:1: the jinja renderer takes text, but 'yaml' made data of it (put jinja first: #!jinja|yaml)");
  // Salt 3006.1: "SLS text does not render to a dictionary"
  expect(failure('text', '#!jinja\na:\n  test.nop: []\n')).toBe("text.sls:1: SLS text does not render to a dictionary (the #! line 'jinja' has no yaml or json renderer)");
  expect(failure('badjson', '#!json\n{"a":\n  [1,,]}\n')).toMatch(/^badjson\.sls:3: JSON: /);
});

test('pillar files and top files take a #! line too', () => {
  fs.writeFileSync(path.join(dir, 'top.sls'), '#!yaml\nbase:\n  "*":\n    - p\n');
  fs.writeFileSync(path.join(dir, 'p.sls'), '#!json\n{"k": "{{ not rendered }}", "n": {"smtp": 1}}\n');
  expect(compilePillar({ roots: new FileRoots([dir]), id: 'm', grains: { id: 'm' } })).toEqual({ k: '{{ not rendered }}', n: { smtp: 1 } });
});

describe("#!yaml|gpg: Salt's gpg renderer with the real gpg", () => {
  const { execFileSync } = require('child_process') as typeof import('child_process');
  const { MemoryLogger } = require('@brine/core') as typeof import('@brine/core');
  let keys: string;
  let cipher: string;
  beforeAll(() => {
    keys = fs.mkdtempSync(path.join(os.tmpdir(), 'brine-gpgkeys-'));
    fs.chmodSync(keys, 0o700);
    execFileSync('gpg', ['--batch', '--homedir', keys, '--passphrase', '', '--quick-gen-key', 'Brine Test <brine@example.invalid>', 'future-default', 'default', 'never'], { stdio: 'ignore' });
    cipher = execFileSync('gpg', ['--batch', '--homedir', keys, '--trust-model', 'always', '--armor', '-r', 'brine@example.invalid', '--encrypt'], { input: 's3cret' }).toString();
  });
  afterAll(() => fs.rmSync(keys, { recursive: true, force: true }));
  const pillarWith = (opts: Record<string, unknown>, log = new MemoryLogger()) => {
    fs.writeFileSync(path.join(dir, 'top.sls'), "base:\n  '*':\n    - secrets\n");
    const block = cipher.trimEnd().split('\n').map((l) => `    ${l}`).join('\n');
    fs.writeFileSync(path.join(dir, 'secrets.sls'), `#!yaml|gpg\ndb:\n  password: |\n${block}\n  user: app\n  list: [plain]\n`);
    return compilePillar({ roots: new FileRoots([dir]), id: 'm', grains: { id: 'm' }, opts, log });
  };

  test('a PGP message in a value is decrypted with the keys in gpg_keydir; other values are left alone', () => {
    // the block is replaced in its string: a `|` scalar's final newline stays, as in Salt
    expect(pillarWith({ gpg_keydir: keys })).toEqual({ db: { password: 's3cret\n', user: 'app', list: ['plain'] } });
  });

  test('without the key the block stays, with a warning; gpg_decrypt_must_succeed makes it an error', () => {
    const empty = fs.mkdtempSync(path.join(os.tmpdir(), 'brine-gpgnone-'));
    try {
      const log = new MemoryLogger();
      const p = pillarWith({ gpg_keydir: empty }, log) as { db: { password: string } };
      expect(p.db.password).toMatch(/^-----BEGIN PGP MESSAGE-----/);
      expect(log.lines.some((l) => /gpg: could not decrypt a PGP message in secrets\.sls/.test(l.msg))).toBe(true);
      expect(() => pillarWith({ gpg_keydir: empty, gpg_decrypt_must_succeed: true })).toThrow(/gpg: could not decrypt a PGP message with the keys in .*gpg_decrypt_must_succeed is True/);
    } finally {
      fs.rmSync(empty, { recursive: true, force: true });
    }
  });
});
