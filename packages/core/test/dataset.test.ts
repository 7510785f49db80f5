import * as tf from '@tensorflow/tfjs';
import { beforeAll, describe, expect, it } from 'vitest';
import { BatchStream, InMemoryDataset, setupBackend, splitDataset } from '../src/index.js';
import { expectNoTensorLeak } from '../src/testing.js';

/** n examples of shape [2]; example i has features [i, -i] and label i % classes. */
function toyDataset(n: number, classes = 3): InMemoryDataset {
  const features = new Float32Array(n * 2);
  for (let i = 0; i < n; i++) features.set([i, -i], i * 2);
  const labels = Int32Array.from({ length: n }, (_, i) => i % classes);
  return new InMemoryDataset({ name: 'toy', inputShape: [2], numClasses: classes, features, labels });
}

beforeAll(async () => {
  await setupBackend({ backend: 'cpu' });
});

describe('InMemoryDataset', () => {
  it('rejects inconsistent input with a message naming the dataset and the numbers', () => {
    expect(
      () => new InMemoryDataset({ name: 'bad', inputShape: [3], numClasses: 2, features: new Float32Array(5), labels: new Int32Array(2) }),
    ).toThrow('dataset "bad": 2 labels need 6 feature values (2 × 3), got 5');
    expect(
      () => new InMemoryDataset({ name: 'bad', inputShape: [1], numClasses: 2, features: new Float32Array(2), labels: Int32Array.from([0, 2]) }),
    ).toThrow('dataset "bad": label of example 1 is 2, outside [0, 2)');
    expect(
      () => new InMemoryDataset({ name: 'bad', inputShape: [0], numClasses: 2, features: new Float32Array(0), labels: new Int32Array(0) }),
    ).toThrow(/inputShape must be positive integers/);
  });

  it('batches every example once, in a seeded order that repeats', async () => {
    const ds = toyDataset(10);
    await expectNoTensorLeak(async () => {
      const seen: number[] = [];
      for (const batch of ds.batches({ batchSize: 4, shuffleSeed: 7 })) {
        expect(batch.x.shape).toEqual([batch.indices.length, 2]);
        const x = await batch.x.data();
        const y = await batch.y.data();
        batch.indices.forEach((index, row) => {
          expect(x[row * 2]).toBe(index);
          expect(y[row]).toBe(index % 3);
        });
        seen.push(...batch.indices);
        tf.dispose([batch.x, batch.y]);
      }
      expect([...seen].sort((a, b) => a - b)).toEqual([0, 1, 2, 3, 4, 5, 6, 7, 8, 9]);
      const again = [...ds.batches({ batchSize: 4, shuffleSeed: 7 })];
      expect(again.flatMap((b) => [...b.indices])).toEqual(seen);
      const other = [...ds.batches({ batchSize: 4, shuffleSeed: 8 })];
      expect(other.flatMap((b) => [...b.indices])).not.toEqual(seen);
      for (const b of [...again, ...other]) tf.dispose([b.x, b.y]);
    });
  });

  it('subsets are views with their own indices; the fingerprint follows the content', () => {
    const ds = toyDataset(10);
    const sub = ds.subset([9, 3, 4]);
    const out = new Float32Array(6);
    sub.copyFeatures([0, 2], out);
    expect(Array.from(out.subarray(0, 4))).toEqual([9, -9, 4, -4]);
    expect(sub.subset([1]).label(0)).toBe(0);
    expect(ds.fingerprint).toBe(toyDataset(10).fingerprint);
    expect(ds.fingerprint).not.toBe(toyDataset(11).fingerprint);
    expect(() => sub.label(3)).toThrow('toy[subset]: example index 3 is outside [0, 3)');
  });
});

