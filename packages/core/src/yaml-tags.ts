/** YAML tag rules shared by every reader of Salt-style YAML (states, pillar, configuration). */
import { PY_FLOAT } from './yaml-numbers';
const PY_TRUE = /^(?:[Yy]es|YES|[Tt]rue|TRUE|[Oo]n|ON)$/;
const PY_FALSE = /^(?:[Nn]o|NO|[Ff]alse|FALSE|[Oo]ff|OFF)$/;

/**
 * YAML 1.1 tags as PyYAML (and so Salt) reads them: no timestamps (Salt keeps dates as strings), booleans
 * without the single letters `y`/`n`, which PyYAML leaves as strings (`{n: 3}` is a key named n), and floats only
 * where PyYAML's resolver sees one (`e1`, a minion id, stays a string).
 */
export function saltYamlTags<T extends { tag?: string; test?: RegExp }>(tags: T[]): T[] {
  return tags
    .filter((t) => t.tag !== 'tag:yaml.org,2002:timestamp')
    .map((t) => {
      if (t.tag === 'tag:yaml.org,2002:float' && t.test) {
        // yaml's YAML 1.1 float also takes `e1` (as NaN) and `1e3`; keep only what PyYAML reads as a float.
        const own = t.test;
        const test = new RegExp(`(?=${PY_FLOAT.source})(?:${own.source})`, own.flags.replace('y', ''));
        return { ...t, test };
      }
      if (t.tag !== 'tag:yaml.org,2002:bool' || !t.test) return t;
      const truthy = t.test.test('true');
      return { ...t, test: truthy ? PY_TRUE : PY_FALSE };
    });
}

