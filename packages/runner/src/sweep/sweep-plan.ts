import { configError, createRandom, fingerprint } from '@distillery/core';
import type { TrialSpec } from '../trial/trial-spec.js';
import { checkSearchDimension, isSearchRange, sampleSearchSpace, type SearchDimension } from './search-space.js';

/** Grid values by option path: `lambda`, `temperature`, or a nested one like `student.options.hidden`. */
export type SweepGrid = Readonly<Record<string, SearchDimension>>;

export type SearchStrategy = { readonly kind: 'grid' } | { readonly kind: 'random'; readonly samples: number; readonly seed: number };

export interface PlannedTrial {
  readonly id: string;
  /** Key of the combination (same for all seeds of it). */
  readonly combination: string;
  readonly params: Readonly<Record<string, unknown>>;
  readonly seed: number;
  readonly spec: TrialSpec;
}

/** Every trial of a sweep: each combination of the grid (or a random sample of them) × each seed. */
export function planSweep(base: TrialSpec, grid: SweepGrid, seeds: readonly number[], search: SearchStrategy = { kind: 'grid' }): PlannedTrial[] {
  const keys = Object.keys(grid).sort();
  for (const key of keys) checkSearchDimension(key, grid[key], search.kind === 'random');
  if (seeds.length === 0) throw configError('seeds', 'at least one seed', seeds);
  if (new Set(seeds).size !== seeds.length) throw configError('seeds', 'distinct seeds', seeds);
  if (search.kind === 'random' && keys.some((k) => isSearchRange(grid[k]))) return withSeeds(base, keys, randomCombinations(grid, search), seeds);
  let combinations = cartesian(keys.map((k) => grid[k] as readonly unknown[])).map((values) => Object.fromEntries(keys.map((k, i) => [k, values[i]])));
  if (search.kind === 'random') {
    if (!Number.isInteger(search.samples) || search.samples < 1) throw configError('search.samples', 'a positive integer', search.samples);
    const rng = createRandom(search.seed);
    const pool = [...combinations];
    combinations = [];
    while (combinations.length < search.samples && pool.length > 0) combinations.push(pool.splice(rng.int(pool.length), 1)[0]!);
  }
  return withSeeds(base, keys, combinations, seeds);
}

/** Ranges in the grid: independent draws per key (see search-space.ts); a repeated draw is one trial. */
function randomCombinations(grid: SweepGrid, search: Extract<SearchStrategy, { kind: 'random' }>): Array<Record<string, unknown>> {
  if (!Number.isInteger(search.samples) || search.samples < 1) throw configError('search.samples', 'a positive integer', search.samples);
  const unique = new Map(sampleSearchSpace(grid, search.samples, search.seed).map((p) => [JSON.stringify(p), p]));
  return [...unique.values()];
}

function withSeeds(base: TrialSpec, keys: readonly string[], combinations: ReadonlyArray<Record<string, unknown>>, seeds: readonly number[]): PlannedTrial[] {
  return combinations.flatMap((params) => {
    const combination = JSON.stringify(params);
    const spec = keys.reduce<TrialSpec>((s, key) => setPath(s, key, params[key]), base);
    return seeds.map((seed) => ({ id: fingerprint(combination, String(seed)).slice(0, 16), combination, params, seed, spec }));
  });
}

function cartesian(lists: ReadonlyArray<readonly unknown[]>): unknown[][] {
  return lists.reduce<unknown[][]>((acc, list) => acc.flatMap((prefix) => list.map((v) => [...prefix, v])), [[]]);
}

/** A copy of `target` with the value at a dotted path replaced. */
function setPath<T>(target: T, path: string, value: unknown): T {
  const [head, ...rest] = path.split('.');
  const object = (target ?? {}) as Record<string, unknown>;
  return { ...object, [head!]: rest.length === 0 ? value : setPath(object[head!], rest.join('.'), value) } as T;
}
