/**
 * Differential conformance: every case of the corpus (test-fixtures/jinja-conformance/*.cases, format in
 * conformance-cases.ts) is rendered by Python's Jinja2 (scripts/jinja-oracle.py, run once) and by Brine's
 * JinjaEngine; outputs must be byte-identical, and where Python raises, Brine must throw a TemplateError of
 * the same kind, in the same template file and on the same line (when Python knows them).
 */
import * as path from 'path';
import { execFileSync } from 'child_process';
import { JinjaEngine, TemplateError } from './engine';
import { MAIN_TEMPLATE, caseDigest, engineOptions, loadCases, type ConformanceCase } from './conformance-cases';

type Kind = TemplateError['kind'];
type OracleAnswer =
  | { out: string; digest: string }
  | { error: string; kind: Kind; file: string | null; line: number | null; digest: string };

const ORACLE = path.resolve(__dirname, '../../../../scripts/jinja-oracle.py');
const cases = loadCases();
let oracle: Record<string, OracleAnswer> | undefined;

beforeAll(() => {
  let stdout: string;
  try {
    stdout = execFileSync('python3', [ORACLE], { encoding: 'utf8', maxBuffer: 256 * 1024 * 1024, stdio: ['ignore', 'pipe', 'pipe'] });
  } catch (e) {
    const err = e as NodeJS.ErrnoException & { stderr?: string };
    const why = err.code === 'ENOENT' ? 'python3 is not installed' : (err.stderr || err.message).trim();
    throw new Error(`the Jinja2 oracle could not run (${why}): run scripts/install-deps.sh to install python3 and python3-jinja2`);
  }
  oracle = JSON.parse(stdout) as Record<string, OracleAnswer>;
});

function answer(c: ConformanceCase): OracleAnswer {
  if (!oracle) throw new Error('the Jinja2 oracle did not run: run scripts/install-deps.sh to install python3 and python3-jinja2');
  const want = oracle[c.name];
  if (!want) throw new Error(`the oracle gave no answer for ${c.name} (${c.corpus})`);
  return want;
}

describe('Jinja2 conformance corpus', () => {
  test('holds at least 450 cases', () => {
    expect(cases.length).toBeGreaterThanOrEqual(450);
  });

  test('is read identically by the TypeScript loader and the Python oracle', () => {
    const mismatched = cases.filter((c) => answer(c).digest !== caseDigest(c)).map((c) => `${c.corpus}: ${c.name}`);
    expect(mismatched).toEqual([]);
    expect(Object.keys(oracle!).sort()).toEqual(cases.map((c) => c.name).sort());
  });
});

describe('Brine renders like Jinja2 3.1', () => {
  test.each(cases.map((c) => ({ name: c.name, c })))('$name', ({ c }) => {
    const want = answer(c);
    let got: string | undefined;
    let thrown: unknown;
    try {
      got = new JinjaEngine(engineOptions(c)).renderString(c.template, c.vars, MAIN_TEMPLATE);
    } catch (e) {
      thrown = e;
    }
    if ('out' in want) {
      if (thrown !== undefined) throw new Error(`Jinja2 renders ${JSON.stringify(want.out)} but Brine threw: ${String(thrown)}`);
      expect(got).toBe(want.out);
      return;
    }
    const python = `Jinja2 raised ${want.error} (${want.kind} in ${want.file ?? '?'} line ${want.line ?? '?'})`;
    if (thrown === undefined) throw new Error(`${python} but Brine rendered ${JSON.stringify(got)}`);
    if (!(thrown instanceof TemplateError)) throw new Error(`${python} but Brine threw a non-TemplateError: ${String(thrown)}`);
    const brine = { kind: thrown.kind, file: thrown.file, line: thrown.line };
    const expected = { kind: want.kind, file: want.file ?? thrown.file, line: want.line ?? thrown.line };
    if (brine.kind !== expected.kind || brine.file !== expected.file || brine.line !== expected.line) {
      throw new Error(`${python} but Brine threw ${thrown.message} (${brine.kind} in ${brine.file} line ${brine.line ?? '?'})`);
    }
  });
});
