import { describe, expect, it } from 'vitest';
import { embeddedMnistSplit, loadEmbeddedMnist } from '../src/index.js';

describe('embedded MNIST', () => {
  it('holds the 10,000 real digits of the mnist package, every class present', () => {
    const ds = loadEmbeddedMnist();
    expect(ds.size).toBe(10_000);
    expect(ds.inputShape).toEqual([28, 28, 1]);
    const counts = new Array(10).fill(0);
    for (let i = 0; i < ds.size; i++) counts[ds.label(i)] += 1;
    expect(counts).toEqual([1001, 1127, 991, 1032, 980, 863, 1014, 1070, 944, 978]);
    const x = new Float32Array(784);
    ds.copyFeatures([0], x);
    expect(Math.min(...x)).toBeGreaterThanOrEqual(0);
    expect(Math.max(...x)).toBeLessThanOrEqual(1);
    expect(x.filter((v) => v > 0.5).length).toBeGreaterThan(50); // a stroke, not a blank image
  });

  it('splits 8,000 / 2,000 with every class in the test set in proportion', () => {
    const { train, test } = embeddedMnistSplit();
    expect(train.size + test.size).toBe(10_000);
    const counts = new Array(10).fill(0);
    for (let i = 0; i < test.size; i++) counts[test.label(i)] += 1;
    expect(counts).toEqual([200, 225, 198, 206, 196, 172, 202, 214, 188, 195]);
    expect(embeddedMnistSplit().test.fingerprint).toBe(test.fingerprint);
  });
});
