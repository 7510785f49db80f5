import { fitFeatureScaling, splitIndices, type Dataset, type FeatureScaling, type ScalingKind, type SplitIndices } from '@distillery/core';

/** What decides a run's split of the training data (the `data` section's split fields). */
export interface SplitSpec {
  readonly labelledFraction?: number | undefined;
  readonly labelledCount?: number | undefined;
  readonly validationCount?: number | undefined;
  /** Fit this input scaling on the transfer examples (never validation or test). */
  readonly preprocessing?: ScalingKind | undefined;
}

export interface RunSplit {
  /** Indices into the training set, so cached logits (one row per training example) map onto the parts. */
  readonly indices: SplitIndices;
  readonly labelled: Dataset;
  /** Every training example outside validation; the teacher trains on these, the student matches it on them. */
  readonly transfer: Dataset;
  readonly validation?: Dataset;
  /** The input scaling fitted on `transfer`, when the spec asks for one: every model of the run carries it. */
  readonly scaling?: FeatureScaling;
}

/**
 * The one split of a run, used by `distill()`, every CLI command, trials and jobs: validation
 * held out first (stratified), a stratified labelled subset of the rest, all the rest transfer.
 * Seeded by the run seed, so every thread and machine cuts the same parts.
 */
export function splitRun(train: Dataset, split: SplitSpec, seed: number): RunSplit {
  const indices = splitIndices(train, {
    seed,
    ...(split.labelledFraction === undefined ? {} : { labelledFraction: split.labelledFraction }),
    ...(split.labelledCount === undefined ? {} : { labelledCount: split.labelledCount }),
    validationCount: split.validationCount ?? 0,
  });
  return {
    indices,
    labelled: train.subset(indices.labelled, `${train.name}/labelled`),
    transfer: train.subset(indices.transfer, `${train.name}/transfer`),
    ...(indices.validation.length > 0 ? { validation: train.subset(indices.validation, `${train.name}/validation`) } : {}),
    ...(split.preprocessing === undefined ? {} : { scaling: fitFeatureScaling(split.preprocessing, train, indices.transfer) }),
  };
}

/**
 * The validation size a sweep carves when none is configured, so selection never looks at the
 * test set: 10% of the training set, at least 1 and at most 1,000 examples.
 */
export function defaultValidationCount(trainSize: number): number {
  return Math.max(1, Math.min(1000, Math.round(0.1 * trainSize)));
}
