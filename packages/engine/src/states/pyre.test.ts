/** Python `re` on JavaScript: expected values are what CPython 3.11's re.sub / re.search give. */
import { parseRepl, pyEscape, pyFlags, pyRegExp, pySubn } from './pyre';

const sub = (pattern: string, repl: string, text: string, flags = 0, count = 0) => pySubn(pyRegExp(pattern, flags), repl, text, count).text;

it('translates named groups, backreferences, \\A, \\Z and Python $', () => {
  expect(sub('(?P<k>\\w+)=(?P=k)', '[\\g<k>]', 'a=a b=c')).toBe('[a] b=c');
  expect(sub('\\Aab', 'X', 'ab\nab\n', 8)).toBe('X\nab\n');
  expect(sub('b\\Z', 'X', 'ab\nab')).toBe('ab\naX');
  // Without MULTILINE, $ matches at the end and before a final newline only.
  expect(sub('b$', 'X', 'ab\nab\n')).toBe('ab\naX\n');
  expect(sub('b$', 'X', 'ab\nab\n', 8)).toBe('aX\naX\n');
  expect(sub('[]a]', 'X', ']a')).toBe('XX');
});

it('inline and named flags, verbose patterns, comments', () => {
  expect(sub('(?i)hello', 'bye', 'HeLLo')).toBe('bye');
  expect(sub('(?s)a.b', 'X', 'a\nb')).toBe('X');
  expect(sub('a.b', 'X', 'a\nb')).toBe('a\nb');
  expect(sub('a  b # comment\n c', 'X', 'abc', 64)).toBe('X');
  expect(sub('a(?#note)b', 'X', 'ab')).toBe('X');
  expect(pyFlags(['IGNORECASE', 're.MULTILINE'])).toBe(10);
  expect(pyFlags('[M, S]')).toBe(24);
  expect(pyFlags(undefined)).toBe(8);
  expect(() => pyFlags(['BOGUS'])).toThrow(/unknown flag "BOGUS"/);
});

it('replacement templates: groups, escapes, count; errors as Python words them', () => {
  expect(sub('(a)(b)', '\\2\\1\\n\\t\\\\', 'ab')).toBe('ba\n\t\\');
  expect(sub('a', 'x', 'aaa', 0, 2)).toBe('xxa');
  expect(pySubn(pyRegExp('a'), 'x', 'banana').n).toBe(3);
  expect(parseRepl('\\g<0>-\\0')).toEqual([{ group: 0 }, '-\0']);
  expect(() => parseRepl('\\q')).toThrow('bad escape \\q');
  expect(() => sub('(a)', '\\2', 'a')).toThrow(/invalid group reference 2/);
  expect(() => sub('(?P<x>a)', '\\g<y>', 'a')).toThrow(/unknown group name 'y'/);
  expect(() => pyRegExp('a++')).toThrow(/possessive/);
  expect(() => pyRegExp('(?>a)')).toThrow(/unsupported group syntax/);
  expect(() => pyRegExp('[a')).toThrow(/unterminated character set/);
  expect(() => pyRegExp('(a')).toThrow(/^invalid regular expression "\(a": Unterminated group$/);
});

it('re.escape', () => {
  expect(pyEscape('a.b*c d-e_f')).toBe('a\\.b\\*c\\ d\\-e_f');
  expect(pyRegExp(`^${pyEscape('x = [1] (2)')}$`, 8).test('x = [1] (2)')).toBe(true);
});
