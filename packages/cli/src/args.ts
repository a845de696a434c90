/** Salt-style function arguments: `key=value` are kwargs (values read as YAML, so `test=True` is a boolean). */
import { parse as parseYaml } from 'yaml';

const KWARG = /^([A-Za-z_][A-Za-z0-9_]*)=(.*)$/s;

function yamlify(s: string): unknown {
  // Like Salt's yamlify_arg: only obviously structured or scalar-typed values are converted.
  if (/^(true|false|yes|no|on|off|none|null|~)$/i.test(s) || /^-?\d+(\.\d+)?$/.test(s) || /^[[{]/.test(s)) {
    try {
      const v = parseYaml(s, { version: '1.1' });
      // An integer past 2^53 (a jid: saltutil.find_job 20261202164348336000) stays a string: a JS number would round it.
      if (typeof v === 'number' && /^-?\d+$/.test(s) && !Number.isSafeInteger(v)) return s;
      return v === undefined ? s : v;
    } catch {
      return s;
    }
  }
  return s;
}

export function parseFunctionArgs(words: string[]): { args: unknown[]; kwargs: Record<string, unknown> } {
  const args: unknown[] = [];
  const kwargs: Record<string, unknown> = {};
  for (const w of words) {
    const m = KWARG.exec(w);
    if (m) kwargs[m[1]!] = yamlify(m[2]!);
    else args.push(yamlify(w));
  }
  return { args, kwargs };
}
