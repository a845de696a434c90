import { readFastYaml } from './fast';
import { parseFull, parseSaltYaml } from './load';
import { dictEntries, type Dict } from '../jinja/values';

/**
 * Data with its types and key order visible (JSON would hide NaN, -0 and the difference of 1 and '1'), keys as
 * templates see them (their written order, an int key an int).
 */
function show(v: unknown): string {
  if (Array.isArray(v)) return `[${v.map(show).join(',')}]`;
  if (v !== null && typeof v === 'object') return `{${dictEntries(v as Dict).map(([k, x]) => `${typeof k === 'number' ? `n:${k}` : JSON.stringify(k)}:${show(x)}`).join(',')}}`;
  if (typeof v === 'number') return Object.is(v, -0) ? 'n:-0' : `n:${String(v)}`;
  return `${typeof v}:${JSON.stringify(v)}`;
}

/** Every path of the data down to `depth`, with a missing key and index at each level. */
function paths(v: unknown, depth: number, pre: (string | number)[] = []): (string | number)[][] {
  const out: (string | number)[][] = [pre];
  if (depth === 0 || v === null || typeof v !== 'object') return out;
  out.push([...pre, 'no such key'], [...pre, 99]);
  const keys: (string | number)[] = Array.isArray(v) ? v.map((_, i) => i) : Object.keys(v);
  for (const k of keys) out.push(...paths((v as Record<string | number, unknown>)[k], depth - 1, [...pre, k]));
  return out;
}

/** The fast reader gives the full reader's data and lines, or gives up; it never accepts what the full one refuses. */
function same(text: string): 'fast' | 'full' {
  let full: ReturnType<typeof parseFull> | undefined;
  let error: unknown;
  try {
    full = parseFull(text, 'x.sls');
  } catch (e) {
    error = e;
  }
  const fast = readFastYaml(text);
  if (!fast) return 'full';
  if (!full) throw new Error(`fast reader accepted what the full one refuses (${String(error)}):\n${text}`);
  expect(show(fast.data)).toBe(show(full.data));
  const parsed = parseSaltYaml(text, 'x.sls');
  for (const p of paths(full.data, 4)) expect([p, parsed.lineOf(p)]).toEqual([p, full.lineOf(p)]);
  return 'fast';
}

const SCALARS = [
  'a', 'web', 'file.managed', 'pkg.installed', '/etc/x.conf', 'yes', 'No', 'on', 'OFF', 'y', 'n', 'true', 'False', '~', 'null', 'Null',
  '0', '644', '0644', '-0644', '0x1F', '0b11', '1_000', '09', '1e3', '1.5e+3', '1.0', '0644.5', '1:30', '01:30', '.inf', '-.Inf', '.nan', '+1',
  '.5', '1.', '2001-12-14', 'a b', 'x #y', 'x#y', 'a: b', 'a:', 'http://x/y', "'q'", "'it''s'", "''", '"dq"', '"a\\tb"', '"a: b"', "'a: b'",
  '[]', '{}', '[ ]', '[a, b]', '{a: 1}', '&x a', '*x', '!!str 1', '|', '>', '@x', '`x', '%x', '-x', '-1', '- a', '-', '---', '...', '?x', ':x',
  ',x', "[a, 'b c', \"d\"]", '[ 1 , yes ]', '[a,b]', '[a, b,]', '[a, [b]]', '[a: b]', '[a, b] x', '[a #c]', '[a, b] # c', '[-1]', '["a\\"b", "\\u00e9\\x41"]',
  '"\\U0001F600"', '"\\q"', '"\\x4"', '"\\x4g"', '"a\\\\b"', '"\\"', '"\\U00110000"', 'a[0]', 'd{x}', '__proto__', '<<', 'toString', "'unterminated", '"\\"', 'é', '1e21', '123456789012345678901234567890', '0o7', '0x_1',
];
const KEYS = ['a', 'b', 'web', 'file.managed', 'name', 'require', '0644', 'yes', '1.0', '~', "'q k'", '"d k"', 'k s', 'x #c', '-k', '<<', '__proto__', 'toString', '1', '01'];

function rng(seed: number): () => number {
  let s = seed >>> 0;
  return () => {
    s = (s * 1664525 + 1013904223) >>> 0;
    return s / 2 ** 32;
  };
}

