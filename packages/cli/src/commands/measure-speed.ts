import { predictLogits, type Dataset, type Model } from '@distillery/core';
import type { ModelSpeed } from '../report/report-data.js';

/**
 * Forward-pass throughput on (up to 4,096 examples of) a dataset: the best of three timed
 * passes after a warm-up pass, so the first model measured is not penalised for a cold JIT.
 */
export async function measureSpeed(model: Model, dataset: Dataset, batchSize = 512): Promise<ModelSpeed> {
  const count = Math.min(dataset.size, 4096);
  const sample = dataset.subset(Array.from({ length: count }, (_, i) => i));
  await predictLogits(model, sample, batchSize);
  let best = Infinity;
  for (let pass = 0; pass < 3; pass++) {
    const started = performance.now();
    await predictLogits(model, sample, batchSize);
    best = Math.min(best, performance.now() - started);
  }
  return { samplesPerSecond: count / (best / 1000) };
}
