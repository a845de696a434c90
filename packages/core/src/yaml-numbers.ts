/**
 * Plain scalars that `yaml` v2 (YAML 1.1) reads as numbers, corrected to what PyYAML with Salt's loader gives:
 *   - Salt strips the leading zeros of an unsigned octal-looking integer, so `0644` is 644 (and `000` is 0);
 *     a signed one stays octal as in YAML 1.1 (`-0644` is -420);
 *   - PyYAML's resolver has no int for `09` or float for `1e3` (a float needs a dot): those stay strings.
 */
export const PY_INT = /^(?:[-+]?0b[0-1_]+|[-+]?0[0-7_]+|[-+]?(?:0|[1-9][0-9_]*)|[-+]?0x[0-9a-fA-F_]+|[-+]?[1-9][0-9_]*(?::[0-5]?[0-9])+)$/;
/** PyYAML's float resolver: a dot is required (or inf/nan); `e1` and `1e3` are strings. */
export const PY_FLOAT = /^(?:[-+]?[0-9][0-9_]*\.[0-9_]*(?:[eE][-+][0-9]+)?|\.[0-9_]+(?:[eE][-+][0-9]+)?|[-+]?[0-9][0-9_]*(?::[0-5]?[0-9])+\.[0-9_]*|[-+]?\.(?:inf|Inf|INF)|\.(?:nan|NaN|NAN))$/;

export function pyNumber(source: string, value: number): number | bigint | string {
  if (PY_INT.test(source)) {
    if (source.length > 1 && source.startsWith('0') && !/^0[bx]/.test(source)) {
      return exactInt(source.replace(/^0+/, '').replace(/_/g, '') || '0');
    }
    return Number.isSafeInteger(value) ? value : exactInt(source, value);
  }
  return PY_FLOAT.test(source) ? value : source;
}

/** Python's int has no size limit (nor a size for its text: Python's own limit is 4,300 digits). */
const MAX_INT_DIGITS = 4300;

/**
 * An integer literal (YAML 1.1's forms: `-0x1f`, `0b1_0`, signed octal `-017`, decimal with `_`) as a JS number while
 * exact, else as a bigint, as Python keeps every digit. `fallback` (the reader's own value) for a form this does not
 * read (sexagesimal `1:30`) or text too long to be one.
 */
export function exactInt(source: string, fallback?: number): number | bigint {
  const t = source.replace(/_/g, '');
  const m = /^([-+]?)(0x[0-9a-fA-F]+|0b[01]+|0[0-7]+|[0-9]+)$/.exec(t);
  if (!m || t.length > MAX_INT_DIGITS) return fallback ?? Number(t);
  const body = m[2]!;
  const big = BigInt(/^0[0-7]/.test(body) ? `0o${body.slice(1)}` : body);
  const n = m[1] === '-' ? -big : big;
  return n >= BigInt(Number.MIN_SAFE_INTEGER) && n <= BigInt(Number.MAX_SAFE_INTEGER) ? Number(n) : n;
}
