/** Placeholder until the Salt filter library lands: Salt's Jinja filters and tests. */
import type { FilterFn, TestFn } from '../jinja/runtime';

export const SALT_FILTERS: Record<string, FilterFn> = {};
export const SALT_TESTS: Record<string, TestFn> = {};
