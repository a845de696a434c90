import { didYouMean, suggestions } from './suggest';

test('close words and prefixes are suggested, far ones are not', () => {
  const keys = ['list', 'accept', 'reject', 'delete', 'finger'];
  expect(suggestions('acept', keys)).toEqual(['accept']);
  expect(suggestions('fingr', keys)).toEqual(['finger']);
  expect(suggestions('del', keys)).toEqual(['delete']);
  expect(suggestions('LIST', keys)).toEqual(['list']);
  expect(suggestions('xyz', keys)).toEqual([]);
  expect(didYouMean('stauts', ['up', 'status', 'failover', 'down'])).toBe(' (did you mean status?)');
  expect(didYouMean('zzzzzz', ['up', 'down'])).toBe('');
});
