/**
 * A strict reader of the Prometheus text format as the master writes it, for the tests and the benchmarks (which
 * read their figures from /metrics). It refuses what Prometheus would: a sample before its TYPE, a bad name,
 * label or escape, a value that is not a float.
 */
import type { MetricType } from './registry';

export interface ParsedSample {
  name: string;
  labels: Record<string, string>;
  value: number;
}

export interface ParsedFamily {
  name: string;
  help: string;
  type: MetricType;
  samples: ParsedSample[];
}

const NAME = '[a-zA-Z_:][a-zA-Z0-9_:]*';
const SUFFIXES: Record<MetricType, string[]> = { counter: [''], gauge: [''], histogram: ['_bucket', '_sum', '_count'], summary: ['', '_sum', '_count'] };

function unescape(s: string, allowQuote: boolean, where: string): string {
  return s.replace(/\\(.)/g, (_m, c: string) => {
    if (c === '\\') return '\\';
    if (c === 'n') return '\n';
    if (c === '"' && allowQuote) return '"';
    throw new Error(`${where}: bad escape \\${c}`);
  });
}

function parseValue(s: string, where: string): number {
  if (s === '+Inf') return Infinity;
  if (s === '-Inf') return -Infinity;
  if (s === 'NaN') return NaN;
  if (!/^[-+]?(\d+\.?\d*|\.\d+)([eE][-+]?\d+)?$/.test(s)) throw new Error(`${where}: '${s}' is not a number`);
  return Number(s);
}

function parseLabels(text: string, where: string): Record<string, string> {
  const labels: Record<string, string> = {};
  const re = /\s*([a-zA-Z_][a-zA-Z0-9_]*)="((?:[^"\\\n]|\\.)*)"\s*(,|$)/y;
  let i = 0;
  while (i < text.length) {
    re.lastIndex = i;
    const m = re.exec(text);
    if (!m) throw new Error(`${where}: bad labels {${text}}`);
    if (m[1]! in labels) throw new Error(`${where}: label ${m[1]} repeats`);
    labels[m[1]!] = unescape(m[2]!, true, where);
    i = re.lastIndex;
    if (m[3] === '' && i < text.length) throw new Error(`${where}: bad labels {${text}}`);
  }
  return labels;
}

/** The families in order. Throws naming the line on anything malformed. */
export function parseExposition(text: string): ParsedFamily[] {
  if (!text.endsWith('\n')) throw new Error('exposition: does not end with a line feed');
  const families = new Map<string, ParsedFamily>();
  const help = new Map<string, string>();
  let current: ParsedFamily | undefined;
  text.slice(0, -1).split('\n').forEach((line, n) => {
    const where = `line ${n + 1}`;
    if (line === '') return;
    let m = new RegExp(`^# HELP (${NAME}) (.*)$`).exec(line);
    if (m) {
      if (help.has(m[1]!)) throw new Error(`${where}: second HELP for ${m[1]}`);
      help.set(m[1]!, unescape(m[2]!, false, where));
      return;
    }
    m = new RegExp(`^# TYPE (${NAME}) (counter|gauge|histogram|summary)$`).exec(line);
    if (m) {
      if (families.has(m[1]!)) throw new Error(`${where}: second TYPE for ${m[1]}`);
      current = { name: m[1]!, help: help.get(m[1]!) ?? '', type: m[2] as MetricType, samples: [] };
      families.set(m[1]!, current);
      return;
    }
    if (line.startsWith('#')) return; // another comment
    m = new RegExp(`^(${NAME})(?:\\{(.*)\\})? (\\S+)$`).exec(line);
    if (!m) throw new Error(`${where}: not a sample: ${line}`);
    const name = m[1]!;
    if (!current || !SUFFIXES[current.type].some((s) => name === current!.name + s)) throw new Error(`${where}: sample ${name} outside its family's TYPE`);
    current.samples.push({ name, labels: m[2] === undefined ? {} : parseLabels(m[2], where), value: parseValue(m[3]!, where) });
  });
  return [...families.values()];
}

/** The value of one sample (labels must match exactly), or undefined. */
export function sampleValue(families: ParsedFamily[], name: string, labels: Record<string, string> = {}): number | undefined {
  const keys = Object.keys(labels);
  for (const f of families) {
    for (const s of f.samples) {
      if (s.name === name && Object.keys(s.labels).length === keys.length && keys.every((k) => s.labels[k] === labels[k])) return s.value;
    }
  }
  return undefined;
}
