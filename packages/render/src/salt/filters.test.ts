/** Salt's filters beyond the oracle table: random values (shape only), dict kinds in `yaml`, load filters on modules. */
import { createHash } from 'crypto';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { renderSalt } from './testkit';
import { SALT_FILTERS, SALT_TESTS } from './index';
import { b64decode } from './filters-string';

const render = (t: string, vars = {}): string => renderSalt(t, {}, vars).out;

test('every filter and test Salt registers that Brine provides', () => {
  for (const name of ['yaml', 'json', 'tojson', 'python', 'load_yaml', 'load_json', 'load_text', 'yaml_encode', 'yaml_dquote', 'yaml_squote', 'traverse', 'unique',
    'regex_search', 'regex_match', 'regex_replace', 'regex_escape', 'to_bool', 'quote', 'sequence', 'is_list', 'flatten', 'md5', 'sha1', 'sha256', 'sha512',
    'base64_encode', 'base64_decode', 'uuid', 'str_to_num', 'to_num', 'to_bytes', 'strftime', 'dict_to_sls_yaml_params', 'combinations', 'permutations',
    'product', 'compare_lists', 'compare_dicts', 'is_ip', 'is_ipv4', 'is_ipv6', 'ipaddr', 'ipv4', 'ipv6', 'network_hosts', 'network_size', 'gen_mac',
    'path_join', 'which', 'min', 'max', 'avg', 'union', 'intersect', 'difference', 'symmetric_difference', 'method_call', 'check_whitelist_blacklist',
    'to_snake_case', 'to_camelcase', 'human_to_bytes', 'exactly_n_true', 'exactly_one_true', 'substring_in_list', 'json_encode_dict',
    'json_decode_dict', 'json_encode_list', 'json_decode_list', 'mysql_to_dict', 'mac_str_to_bytes', 'random_sample', 'random_shuffle', 'is_empty',
    'is_text_file', 'is_bin_file', 'list_files', 'file_hashsum', 'get_uid']) {
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

test('file filters read the machine: emptiness, text or binary, the tree under a directory, a file hash, a uid', () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'brine-ffilters-'));
  try {
    fs.writeFileSync(path.join(dir, 'empty'), '');
    fs.writeFileSync(path.join(dir, 'text'), 'héllo\nworld\n');
    fs.writeFileSync(path.join(dir, 'bin'), Buffer.from([0x7f, 0x45, 0x4c, 0x46, 0, 1, 2, 0xff]));
    fs.mkdirSync(path.join(dir, 'sub'));
    fs.writeFileSync(path.join(dir, 'sub', 'x'), 'x');
    const r = (t: string) => render(t, { d: dir });
    expect(r("{{ (d ~ '/empty') | is_empty }} {{ (d ~ '/text') | is_empty }} {{ (d ~ '/missing') | is_empty }}")).toBe('True False False');
    expect(r("{{ (d ~ '/text') | is_text_file }} {{ (d ~ '/bin') | is_text_file }} {{ (d ~ '/empty') | is_text_file }} {{ (d ~ '/missing') | is_text_file }}")).toBe('True False True False');
    expect(r("{{ (d ~ '/text') | is_bin_file }} {{ (d ~ '/bin') | is_bin_file }} {{ d | is_bin_file }}")).toBe('False True False');
    expect(r("{{ d | list_files | sort | join(',') }}")).toBe([dir, `${dir}/bin`, `${dir}/empty`, `${dir}/sub`, `${dir}/sub/x`, `${dir}/text`].join(','));
    const sha = createHash('sha256').update(fs.readFileSync(path.join(dir, 'text'))).digest('hex');
    expect(r("{{ (d ~ '/text') | file_hashsum }}")).toBe(sha);
    expect(() => r("{{ (d ~ '/text') | file_hashsum('nope') }}")).toThrow(/Invalid hash type: nope/);
    expect(() => r("{{ (d ~ '/missing') | file_hashsum }}")).toThrow(/No such file or directory/);
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
  expect(render("{{ 'root' | get_uid }} {{ 'no-such-user-here' | get_uid }}")).toBe('0 None');
});

test('random_sample / random_shuffle: an int seed fails as in Salt 3006 (its seed goes through a hash of bytes); no seed is random', () => {
  expect(() => render('{{ [1, 2, 3] | random_shuffle(seed=42) }}')).toThrow(/object supporting the buffer API required/);
  expect(render('{{ [1, 2, 3, 4] | random_shuffle | sort }} {{ [1, 2, 3] | random_sample(2) | length }}')).toBe('[1, 2, 3, 4] 2');
  expect(() => render('{{ [1, 2] | random_sample(3) }}')).toThrow(/Sample larger than population/);
});

describe('base64_decode is Python base64.b64decode (not validating), checked against python3', () => {
  test('padding rules, skipped characters, a pad that ends the input, errors', () => {
    const cases = ['YWJ', 'YQ==YQ==', 'YWJj=', 'YW=Jj', 'YQ=', 'Y', 'YWJjZ', 'YQ', 'a b c d', 'YWJ=x', 'Y2Fmw6k=', '', '====', 'YQ==='];
    const py = JSON.parse(
      require('child_process').execFileSync('python3', ['-c', 'import sys,json,base64\nout=[]\nfor s in json.load(sys.stdin):\n  try: out.append(base64.b64decode(s).hex())\n  except Exception as e: out.append("ERR " + str(e))\nprint(json.dumps(out))'], { input: JSON.stringify(cases) }).toString(),
    ) as string[];
    const ours = cases.map((c) => {
      try {
        return b64decode(c).toString('hex');
      } catch (e) {
        return `ERR ${(e as Error).message.replace(/^binascii\.Error: /, '')}`;
      }
    });
    expect(ours).toEqual(py);
  });
  test('path_join takes str parts only, as salt.utils.path.join', () => {
    expect(() => renderSalt("{{ 'a'|path_join(none) }}").out).toThrow("expected str, bytes, or bytearray not <class 'NoneType'>");
    expect(() => renderSalt("{{ 'a'|path_join(1) }}").out).toThrow("expected str, bytes, or bytearray not <class 'int'>");
  });
});

describe('type errors where Salt 3006.1 raises them', () => {
  test('sorted_ignorecase of ints, difference against a str, is_empty of a list, the length of bytes', () => {
    expect(() => render('{{ [3, 1]|sorted_ignorecase }}')).toThrow("'int' object has no attribute 'lower'");
    expect(() => render("{{ [1, 2]|difference('2') }}")).toThrow("'in <string>' requires string as left operand, not int");
    expect(render("{{ ['a', 'x']|difference('abc') }} {{ ['a', 'x']|intersect('abc') }}")).toBe("['x'] ['a']");
    expect(() => render('{{ []|is_empty }}')).toThrow('stat: path should be string, bytes, os.PathLike or integer, not list');
    expect(render("{{ 'AA:BB:CC:DD:EE:FF'|mac_str_to_bytes|length }}")).toBe('6');
  });
});

test("python is Salt's format_python: pprint.pformat, stripped, as Markup (Salt 3006.1's output)", () => {
  expect(render(`{{ {'b': 1, 'a': 'x' * 90}|python }}`)).toBe(`{'a': '${'x'.repeat(90)}',\n 'b': 1}`);
  expect(render("{{ ([1, '<a>']|python) ~ '<' }}")).toBe("[1, '<a>']<");
});
