import { DistilleryError, configError, createRandom, fingerprint } from '@distillery/core';
import { parseWith, trialSpecSchema, type TrialSpec } from '../spec/run-spec.js';
import { canonicalGridPath, checkGridPath, setPath } from '../spec/spec-paths.js';
import { checkSearchDimension, isSearchRange, sampleSearchSpace, type SearchDimension } from './search-space.js';

/**
 * Grid values by run-spec path: `distillation.lambda`, `student.options.hidden`,
 * `student.train.learningRate`, … (`lambda`, `temperature`, `loss`, `form` are short for their
 * `distillation.` paths), or a range to draw from in a random search. Every key is checked
 * against the spec before anything runs.
 */
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
  for (const key of keys) {
    checkSearchDimension(key, grid[key], search.kind === 'random');
    checkGridPath(key, undefined, base);
    const values = grid[key];
    if (Array.isArray(values)) refuseRepeats(`sweep.grid.${key}`, values, 'value is one combination of the grid');
  }
  checkKeysApart(keys);
  if (seeds.length === 0) throw configError('sweep.seeds', 'at least one seed', seeds);
  refuseRepeats('sweep.seeds', seeds, 'seed is one more trial of every combination');
  if (search.kind === 'random' && keys.some((k) => isSearchRange(grid[k]))) return withSeeds(base, randomCombinations(grid, search), seeds);
  let combinations = cartesian(keys.map((k) => grid[k] as readonly unknown[])).map((values) => Object.fromEntries(keys.map((k, i) => [k, values[i]])));
  if (search.kind === 'random') {
    if (!Number.isInteger(search.samples) || search.samples < 1) throw configError('search.samples', 'a positive integer', search.samples);
    const rng = createRandom(search.seed);
    const pool = [...combinations];
    combinations = [];
    while (combinations.length < search.samples && pool.length > 0) combinations.push(pool.splice(rng.int(pool.length), 1)[0]!);
  }
  return withSeeds(base, combinations, seeds);
}

/** Ranges in the grid: independent draws per key (see search-space.ts); a repeated draw is one trial. */
function randomCombinations(grid: SweepGrid, search: Extract<SearchStrategy, { kind: 'random' }>): Array<Record<string, unknown>> {
  if (!Number.isInteger(search.samples) || search.samples < 1) throw configError('search.samples', 'a positive integer', search.samples);
  const unique = new Map(sampleSearchSpace(grid, search.samples, search.seed).map((p) => [JSON.stringify(p), p]));
  return [...unique.values()];
}

function withSeeds(base: TrialSpec, drawn: ReadonlyArray<Record<string, unknown>>, seeds: readonly number[]): PlannedTrial[] {
  const combinations = distinct(drawn.map((params) => withoutUnusedAtLambdaZero(base, params)));
  return combinations.flatMap((params) => {
    const combination = JSON.stringify(params);
    const set = Object.keys(params).reduce<unknown>((s, key) => setPath(s, canonicalGridPath(key), params[key]), base);
    const spec = parseWith(trialSpecSchema, set, `sweep.grid: the trial ${combination}`);
    return seeds.map((seed) => ({ id: fingerprint(combination, String(seed)).slice(0, 16), combination, params, seed, spec }));
  });
}

/** A value listed twice would be one trial run twice, or (as it was) one trial silently: said instead. */
function refuseRepeats(field: string, values: readonly unknown[], each: string): void {
  const seen = new Set<string>();
  for (const value of values) {
    const key = JSON.stringify(value);
    if (seen.has(key)) throw new DistilleryError('E_CONFIG', `${field}: ${key} is listed twice (each ${each}): list it once`);
    seen.add(key);
  }
}

/**
 * Two grid keys for one spec path (`lambda` and `distillation.lambda`), or one inside the other
 * (`student.options` and `student.options.hidden`): one would silently override the other.
 */
function checkKeysApart(keys: readonly string[]): void {
  const paths = keys.map(canonicalGridPath);
  for (let i = 0; i < keys.length; i++) {
    for (let j = i + 1; j < keys.length; j++) {
      const [a, b] = [paths[i]!, paths[j]!];
      if (a === b) throw new DistilleryError('E_CONFIG', `sweep.grid: ${keys[i]} and ${keys[j]} both set ${a}, and one would silently override the other: keep one`);
      const [outer, inner] = a.length < b.length ? [i, j] : [j, i];
      if (paths[inner]!.startsWith(`${paths[outer]}.`)) {
        throw new DistilleryError('E_CONFIG', `sweep.grid: ${keys[inner]} is inside ${keys[outer]}, and setting both, one would override the other: vary ${keys[inner]} inside ${keys[outer]}'s values, or keep one`);
      }
    }
  }
}

function cartesian(lists: ReadonlyArray<readonly unknown[]>): unknown[][] {
  return lists.reduce<unknown[][]>((acc, list) => acc.flatMap((prefix) => list.map((v) => [...prefix, v])), [[]]);
}

/**
 * At λ = 0 the student trains on the labels alone: the distillation loss, its options, T and
 * the form change nothing, so those keys are dropped and the baseline runs once, not once per T.
 */
function withoutUnusedAtLambdaZero(base: TrialSpec, params: Record<string, unknown>): Record<string, unknown> {
  const lambda = 'distillation.lambda' in params || 'lambda' in params ? (params['distillation.lambda'] ?? params['lambda']) : base.distillation.lambda;
  if (lambda !== 0) return params;
  const unused = (key: string) => /^distillation\.(temperature|loss|options|form)(\.|$)/.test(canonicalGridPath(key));
  return Object.fromEntries(Object.entries(params).filter(([key]) => !unused(key)));
}

function distinct(combinations: Array<Record<string, unknown>>): Array<Record<string, unknown>> {
  const seen = new Set<string>();
  return combinations.filter((c) => {
    const key = JSON.stringify(c);
    if (seen.has(key)) return false;
    seen.add(key);
    return true;
  });
}