describe('splitDataset', () => {
  it('holds out validation, keeps a stratified labelled subset, and transfers the rest', () => {
    const ds = toyDataset(300, 3);
    const split = splitDataset(ds, { labelledFraction: 0.1, validationCount: 30, seed: 3 });
    expect(split.validation!.size).toBe(30);
    expect(split.transfer.size).toBe(270);
    expect(split.labelled.size).toBe(27);
    const counts = (d: typeof split.labelled) => [0, 1, 2].map((c) => Array.from({ length: d.size }, (_, i) => d.label(i)).filter((l) => l === c).length);
    expect(counts(split.labelled)).toEqual([9, 9, 9]);
    expect(counts(split.validation!)).toEqual([10, 10, 10]);
    // Labelled ⊂ transfer, validation disjoint from both (compare by feature value = original index).
    const ids = (d: typeof split.labelled) => {
      const out = new Float32Array(d.size * 2);
      d.copyFeatures(Array.from({ length: d.size }, (_, i) => i), out);
      return new Set(Array.from({ length: d.size }, (_, i) => out[i * 2]!));
    };
    const transfer = ids(split.transfer);
    for (const id of ids(split.labelled)) expect(transfer.has(id)).toBe(true);
    for (const id of ids(split.validation!)) expect(transfer.has(id)).toBe(false);
  });

  it('keeps a rare class in the labelled, validation and transfer parts', () => {
    // 2% of the examples are class 1: proportional rounding alone would give 0.4 → 0 labelled.
    const labels = Int32Array.from({ length: 500 }, (_, i) => (i % 50 === 7 ? 1 : 0));
    const ds = new InMemoryDataset({ name: 'rare', inputShape: [1], numClasses: 2, features: Float32Array.from(labels, (_, i) => i), labels });
    const split = splitDataset(ds, { labelledCount: 20, validationCount: 20, seed: 4 });
    const rare = (d: typeof split.labelled) => Array.from({ length: d.size }, (_, i) => d.label(i)).filter((l) => l === 1).length;
    expect([split.labelled.size, split.validation!.size, split.transfer.size]).toEqual([20, 20, 480]);
    expect(rare(split.validation!)).toBe(1);
    expect(rare(split.labelled)).toBe(1);
    expect(rare(split.transfer)).toBe(9);
  });

  it('is repeatable for a seed and rejects impossible requests clearly', () => {
    const ds = toyDataset(100);
    const a = splitDataset(ds, { labelledCount: 10, seed: 5 });
    const b = splitDataset(ds, { labelledCount: 10, seed: 5 });
    expect(a.labelled.fingerprint).toBe(b.labelled.fingerprint);
    expect(() => splitDataset(ds, { labelledFraction: 1.5, seed: 1 })).toThrow('labelledFraction: expected a number in (0, 1], got 1.5');
    expect(() => splitDataset(ds, { seed: 1 })).toThrow(/exactly one of the two/);
    expect(() => splitDataset(ds, { labelledCount: 5, seed: 0 })).toThrow(/seed: expected an integer seed/);
  });
});

describe('BatchStream', () => {
  it('gives fixed-size batches forever, reshuffling each pass', async () => {
    await expectNoTensorLeak(() => {
      const stream = new BatchStream(toyDataset(5), 3, 1);
      const drawn: number[] = [];
      for (let i = 0; i < 10; i++) {
        const batch = stream.next();
        expect(batch.indices.length).toBe(3);
        drawn.push(...batch.indices);
        tf.dispose([batch.x, batch.y]);
      }
      // Each pass of 5 is a permutation of 0..4.
      for (let pass = 0; pass < 6; pass++) expect([...drawn.slice(pass * 5, pass * 5 + 5)].sort()).toEqual([0, 1, 2, 3, 4]);
    });
  });

  it('caps the batch at the dataset size (a labelled set of 2 with batch 64)', () => {
    const stream = new BatchStream(toyDataset(2), 64, 1);
    const batch = stream.next();
    expect(batch.indices.length).toBe(2);
    tf.dispose([batch.x, batch.y]);
  });
});
