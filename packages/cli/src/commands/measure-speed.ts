import { predictLogits, type Dataset, type Model } from '@distillery/core';
import type { ModelSpeed } from '../report/report-data.js';

/** Forward-pass throughput on (up to 4,096 examples of) a dataset, after one warm-up batch. */
export async function measureSpeed(model: Model, dataset: Dataset, batchSize = 512): Promise<ModelSpeed> {
  const count = Math.min(dataset.size, 4096);
  const sample = dataset.subset(Array.from({ length: count }, (_, i) => i));
  await predictLogits(model, sample.subset(Array.from({ length: Math.min(batchSize, count) }, (_, i) => i)), batchSize);
  const started = performance.now();
  await predictLogits(model, sample, batchSize);
  return { samplesPerSecond: count / ((performance.now() - started) / 1000) };
}
