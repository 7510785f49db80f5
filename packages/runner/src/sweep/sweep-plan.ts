import { configError, createRandom, fingerprint } from '@distillery/core';
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
  }
  if (seeds.length === 0) throw configError('seeds', 'at least one seed', seeds);
  if (new Set(seeds).size !== seeds.length) throw configError('seeds', 'distinct seeds', seeds);
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
