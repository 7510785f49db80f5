import { predictLogits, type Dataset, type Model } from '@distillery/core';
import type { ModelSpeed } from '../report/report-data.js';

/** Timed passes per model: enough for a median that one slow pass (a GC, another process) does not move. */
export const SPEED_PASSES = 7;

/** Median and range of per-pass throughputs, from the wall time of each pass over `count` examples. */
export function speedFromTimes(count: number, timesMs: readonly number[]): ModelSpeed {
  const rates = timesMs.map((ms) => count / (ms / 1000)).sort((a, b) => a - b);
  const middle = rates.length >> 1;
  const median = rates.length % 2 === 1 ? rates[middle]! : (rates[middle - 1]! + rates[middle]!) / 2;
  return { samplesPerSecond: median, range: [rates[0]!, rates.at(-1)!], passes: rates.length };
}

/**
 * Forward-pass throughput of several models on (up to 4,096 examples of) a dataset: a warm-up
 * pass each (a cold JIT would penalise the first model), then `passes` rounds that time every
 * model once, in a rotated order, so load that comes and goes hits all models alike rather than
 * whichever happened to be measured while it lasted.
 */
export async function measureSpeeds<K extends string>(
  models: Readonly<Record<K, Model>>,
  dataset: Dataset,
  { batchSize = 512, passes = SPEED_PASSES }: { batchSize?: number; passes?: number } = {},
): Promise<Record<K, ModelSpeed>> {
  const count = Math.min(dataset.size, 4096);
  const sample = dataset.subset(Array.from({ length: count }, (_, i) => i));
  const keys = Object.keys(models) as K[];
  const times = new Map<K, number[]>(keys.map((k) => [k, []]));
  for (const key of keys) await predictLogits(models[key], sample, batchSize);
  for (let pass = 0; pass < passes; pass++) {
    for (let i = 0; i < keys.length; i++) {
      const key = keys[(i + pass) % keys.length]!;
      const started = performance.now();
      await predictLogits(models[key], sample, batchSize);
      times.get(key)!.push(performance.now() - started);
    }
  }
  return Object.fromEntries(keys.map((k) => [k, speedFromTimes(count, times.get(k)!)])) as Record<K, ModelSpeed>;
}
