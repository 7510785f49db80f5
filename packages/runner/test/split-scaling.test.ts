import { InMemoryDataset } from '@distillery/core';
import { describe, expect, it } from 'vitest';
import { splitRun } from '../src/index.js';

describe('splitRun: the run’s input scaling', () => {
  it('is fitted on the transfer examples only: validation values never move it', () => {
    // Feature = example index; the validation examples will be wherever the seed puts them.
    const n = 300;
    const labels = Int32Array.from({ length: n }, (_, i) => (i % 10 === 0 ? 1 : 0));
    const train = new InMemoryDataset({ name: 't', inputShape: [1], numClasses: 2, features: Float32Array.from({ length: n }, (_, i) => i), labels });
    const split = splitRun(train, { labelledCount: 20, validationCount: 60, preprocessing: 'standardize' }, 3);
    const transfer = split.indices.transfer;
    const mean = transfer.reduce((a, i) => a + i, 0) / transfer.length;
    const all = (n - 1) / 2;
    expect(split.scaling!.fittedOn).toBe(240);
    expect(split.scaling!.offset[0]).toBeCloseTo(mean, 3);
    // It would be the mean of all 300 had validation leaked in; the two differ for this seed.
    expect(Math.abs(mean - all)).toBeGreaterThan(0.1);
    expect(Math.abs(split.scaling!.offset[0]! - all)).toBeGreaterThan(0.1);
    // Every class stays in every part.
    for (const part of [split.labelled, split.transfer, split.validation!]) {
      expect(new Set(Array.from({ length: part.size }, (_, i) => part.label(i)))).toEqual(new Set([0, 1]));
    }
    expect(splitRun(train, { labelledCount: 20 }, 3).scaling).toBeUndefined();
  });
});
