/**
 * Salt's random_sample and random_shuffle filters (salt.utils.data.sample / shuffle). With a seed they are
 * repeatable, as in Salt 3006: the seed goes through salt.utils.data.hash (the module's own `hash`, which shadows
 * Python's builtin there), so a str seed seeds Python's Mersenne Twister with its SHA-512 hex digest, and an int seed
 * fails as it fails in Salt ("object supporting the buffer API required"). Without a seed the draw is random.
 */
import { createHash } from 'crypto';
import { TemplateError } from '../jinja/errors';
import type { FilterFn } from '../jinja/runtime';
import { isDict, num, pyIter, strict } from '../jinja/values';
import { filter, PyBytes } from './py';
import { PyRandom, randBelow } from './pyrandom';

function generator(seed: unknown): PyRandom {
  if (seed === null || seed === undefined) return new PyRandom(randBelow(1n << 128n));
  if (typeof seed === 'string' || seed instanceof PyBytes) {
    const bytes = typeof seed === 'string' ? Buffer.from(seed, 'utf8') : seed.b;
    return new PyRandom(createHash('sha512').update(bytes).digest('hex'));
  }
  throw new TemplateError('object supporting the buffer API required', 'type');
}

/** salt.utils.data.sample: `size` items of `population` (random.sample), repeatable for a str or bytes seed. */
export function saltSample(population: readonly unknown[], size: number, seed: unknown): unknown[] {
  if (!Number.isInteger(size) || size < 0 || size > population.length) throw new TemplateError('Sample larger than population or is negative', 'runtime');
  return generator(seed).sample(population, size);
}

function sample(value: unknown, size: number, seed: unknown): unknown[] {
  strict(value);
  if (isDict(value)) throw new TemplateError('Population must be a sequence.  For dicts or sets, use sorted(d).', 'type');
  return saltSample(pyIter(value), size, seed);
}

export const RANDOM_FILTERS: Record<string, FilterFn> = {
  random_sample: filter('sample', ['value', 'size', ['seed', null]], (v) => sample(v['value'], num(v['size']), v['seed'])),
  random_shuffle: filter('shuffle', ['value', ['seed', null]], (v) => {
    const value = v['value'];
    return sample(value, isDict(value) ? 0 : pyIter(strict(value)).length, v['seed']);
  }),
};
