/**
 * Plain scalars that `yaml` v2 (YAML 1.1) reads as numbers, corrected to what PyYAML with Salt's loader gives:
 *   - Salt strips the leading zeros of an unsigned octal-looking integer, so `0644` is 644 (and `000` is 0);
 *     a signed one stays octal as in YAML 1.1 (`-0644` is -420);
 *   - PyYAML's resolver has no int for `09` or float for `1e3` (a float needs a dot): those stay strings.
 */
export const PY_INT = /^(?:[-+]?0b[0-1_]+|[-+]?0[0-7_]+|[-+]?(?:0|[1-9][0-9_]*)|[-+]?0x[0-9a-fA-F_]+|[-+]?[1-9][0-9_]*(?::[0-5]?[0-9])+)$/;
/** PyYAML's float resolver: a dot is required (or inf/nan); `e1` and `1e3` are strings. */
export const PY_FLOAT = /^(?:[-+]?[0-9][0-9_]*\.[0-9_]*(?:[eE][-+][0-9]+)?|\.[0-9_]+(?:[eE][-+][0-9]+)?|[-+]?[0-9][0-9_]*(?::[0-5]?[0-9])+\.[0-9_]*|[-+]?\.(?:inf|Inf|INF)|\.(?:nan|NaN|NAN))$/;

export function pyNumber(source: string, value: number): number | string {
  if (PY_INT.test(source)) {
    if (source.length > 1 && source.startsWith('0') && !/^0[bx]/.test(source)) {
      return Number(source.replace(/^0+/, '').replace(/_/g, '') || '0');
    }
    return value;
  }
  return PY_FLOAT.test(source) ? value : source;
}
