/** Salt's filters beyond the oracle table: random values (shape only), dict kinds in `yaml`, load filters on modules. */
import { renderSalt } from './testkit';
import { SALT_FILTERS, SALT_TESTS } from './index';

const render = (t: string, vars = {}): string => renderSalt(t, {}, vars).out;

test('every filter and test Salt registers that Brine provides', () => {
  for (const name of ['yaml', 'json', 'tojson', 'load_yaml', 'load_json', 'load_text', 'yaml_encode', 'yaml_dquote', 'yaml_squote', 'traverse', 'unique',
    'regex_search', 'regex_match', 'regex_replace', 'regex_escape', 'to_bool', 'quote', 'sequence', 'is_list', 'flatten', 'md5', 'sha1', 'sha256', 'sha512',
    'base64_encode', 'base64_decode', 'uuid', 'str_to_num', 'to_num', 'to_bytes', 'strftime', 'dict_to_sls_yaml_params', 'combinations', 'permutations',
    'product', 'compare_lists', 'compare_dicts', 'is_ip', 'is_ipv4', 'is_ipv6', 'ipaddr', 'ipv4', 'ipv6', 'network_hosts', 'network_size', 'gen_mac',
    'path_join', 'which', 'min', 'max', 'avg', 'union', 'intersect', 'difference', 'symmetric_difference', 'method_call', 'check_whitelist_blacklist',
    'to_snake_case', 'to_camelcase', 'human_to_bytes', 'exactly_n_true', 'exactly_one_true']) {
    expect(SALT_FILTERS[name]).toBeDefined();
  }
  expect(Object.keys(SALT_TESTS).sort()).toEqual(['equalto', 'list', 'match']);
});

test('random filters have Salt shapes', () => {
  expect(render("{{ '52:54:00' | gen_mac }}")).toMatch(/^52:54:00(:[0-9A-F]{2}){3}$/);
  expect(render('{{ 16 | random_str | length }}')).toBe('16');
  expect(render('{{ 100 | random_hash | length }}')).toBe('32');
  expect(render("{{ 100 | random_hash('sha256') | length }}")).toBe('64');
  expect(render("{{ none | strftime('%Y') }}")).toBe(String(new Date().getFullYear()));
});

test('yaml: template dicts sort, data (plain objects: pillar, YAML) keep their order', () => {
  expect(render('{{ {"b": 1, "a": 2} | yaml }}|{{ data | yaml }}', { data: { b: 1, a: { d: 1, c: 2 } } })).toBe('{a: 2, b: 1}|{b: 1, a: {d: 1, c: 2}}');
  expect(render('{{ data | json }}', { data: { b: 1, a: 2 } })).toBe('{"a": 2, "b": 1}');
});

test('load filters take an imported template module as its text', () => {
  const out = renderSalt('{% import "m" as m %}{{ (m | load_yaml).k }}|{{ m | load_text }}', { templates: { m: 'k: v' } }).out;
  expect(out).toBe('v|k: v');
});

test('itertools filters yield once', () => {
  expect(render('{% set c = [1, 2, 3] | combinations(2) %}{{ c | list | length }} {{ c | list | length }}')).toBe('3 0');
});
