import { checkUntrustedTarget, globMatch, matchTarget, untrustedRegExp } from './target';

const subject = { id: 'web01', grains: { roles: ['web', 'lb'], os: 'Debian', big: 'a'.repeat(40) + '!' }, pillar: { tier: 'prod' } };

test('globs: *, ?, classes, negated classes, literal specials', () => {
  expect(globMatch('web*', 'web01')).toBe(true);
  expect(globMatch('w?b0[0-9]', 'web01')).toBe(true);
  expect(globMatch('web0[!1]', 'web01')).toBe(false);
  expect(globMatch('*.example.com', 'a.example.com')).toBe(true);
  expect(globMatch('*.example.com', 'aXexampleYcom')).toBe(false);
  expect(globMatch('a*b*c', 'a-b-c')).toBe(true);
  expect(globMatch('a*b*c', 'a-c-b')).toBe(false);
  expect(globMatch('**', '')).toBe(true);
  expect(globMatch('[ab', '[ab')).toBe(true);
});

test('a glob with many stars against a long value stays linear-ish (a regex would backtrack for minutes)', () => {
  const v = 'a'.repeat(20_000);
  expect(globMatch('*a*a*a*a*a*a*a*a*b', v)).toBe(false);
  expect(globMatch('*a*a*a*a*a*a*a*a*', v)).toBe(true);
});

test('untrusted regular expressions are refused, even innocent-looking ones (no filter catches every ReDoS)', () => {
  for (const re of ['^(web|db)\\d+$', '(a+)+$', '[]|(a+)+b]', '(a|a){1,22}b', '.*.*x']) {
    expect(() => untrustedRegExp(re)).toThrow(/regular expression refused/);
  }
});

test('matchTarget refuses pcre, grain_pcre and E@/P@/J@ only for untrusted targets', () => {
  expect(matchTarget({ tgt: 'os:Deb.*', type: 'grain_pcre' }, subject)).toBe(true);
  expect(matchTarget({ tgt: 'P@os:^Deb and E@^web\\d+$', type: 'compound' }, subject)).toBe(true);
  expect(() => matchTarget({ tgt: 'big:(a+)+$', type: 'grain_pcre' }, subject, { untrusted: true })).toThrow(/refused/);
  expect(() => matchTarget({ tgt: 'E@web and G@os:Debian', type: 'compound' }, subject, { untrusted: true })).toThrow(/refused/);
  expect(() => matchTarget({ tgt: 'J@tier:prod', type: 'compound' }, subject, { untrusted: true })).toThrow(/refused/);
  expect(() => matchTarget({ tgt: 'web.*', type: 'pcre' }, subject, { untrusted: true })).toThrow(/refused/);
  expect(matchTarget({ tgt: 'roles:w*', type: 'grain' }, subject, { untrusted: true })).toBe(true);
  expect(matchTarget({ tgt: 'G@roles:web and I@tier:prod and web*', type: 'compound' }, subject, { untrusted: true })).toBe(true);
});

test('checkUntrustedTarget refuses a bad pattern whatever data there is', () => {
  expect(() => checkUntrustedTarget({ tgt: 'x:(a+)+$', type: 'grain_pcre' })).toThrow(/refused/);
  expect(() => checkUntrustedTarget({ tgt: 'G@roles:web and P@x:(a|aa)*', type: 'compound' })).toThrow(/refused/);
  expect(() => checkUntrustedTarget({ tgt: 'G@roles:web and I@tier:p*', type: 'compound' })).not.toThrow();
});
