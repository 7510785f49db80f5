import { predictLogits, type Dataset, type Model, type TeacherLogits } from '@distillery/core';

export interface SoftLabelOptions {
  readonly teacher: Model;
  readonly dataset: Dataset;
  readonly batchSize?: number;
}

export interface SoftLabelResult {
  readonly logits: TeacherLogits;
  /** Teacher forward passes over the dataset made by this call (0 on a cache hit). */
  readonly teacherPasses: number;
  readonly elapsedMs: number;
}

/**
 * The teacher's raw logits over a transfer set (raw, so one result serves every temperature).
 * This is the in-thread path; sharding over worker threads and the on-disk cache build on it.
 */
export async function generateSoftLabels(options: SoftLabelOptions): Promise<SoftLabelResult> {
  const started = performance.now();
  const logits = await predictLogits(options.teacher, options.dataset, options.batchSize ?? 512);
  return { logits, teacherPasses: 1, elapsedMs: performance.now() - started };
}