/** Random documents near the subset's edges: mostly well formed, with odd indentation, comments and scalars. */
function randomDoc(r: () => number): string {
  const pick = <T>(xs: T[]): T => xs[Math.floor(r() * xs.length)]!;
  // Mostly everyday scalars and keys, so that most documents stay in the fast subset.
  const scalar = () => (r() < 0.85 ? pick(SCALARS.slice(0, 40)) : pick(SCALARS));
  const key = () => (r() < 0.85 ? pick(KEYS.slice(0, 10)) : pick(KEYS));
  const lines: string[] = [];
  const gen = (indent: number, depth: number): void => {
    const n = 1 + Math.floor(r() * 3);
    const seq = r() < 0.4;
    for (let i = 0; i < n; i++) {
      const jitter = r() < 0.04 ? pick([-1, 1, 2]) : 0;
      const pad = ' '.repeat(Math.max(0, indent + jitter));
      if (r() < 0.08) lines.push(pick(['', '   ', `${pad}# comment`, '# top comment', `${' '.repeat(indent + 4)}# deep`]));
      const nested = depth < 3 && r() < 0.45;
      const comment = r() < 0.1 ? pick([' # c', '  #c', '#c']) : '';
      if (seq) {
        if (nested) {
          if (r() < 0.5) {
            lines.push(`${pad}- ${key()}:${comment}`);
            gen(indent + 2 + pick([2, 2, 0]), depth + 1);
          } else {
            lines.push(`${pad}-${comment}`);
            gen(indent + 2, depth + 1);
          }
        } else if (r() < 0.4) {
          lines.push(`${pad}- ${key()}: ${scalar()}${comment}`);
          if (r() < 0.5) lines.push(`${pad}  ${key()}: ${scalar()}`);
        } else lines.push(`${pad}- ${scalar()}${comment}`);
      } else if (nested) {
        lines.push(`${pad}${key()}:${comment}`);
        gen(indent + pick([2, 2, 4, 0]), depth + 1);
      } else lines.push(`${pad}${key()}: ${scalar()}${comment}`);
      if (r() < 0.03) lines.push(`${pad}  ${scalar()}`); // a continuation line
    }
  };
  gen(0, 0);
  return lines.join('\n') + (r() < 0.9 ? '\n' : '');
}

describe('fast YAML reader', () => {
  test('SLS-shaped files take the fast path', () => {
    const sls = [
      '# a state',
      'nginx:',
      '  pkg.installed: []',
      '  service.running:',
      '    - enable: True',
      '    - require:',
      '      - pkg: nginx',
      '',
      "/etc/nginx/nginx.conf:",
      '  file.managed:',
      "    - mode: '0644'",
      '    - user: root  # owner',
      '    - source: salt://nginx/files/nginx.conf',
      'include:',
      '- base',
      '- .extra',
    ].join('\n');
    expect(same(sls)).toBe('fast');
    expect(readFastYaml(sls)!.data).toEqual({
      nginx: { 'pkg.installed': [], 'service.running': [{ enable: true }, { require: [{ pkg: 'nginx' }] }] },
      '/etc/nginx/nginx.conf': { 'file.managed': [{ mode: '0644' }, { user: 'root' }, { source: 'salt://nginx/files/nginx.conf' }] },
      include: ['base', '.extra'],
    });
  });

  test('gives up on what it does not read, and on errors', () => {
    for (const t of ['a: &x 1\nb: *x\n', 'a: |\n  x\n', 'a: [1, [2]]\n', 'a: b\n  c\n', 'a: 1\na: 2\n', 'a: 1\n---\nb: 2\n', 'a:\tb\n', "a: 'x\n  y'\n", 'a: b: c\n', '  a: 1\n', '<<: {a: 1}\n']) {
      expect([t, readFastYaml(t)]).toEqual([t, undefined]);
    }
  });

  test('same data and lines as the full reader on curated documents', () => {
    const docs = [
      'a:\n- x\n- y\nb: 1\n',
      '- a\n-\n  - b\n',
      '- a:\n  - x\n',
      '- a:\n    b: 1\n  c: 2\n- d\n',
      'a:\n  -\n    b: 1\n',
      'a:\n    # c\n  b: 1\n',
      'a: b\n  # c\nd: 1\n',
      'x:\n  y:\n    z:\n      - 1\n      - deep: [] # c\n',
      "'q k': 1\n\"d k\" : 2\nk s : 3\n",
      '0644: a\nyes: b\n1.0: c\n',
      'a: 1\n\n\n   \nb: 2',
      '', '# only\n', '---\n', '--- # c\na: 1\n', '# c\n---\na: 1\n', '--- a\n', 'a: 1\n---\nb: 2\n', 'a: 1\n...\n', '---x: 1\n',
      ...SCALARS.map((s) => `k: ${s}\nl:\n  - ${s}\n  - m: ${s}\n`),
      ...KEYS.map((k) => `${k}: 1\nz:\n  - ${k}: 2\n`),
    ];
    for (const d of docs) same(d);
  });

  test('same data and lines as the full reader on random documents', () => {
    const r = rng(Number(process.env.FAST_YAML_SEED ?? 20241202));
    const seen = { fast: 0, full: 0 };
    for (let i = 0; i < Number(process.env.FAST_YAML_DOCS ?? 4000); i++) seen[same(randomDoc(r))]++;
    expect(seen.fast).toBeGreaterThan(1000); // the generator does exercise the fast path
  });
});
