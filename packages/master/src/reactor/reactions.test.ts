import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { FileRoots } from '@brine/core';
import { Renderer } from '@brine/render';
import { renderReactions } from './reactions';

let dir: string;
let roots: FileRoots;
let renderer: Renderer;

beforeEach(() => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'brine-reactions-'));
  roots = new FileRoots([dir]);
  renderer = new Renderer({ roots, context: { id: 'm_master', grains: {}, pillar: {}, opts: {}, salt: {} } });
});
afterEach(() => fs.rmSync(dir, { recursive: true, force: true }));

const write = (rel: string, text: string) => {
  fs.mkdirSync(path.dirname(path.join(dir, rel)), { recursive: true });
  fs.writeFileSync(path.join(dir, rel), text);
};

test("Salt 3006's args list, the older arg/kwarg, runner and wheel reactions, rendered with tag and data", () => {
  write(
    'r.sls',
    [
      'heal:',
      '  local.state.sls:',
      "    - tgt: {{ data['id'] }}",
      '    - args:',
      '      - mods: nginx',
      '      - test: True',
      'legacy:',
      '  cmd.cmd.run:',
      "    - tgt: 'web*'",
      '    - tgt_type: glob',
      '    - arg:',
      "      - echo {{ tag }}",
      'report:',
      '  runner.manage.up:',
      '    - timeout: 3',
      'accept:',
      '  wheel.key.accept:',
      "    - match: {{ data['id'] }}",
      '',
    ].join('\n'),
  );
  const r = renderReactions('salt://r.sls', 'salt/beacon/web1/service/nginx', { id: 'web1' }, roots, renderer);
  expect(r).toEqual([
    { kind: 'local', id: 'heal', where: 'salt://r.sls:1', fun: 'state.sls', tgt: 'web1', tgtType: 'glob', arg: [], kwarg: { mods: 'nginx', test: true } },
    { kind: 'local', id: 'legacy', where: 'salt://r.sls:7', fun: 'cmd.run', tgt: 'web*', tgtType: 'glob', arg: ['echo salt/beacon/web1/service/nginx'], kwarg: {} },
    { kind: 'runner', id: 'report', where: 'salt://r.sls:13', fun: 'manage.up', arg: [], kwarg: { timeout: 3 } },
    { kind: 'wheel', id: 'accept', where: 'salt://r.sls:16', fun: 'key.accept', match: ['web1'], include: { rejected: false, accepted: false, denied: false } },
  ]);
});

test('errors name the file and line: a missing tgt, an unknown reaction, a template error, a missing file', () => {
  write('a.sls', 'ok:\n  local.test.ping:\n    - tgt: x\nbad:\n  local.test.ping:\n    - arg: [1]\n');
  expect(() => renderReactions('salt://a.sls', 't', {}, roots, renderer)).toThrow(/^salt:\/\/a\.sls:4: bad: local\.test\.ping: tgt: is required/);
  write('b.sls', 'x:\n  frob.test.ping:\n    - tgt: x\n');
  expect(() => renderReactions('salt://b.sls', 't', {}, roots, renderer)).toThrow(/salt:\/\/b\.sls:1: x: 'frob\.test\.ping' is not a reaction/);
  write('c.sls', "x:\n  local.test.ping:\n    - tgt: {{ data['nope']['deeper'] }}\n");
  expect(() => renderReactions('salt://c.sls', 't', {}, roots, renderer)).toThrow(/^salt:\/\/c\.sls:3: jinja: /);
  expect(() => renderReactions('salt://missing.sls', 't', {}, roots, renderer)).toThrow(/salt:\/\/missing\.sls: reactor SLS not found/);
  write('d.sls', 'x:\n  wheel.key.list_all: []\n');
  expect(() => renderReactions('salt://d.sls', 't', {}, roots, renderer)).toThrow(/only wheel\.key\.accept, key\.reject and key\.delete/);
});

test("a reactor file's #! line picks its render pipe, as Salt's: #!yaml leaves Jinja syntax alone, #!py is refused", () => {
  write('y.sls', "#!yaml\nx:\n  local.test.echo:\n    - tgt: '*'\n    - arg: ['{{ data.id }}']\n");
  expect(renderReactions('salt://y.sls', 't', { id: 'web1' }, roots, renderer)).toEqual([expect.objectContaining({ id: 'x' })]);
  expect(JSON.stringify(renderReactions('salt://y.sls', 't', { id: 'web1' }, roots, renderer))).toContain('{{ data.id }}');
  write('p.sls', '#!py\ndef run():\n    return {}\n');
  expect(() => renderReactions('salt://p.sls', 't', {}, roots, renderer)).toThrow(/^salt:\/\/p\.sls:1: the 'py' renderer .* is not available in Brine/);
});

test('a template that renders nothing gives no reactions; absolute paths are read from disk', () => {
  write('skip.sls', "{% if data.get('go') %}\nx:\n  local.test.ping:\n    - tgt: '*'\n{% endif %}\n");
  expect(renderReactions('salt://skip.sls', 't', {}, roots, renderer)).toEqual([]);
  expect(renderReactions(path.join(dir, 'skip.sls'), 't', { go: true }, roots, renderer)).toHaveLength(1);
});
