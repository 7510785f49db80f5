import type { Dataset, DatasetSplit } from '../contracts/dataset.js';
import { configError } from '../errors.js';
import { deriveSeed, shuffledIndices } from '../random.js';
import { assertNonNegativeInteger, assertSeed } from '../validate.js';

export interface SplitOptions {
  /** Share of the (non-validation) examples that keep their labels, in (0, 1]. */
  readonly labelledFraction?: number;
  /** Or: how many examples keep their labels. Give one of the two. */
  readonly labelledCount?: number;
  /** Examples held out for validation (stratified), default 0. */
  readonly validationCount?: number;
  readonly seed: number;
}

/**
 * The low-data split. Validation examples are held out first; of the rest, a stratified
 * labelled subset keeps its labels, and *all* of the rest form the transfer set (as in Hinton
 * et al.: the student matches the teacher on every training input, labelled or not).
 */
export function splitDataset(dataset: Dataset, options: SplitOptions): DatasetSplit {
  const { labelled, transfer, validation } = splitIndices(dataset, options);
  return {
    labelled: dataset.subset(labelled, `${dataset.name}/labelled`),
    transfer: dataset.subset(transfer, `${dataset.name}/transfer`),
    ...(validation.length > 0 ? { validation: dataset.subset(validation, `${dataset.name}/validation`) } : {}),
  };
}

/** Example indices of each part of the split, ascending (labelled ⊂ transfer). */
export interface SplitIndices {
  readonly labelled: number[];
  readonly transfer: number[];
  readonly validation: number[];
}

/** The indices behind splitDataset: lets a caller map the parts back onto the whole dataset. */
export function splitIndices(dataset: Dataset, options: SplitOptions): SplitIndices {
  assertSeed('seed', options.seed);
  const validationCount = options.validationCount ?? 0;
  assertNonNegativeInteger('validationCount', validationCount);
  if (validationCount >= dataset.size) {
    throw configError('validationCount', `fewer than the dataset's ${dataset.size} examples`, validationCount);
  }
  const byClass = indicesByClass(dataset, deriveSeed(options.seed, 1));
  const validation = takeStratified(byClass, validationCount);
  const remaining = dataset.size - validationCount;
  const labelledCount = resolveLabelledCount(options, remaining);
  const labelled = takeStratified(byClass, labelledCount);
  const transfer = [...labelled, ...byClass.flat()].sort((a, b) => a - b);
  return {
    labelled: labelled.sort((a, b) => a - b),
    transfer,
    validation: validation.sort((a, b) => a - b),
  };
}

function resolveLabelledCount(options: SplitOptions, available: number): number {
  const { labelledFraction: fraction, labelledCount: count } = options;
  if ((fraction === undefined) === (count === undefined)) {
    throw configError('labelledFraction / labelledCount', 'exactly one of the two', fraction ?? count);
  }
  if (fraction !== undefined) {
    if (!Number.isFinite(fraction) || fraction <= 0 || fraction > 1) {
      throw configError('labelledFraction', 'a number in (0, 1]', fraction);
    }
    return Math.max(1, Math.round(fraction * available));
  }
  if (!Number.isInteger(count) || count! < 1 || count! > available) {
    throw configError('labelledCount', `an integer in [1, ${available}]`, count);
  }
  return count!;
}

/** Each class's example indices, shuffled. Takes consume from the front. */
function indicesByClass(dataset: Dataset, seed: number): number[][] {
  const byClass: number[][] = Array.from({ length: dataset.numClasses }, () => []);
  for (const i of shuffledIndices(dataset.size, seed)) byClass[dataset.label(i)]!.push(i);
  return byClass;
}

/**
 * Removes `count` indices from the per-class lists, each class contributing in proportion to
 * its remaining size (largest-remainder rounding). When `count` allows, every class that has
 * two or more examples left gives at least one, so a rare class appears both in what is taken
 * and in what remains: proportional rounding alone would round a 1%-class down to nothing.
 */
function takeStratified(byClass: number[][], count: number): number[] {
  const total = byClass.reduce((n, c) => n + c.length, 0);
  if (count === 0 || total === 0) return [];
  const exact = byClass.map((c) => (count * c.length) / total);
  const quota = exact.map(Math.floor);
  const spare = byClass.map((c) => c.length >= 2);
  if (count >= spare.filter(Boolean).length) spare.forEach((can, c) => can && quota[c] === 0 && (quota[c] = 1));
  for (let excess = quota.reduce((a, b) => a + b, 0) - count; excess > 0; excess--) {
    // Give back from the largest quota: it loses the smallest share of itself.
    const largest = quota.reduce((best, q, c) => (q > quota[best]! ? c : best), 0);
    quota[largest]! -= 1;
  }
  let missing = count - quota.reduce((a, b) => a + b, 0);
  const order = exact.map((e, c) => ({ c, rest: e - Math.floor(e) })).sort((a, b) => b.rest - a.rest || a.c - b.c);
  for (const { c } of order) {
    if (missing === 0) break;
    if (quota[c]! < byClass[c]!.length) {
      quota[c]! += 1;
      missing -= 1;
    }
  }
  return byClass.flatMap((indices, c) => indices.splice(0, quota[c]!));
}
