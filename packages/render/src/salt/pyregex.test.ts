/** Python's `re` through the translation to JavaScript: each case's expected result was computed by CPython 3.11. */
import { PyRegex, pyRegex, reEscape } from './pyregex';

interface Case {
  op: 'search' | 'match' | 'sub';
  pattern: string;
  i: boolean;
  m: boolean;
  s: boolean;
  text: string;
  repl: string | null;
  expected: unknown;
}

const CASES: Case[] = [
  {"op": "search", "pattern": "(\\d+)-(\\d+)", "i": false, "m": false, "s": false, "text": "a 12-34 b", "repl": null, "expected": ["12-34", ["12", "34"]]},
  {"op": "search", "pattern": "^b", "i": false, "m": false, "s": false, "text": "a\nb", "repl": null, "expected": null},
  {"op": "search", "pattern": "^b", "i": false, "m": true, "s": false, "text": "a\nb", "repl": null, "expected": ["b", []]},
  {"op": "search", "pattern": "a$", "i": false, "m": false, "s": false, "text": "a\n", "repl": null, "expected": ["a", []]},
  {"op": "search", "pattern": "a$", "i": false, "m": false, "s": false, "text": "a\n\n", "repl": null, "expected": null},
  {"op": "search", "pattern": "a.b", "i": false, "m": false, "s": false, "text": "a\nb", "repl": null, "expected": null},
  {"op": "search", "pattern": "a.b", "i": false, "m": false, "s": true, "text": "a\nb", "repl": null, "expected": ["a\nb", []]},
  {"op": "search", "pattern": "\\Aab\\Z", "i": false, "m": false, "s": false, "text": "ab", "repl": null, "expected": ["ab", []]},
  {"op": "search", "pattern": "\\Aab\\Z", "i": false, "m": false, "s": false, "text": "ab\n", "repl": null, "expected": null},
  {"op": "search", "pattern": "(?P<x>\\w+)@(?P=x)", "i": false, "m": false, "s": false, "text": "foo@foo", "repl": null, "expected": ["foo@foo", ["foo"]]},
  {"op": "search", "pattern": "(?i)HELLO", "i": false, "m": false, "s": false, "text": "say hello", "repl": null, "expected": ["hello", []]},
  {"op": "search", "pattern": "[\\d.]+", "i": false, "m": false, "s": false, "text": "v1.2.3", "repl": null, "expected": ["1.2.3", []]},
  {"op": "search", "pattern": "[]a]+", "i": false, "m": false, "s": false, "text": "x]a]", "repl": null, "expected": ["]a]", []]},
  {"op": "search", "pattern": "[^]a]+", "i": false, "m": false, "s": false, "text": "]]bc", "repl": null, "expected": ["bc", []]},
  {"op": "search", "pattern": "a{2}", "i": false, "m": false, "s": false, "text": "caaa", "repl": null, "expected": ["aa", []]},
  {"op": "search", "pattern": "a{,2}b", "i": false, "m": false, "s": false, "text": "aaab", "repl": null, "expected": ["aab", []]},
  {"op": "search", "pattern": "{foo}", "i": false, "m": false, "s": false, "text": "x{foo}", "repl": null, "expected": ["{foo}", []]},
  {"op": "search", "pattern": "\\x41\\u0042\\101", "i": false, "m": false, "s": false, "text": "ABA", "repl": null, "expected": ["ABA", []]},
  {"op": "search", "pattern": "\\w+", "i": false, "m": false, "s": false, "text": "héllo wörld", "repl": null, "expected": ["héllo", []]},
  {"op": "search", "pattern": "(?#comment)ab", "i": false, "m": false, "s": false, "text": "ab", "repl": null, "expected": ["ab", []]},
  {"op": "search", "pattern": "a\\-b\\ c\\#d", "i": false, "m": false, "s": false, "text": "a-b c#d", "repl": null, "expected": ["a-b c#d", []]},
  {"op": "search", "pattern": "(a)|(b)", "i": false, "m": false, "s": false, "text": "b", "repl": null, "expected": ["b", [null, "b"]]},
  {"op": "search", "pattern": "\\bfoo\\b", "i": false, "m": false, "s": false, "text": "a foo b", "repl": null, "expected": ["foo", []]},
  {"op": "search", "pattern": "(?<=a)b", "i": false, "m": false, "s": false, "text": "ab", "repl": null, "expected": ["b", []]},
  {"op": "search", "pattern": "[\\w-]+", "i": false, "m": false, "s": false, "text": "--ab_c-", "repl": null, "expected": ["--ab_c-", []]},
  {"op": "search", "pattern": "\\$\\d", "i": false, "m": false, "s": false, "text": "cost $5", "repl": null, "expected": ["$5", []]},
  {"op": "match", "pattern": "b", "i": false, "m": false, "s": false, "text": "ab", "repl": null, "expected": null},
  {"op": "match", "pattern": "a", "i": false, "m": false, "s": false, "text": "ab", "repl": null, "expected": ["a", []]},
  {"op": "sub", "pattern": "\\s+", "i": false, "m": false, "s": false, "text": "a  b\tc", "repl": "_", "expected": "a_b_c"},
  {"op": "sub", "pattern": "(\\w)(\\d)", "i": false, "m": false, "s": false, "text": "a1b2", "repl": "\\2\\1", "expected": "1a2b"},
  {"op": "sub", "pattern": "(?P<n>\\d)", "i": false, "m": false, "s": false, "text": "a1", "repl": "<\\g<n>\\g<0>>", "expected": "a<11>"},
  {"op": "sub", "pattern": "x*", "i": false, "m": false, "s": false, "text": "abxd", "repl": "-", "expected": "-a-b--d-"},
  {"op": "sub", "pattern": "$", "i": false, "m": true, "s": false, "text": "a\nb", "repl": ";", "expected": "a;\nb;"},
  {"op": "sub", "pattern": "^", "i": false, "m": true, "s": false, "text": "a\nb\n", "repl": "> ", "expected": "> a\n> b\n> "},
  {"op": "sub", "pattern": "a", "i": true, "m": false, "s": false, "text": "AaA", "repl": "\\n", "expected": "\n\n\n"},
  {"op": "sub", "pattern": "(a)(b)?", "i": false, "m": false, "s": false, "text": "a", "repl": "[\\2]", "expected": "[]"},
  {"op": "sub", "pattern": "\\.", "i": false, "m": false, "s": false, "text": "a.b.c", "repl": "\\\\", "expected": "a\\b\\c"},
  {"op": "sub", "pattern": "é", "i": false, "m": false, "s": false, "text": "café", "repl": "e", "expected": "cafe"},
];

test.each(CASES.map((c) => [`${c.op} ${c.pattern} ${JSON.stringify(c.text)}`, c] as const))('%s', (_n, c) => {
  const re = new PyRegex(c.pattern, { ignorecase: c.i, multiline: c.m, dotall: c.s });
  if (c.op === 'sub') {
    expect(re.sub(c.text, c.repl!)).toBe(c.expected);
    return;
  }
  const m = c.op === 'search' ? re.search(c.text) : re.match(c.text);
  expect(m === null ? null : [m[0], PyRegex.groupsOf(m)]).toEqual(c.expected);
});

test('re.escape as Python 3.7+', () => {
  expect(reEscape('https://example.com?foo=bar%20baz')).toBe('https://example\\.com\\?foo=bar%20baz');
  expect(pyRegex(reEscape('a-b c#d&~')).search('xa-b c#d&~')).not.toBeNull();
});

test('Python-only syntax is refused with re.error', () => {
  expect(() => new PyRegex('(?i:a)b')).toThrow(/re.error/);
  expect(() => new PyRegex('\\q')).toThrow(/bad escape/);
});
