/** YAML tag rules shared by every reader of Salt-style YAML (states, pillar, configuration). */
const PY_TRUE = /^(?:[Yy]es|YES|[Tt]rue|TRUE|[Oo]n|ON)$/;
const PY_FALSE = /^(?:[Nn]o|NO|[Ff]alse|FALSE|[Oo]ff|OFF)$/;

/**
 * YAML 1.1 tags as PyYAML (and so Salt) reads them: no timestamps (Salt keeps dates as strings), and booleans
 * without the single letters `y`/`n`, which PyYAML leaves as strings (`{n: 3}` is a key named n).
 */
export function saltYamlTags<T extends { tag?: string; test?: RegExp }>(tags: T[]): T[] {
  return tags
    .filter((t) => t.tag !== 'tag:yaml.org,2002:timestamp')
    .map((t) => {
      if (t.tag !== 'tag:yaml.org,2002:bool' || !t.test) return t;
      const truthy = t.test.test('true');
      return { ...t, test: truthy ? PY_TRUE : PY_FALSE };
    });
}

