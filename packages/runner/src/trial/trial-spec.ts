import type { SharedDataset } from '@distillery/core';

/** One distillation trial as plain data: what a sweep varies and what a worker runs. */
export interface TrialSpec {
  /** A student plugin and its options (input shape, classes and seed are filled in). */
  readonly student: { readonly plugin: string; readonly options?: Readonly<Record<string, unknown>> };
  /** The distillation loss plugin (default `kd`); `temperature` is passed to it unless its options set one. */
  readonly loss?: { readonly name: string; readonly options?: Readonly<Record<string, unknown>> };
  /** An augmentation plugin applied to the labelled inputs of each step. */
  readonly augmentation?: { readonly name: string; readonly options?: Readonly<Record<string, unknown>> };
  /** Weight of the distillation term; 0 trains the student alone. */
  readonly lambda: number;
  readonly temperature: number;
  readonly form?: 'sum' | 'convex';
  readonly labelledFraction?: number;
  readonly labelledCount?: number;
  /** Held out (stratified) for model selection: the best epoch is chosen on it, never on test. */
  readonly validationCount?: number;
  readonly epochs: number;
  readonly batchSize: number;
  readonly transferBatchSize?: number;
  readonly learningRate: number;
  readonly earlyStoppingPatience?: number;
}

export interface TrialTask {
  /** Stable id of (params, seed): how a resumed sweep recognises finished trials. */
  readonly id: string;
  /** The grid values of this trial (the rest comes from the sweep's base). */
  readonly params: Readonly<Record<string, unknown>>;
  readonly seed: number;
  readonly spec: TrialSpec;
  readonly train: SharedDataset;
  readonly test: SharedDataset;
  /** Raw teacher logits for every example of `train` (shared memory), row i ↔ example i. */
  readonly teacherLogits: Float32Array;
}

export interface TrialEpoch {
  readonly epoch: number;
  readonly losses: Readonly<Record<string, number>>;
  readonly validationAccuracy?: number;
  readonly testAccuracy: number;
}

export interface TrialResult {
  readonly type: 'trial';
  readonly id: string;
  readonly params: Readonly<Record<string, unknown>>;
  readonly seed: number;
  readonly epochs: readonly TrialEpoch[];
  /** The epoch with the best validation accuracy (the last epoch when there is no validation split). */
  readonly best: TrialEpoch;
  readonly last: TrialEpoch;
  readonly elapsedMs: number;
  readonly threadId: number;
}
