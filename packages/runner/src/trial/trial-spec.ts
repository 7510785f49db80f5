import type { EpochScores, SharedDataset } from '@distillery/core';
import type { TeacherPayload } from '../protocol.js';
import type { TrialSpec } from '../spec/run-spec.js';

export type { TrialSpec } from '../spec/run-spec.js';

export interface TrialTask {
  /** Stable id of (params, seed): how a resumed sweep recognises finished trials. */
  readonly id: string;
  /** The grid values of this trial, by the grid's keys (the rest comes from the sweep's base). */
  readonly params: Readonly<Record<string, unknown>>;
  readonly seed: number;
  /** The base spec with this trial's grid values set at their paths (plain JSON). */
  readonly spec: TrialSpec;
  readonly train: SharedDataset;
  readonly test: SharedDataset;
  /** Raw teacher logits for every example of `train` (shared memory), row i ↔ example i. */
  readonly teacherLogits: Float32Array;
  /**
   * The teacher itself, for a trial with feature terms (`spec.distillation.features`): it runs
   * online in the trial's thread, as in `distill()`. Absent for other trials (they use the logits).
   */
  readonly teacher?: TeacherPayload;
}

export interface TrialEpoch {
  readonly epoch: number;
  readonly losses: Readonly<Record<string, number>>;
  readonly validationAccuracy?: number;
  /** Reported, never used to choose: selection is on validation. */
  readonly testAccuracy: number;
  /** Macro-F1, balanced accuracy and ECE beside accuracy (absent in records of older versions). */
  readonly validationScores?: EpochScores;
  readonly testScores?: EpochScores;
}

export interface TrialResult {
  readonly type: 'trial';
  readonly id: string;
  readonly params: Readonly<Record<string, unknown>>;
  readonly seed: number;
  readonly epochs: readonly TrialEpoch[];
  /** The epoch with the best validation score on `data.selectOn`, default accuracy (the last epoch when the trial has no validation split). */
  readonly best: TrialEpoch;
  readonly last: TrialEpoch;
  readonly elapsedMs: number;
  readonly threadId: number;
}
