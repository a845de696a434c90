/**
 * Low data exactly as Salt 3006.1 prints it. Each `<case>/<function>.json` under test-fixtures/lowdata is Salt's
 * own `salt-call --local --out json state.<function>` output for that tree (see test-fixtures/lowdata/README.md);
 * Brine's must match it byte for byte. YAML only: no Jinja in these trees.
 */
import * as fs from 'fs';
import * as path from 'path';
import { FileRoots, RenderError, type LowChunk } from '@brine/core';
import { HighBuilder, loadSlsFile } from './collect';
import { compileForRun, compileForShow } from './compile';
import { highToObject } from './high';
import { verifyHigh } from './verify';

const ROOT = path.join(__dirname, '../../test-fixtures/lowdata');
const roots = new FileRoots([ROOT]);

/** `a,b` renders several SLS in one run, as `state.show_low_sls a,b` or a top file listing both. */
function high(sls: string) {
  const b = new HighBuilder((s, env, from) => loadSlsFile(roots, env, s, from, (_file, text) => text));
  for (const s of sls.split(',')) b.add(s);
  return b.finish();
}

const show = {
  show_low_sls: (sls: string) => compileForShow(high(sls)).map((c) => c.low),
  show_lowstate: (sls: string) => compileForRun(high(sls)).map((c) => c.low),
  show_sls: (sls: string) => {
    const h = high(sls);
    verifyHigh(h);
    return highToObject(h);
  },
};

type Fun = keyof typeof show;

const salt = (file: string): string => fs.readFileSync(path.join(ROOT, file), 'utf8').trimEnd();

const cases: [string, Fun][] = [
  // issue 14, 1: requisites by name, by ID, bare, sls; `_in` kept on the declaring chunk (show_lowstate: also
  // added to the targets, with Salt's repeat of earlier list entries and `prerequired`)
  ['as-written', 'show_low_sls'],
  ['as-written', 'show_lowstate'],
  // 2: glob targets are kept as written
  ['glob', 'show_low_sls'],
  // 3: several functions per ID, order values, includes, extends
  ['two-functions', 'show_low_sls'],
  ['two-functions', 'show_lowstate'],
  ['two-functions', 'show_sls'],
  ['order', 'show_low_sls'],
  ['order', 'show_lowstate'],
  ['includes', 'show_low_sls'],
  ['includes', 'show_sls'],
  ['extend', 'show_low_sls'],
  ['extend', 'show_lowstate'],
  ['extend', 'show_sls'],
  // 4: name defaulting; 5: modes and other scalars as Salt's YAML loader reads them; 6: order on every chunk
  ['name-default', 'show_low_sls'],
  ['modes', 'show_low_sls'],
  // issue 8: multi-key argument items; requisites pointing outside the SLS are shown, not refused
  ['multikey', 'show_low_sls'],
  ['outside', 'show_low_sls'],
  // requisite_in's other work: `use` / `use_in` copy arguments, bare-name `_in` targets, `prereq_in` with names,
  // an extend `name` replacing `names`
  ['use', 'show_low_sls'],
  ['use', 'show_lowstate'],
];

test.each(cases)('%s: state.%s matches Salt 3006.1', (sls, fun) => {
  expect(JSON.stringify({ local: show[fun](sls) }, null, 4)).toBe(salt(`${sls}/${fun}.json`));
});

// Two SLS in one run (show_lowstate: a top file listing both): auto order continues, a shared include renders once,
// extends from either apply, and show_sls lists `__extend__` first.
test.each(['show_low_sls', 'show_lowstate', 'show_sls'] as Fun[])('multi.a,multi.b: state.%s matches Salt 3006.1', (fun) => {
  expect(JSON.stringify({ local: show[fun]('multi.a,multi.b') }, null, 4)).toBe(salt(`multi/${fun}.json`));
});

function renderError(f: () => unknown): RenderError {
  try {
    f();
  } catch (e) {
    if (e instanceof RenderError) return e;
    throw e;
  }
  throw new Error('no RenderError');
}

