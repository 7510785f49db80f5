import { configError, createRandom, deriveSeed } from '@distillery/core';

/**
 * A range to draw from in a random search, beside plain lists of values:
 *   { uniform: [low, high] }       a float, uniform in [low, high)
 *   { logUniform: [low, high] }    a float whose logarithm is uniform (0 < low < high): learning rates
 *   { int: [low, high] }           an integer in [low, high], both included
 *   { choice: [a, b, ...] }        one of the values (a plain list means the same)
 */
export type SearchRange =
  | { readonly uniform: readonly [number, number] }
  | { readonly logUniform: readonly [number, number] }
  | { readonly int: readonly [number, number] }
  | { readonly choice: readonly unknown[] };

export type SearchDimension = readonly unknown[] | SearchRange;

/** True when a grid key holds a range (not a plain list): the sweep must be a random search. */
export function isSearchRange(value: unknown): value is SearchRange {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** Checks one grid key: a non-empty list, or (random search only) a well-formed range. */
export function checkSearchDimension(key: string, value: unknown, random: boolean): void {
  const field = `sweep.grid.${key}`;
  if (Array.isArray(value)) {
    if (value.length === 0) throw configError(field, 'a non-empty list of values', value);
    return;
  }
  if (!isSearchRange(value)) throw configError(field, 'a non-empty list of values, or a range such as { uniform: [0, 1] }', value);
  const kinds = Object.keys(value);
  if (kinds.length !== 1 || !['uniform', 'logUniform', 'int', 'choice'].includes(kinds[0]!)) {
    throw configError(field, 'one of { uniform: [low, high] }, { logUniform: [low, high] }, { int: [low, high] }, { choice: [...] }', `an object with ${kinds.join(', ') || 'no keys'}`);
  }
  if (!random) throw configError(field, "a list of values (ranges need search: { kind: 'random', samples, seed })", 'a range');
  const kind = kinds[0] as 'uniform' | 'logUniform' | 'int' | 'choice';
  const bounds = (value as Record<string, unknown>)[kind];
  if (kind === 'choice') {
    if (!Array.isArray(bounds) || bounds.length === 0) throw configError(`${field}.choice`, 'a non-empty list of values', bounds);
    return;
  }
  const pair = Array.isArray(bounds) && bounds.length === 2 && bounds.every((b) => typeof b === 'number' && Number.isFinite(b)) ? (bounds as [number, number]) : undefined;
  if (pair === undefined || !(pair[0] < pair[1]) || (kind === 'int' && !pair.every(Number.isInteger))) {
    throw configError(`${field}.${kind}`, `[low, high] with low < high${kind === 'int' ? ', both integers' : ''}`, bounds);
  }
  if (kind === 'logUniform' && !(pair[0] > 0)) throw configError(`${field}.logUniform`, '[low, high] with 0 < low < high', bounds);
}

/**
 * `samples` independent draws of every key, reproducible from `seed`: each key has its own
 * stream (derived from the seed and the key's position in sorted order), so adding a key does
 * not change what the others draw. Floats keep 4 significant digits: ids and tables stay readable.
 */
export function sampleSearchSpace(space: Readonly<Record<string, SearchDimension>>, samples: number, seed: number): Array<Record<string, unknown>> {
  const keys = Object.keys(space).sort();
  const streams = keys.map((key) => createRandom(deriveSeed(seed, ...[...key].map((c) => c.charCodeAt(0)))));
  return Array.from({ length: samples }, () => Object.fromEntries(keys.map((key, i) => [key, draw(space[key]!, streams[i]!)])));
}

function draw(dimension: SearchDimension, rng: { next(): number; int(n: number): number }): unknown {
  if (Array.isArray(dimension)) return dimension[rng.int(dimension.length)];
  const range = dimension as SearchRange;
  if ('choice' in range) return range.choice[rng.int(range.choice.length)];
  if ('int' in range) return range.int[0] + rng.int(range.int[1] - range.int[0] + 1);
  if ('uniform' in range) return round(range.uniform[0] + rng.next() * (range.uniform[1] - range.uniform[0]));
  const [low, high] = range.logUniform;
  return round(Math.exp(Math.log(low) + rng.next() * (Math.log(high) - Math.log(low))));
}

function round(x: number): number {
  return Number(x.toPrecision(4));
}