test('show_lowstate refuses an `_in` that names no state, with Salt\'s words (show_low_sls did not)', () => {
  const [saltError] = JSON.parse(salt('outside/show_lowstate.json')).local as string[];
  expect(saltError).toMatch(/^Cannot extend ID 'nowhere'/);
  const e = renderError(() => show.show_lowstate('outside'));
  expect([e.file, e.line]).toEqual(['outside/init.sls', 1]);
  expect(e.message).toContain("state 'app': onfail_in points at cmd state with ID or name 'nowhere', which is not in this run (Salt: Cannot extend ID 'nowhere';");
});

describe("verify_high: Salt's errors, at the ID's file and line", () => {
  const errors: [sls: string, line: number][] = [
    ['require_null', 1],
    ['short_decl', 1],
    ['not_list', 1],
    ['multi_dict', 1],
    ['dotted_req', 1],
    ['not_single', 1],
    ['recursive', 5],
  ];
  test.each(errors)('errors.%s', (name, line) => {
    const [saltError] = JSON.parse(salt(`errors/${name}.json`)).local as string[];
    const e = renderError(() => show.show_low_sls(`errors.${name}`));
    expect([e.file, e.line]).toEqual([`errors/${name}.sls`, line]);
    // Salt prints a Python list repr; everything else is Salt's sentence, then Brine's hint in parentheses.
    expect(e.message).toContain(saltError!.replace("['bad']", '["bad"]'));
    expect(e.message).toMatch(/\(.+\)$/);
  });
});

describe('what the engine reads from a chunk', () => {
  const byTag = (chunks: LowChunk[]) => Object.fromEntries(chunks.map((c) => [`${c.id}|${c.state}|${c.name}`, c]));

  test('requisites as written, `_in` included; args without requisites, name or order; source lines', () => {
    const c = byTag(compileForShow(high('as-written')));
    expect(c['docker|service|docker']!.requisites).toEqual({
      watch: [{ kind: 'file', target: '/etc/docker/daemon.json' }],
      require: [{ kind: 'pkg', target: 'docker' }, { kind: 'id', target: 'docker-daemon' }, { kind: 'sls', target: 'as-written.base' }],
    });
    expect(c['docker-group|group|docker']!.requisites).toEqual({
      require_in: [{ kind: 'service', target: 'docker' }, { kind: 'file', target: 'docker-daemon' }],
      watch_in: [{ kind: 'service', target: 'docker' }],
      onchanges_in: [{ kind: 'cmd', target: 'reload-docker' }],
    });
    expect(c['reload-docker|cmd|systemctl reload docker']).toMatchObject({ file: 'as-written/init.sls', line: 29, args: {}, order: 10005 });
  });

  test('glob targets stay globs; modes stay integers', () => {
    expect(byTag(compileForShow(high('glob')))['salt-minion|service|salt-minion']!.requisites['watch']).toEqual([{ kind: 'file', target: '/etc/salt/minion.d/*' }]);
    expect(byTag(compileForShow(high('modes')))['/etc/app.d|file|/etc/app.d']!.args).toMatchObject({ mode: 755, dir_mode: 755, file_mode: 555 });
  });

  test('the apply path refuses a requisite entry the engine could not match', () => {
    const e = renderError(() => compileForRun(new Map([['x', { cmd: ['run', { onfail: [['nested']] }], __sls__: 's', __env__: 'base' }]])));
    expect(e.message).toMatch(/state 'x': onfail entry \["nested"\] is malformed/);
  });

  test('per-name arguments that are not a list of dicts are an error, as in Salt', () => {
    const e = renderError(() => compileForShow(new Map([['p', { pkg: ['installed', { names: [{ htop: { version: 1 } }] }], __sls__: 's', __env__: 'base' }]])));
    expect(e.message).toMatch(/state 'p': names entry 'htop' gives its arguments as \{"version":1\}/);
    // An empty mapping gives none (Salt 3006.1: `- three: {}` is the chunk `three`).
    const ok = compileForShow(new Map([['x', { test: ['nop', { names: ['one', { three: {} }] }], __sls__: 't', __env__: 'base' }]]));
    expect(ok.map((c) => c.low?.['name'])).toEqual(['one', 'three']);
  });
});
