import { setupBackend, tf } from '@distillery/core';
import { expectNoTensorLeak } from '@distillery/core/testing';
import { beforeAll, describe, expect, it } from 'vitest';
import { drawMixup, mixup } from '../src/index.js';

beforeAll(async () => {
  await setupBackend();
});

describe('mixup', () => {
  it('mixes inputs and targets with the same λ and the same partner, as apply does', async () => {
    const n = 12;
    const classes = 3;
    const context = { seed: 21, epoch: 0, batch: 3 };
    await expectNoTensorLeak(async () => {
      // Row i of the identity is e_i: a mixed row λ·e_i + (1 − λ)·e_j shows λ and the partner j.
      const x = tf.eye(n);
      const labels = Int32Array.from({ length: n }, (_, i) => i % classes);
      const targets = tf.tidy(() => tf.cast(tf.oneHot(tf.tensor1d(labels, 'int32'), classes), 'float32') as tf.Tensor2D);
      const mixed = mixup({ alpha: 0.4 }).applyToBatch!({ x, targets }, context);
      const applied = mixup({ alpha: 0.4 }).apply(x, context);
      const xs = (await mixed.x.array()) as number[][];
      const ts = (await mixed.targets.array()) as number[][];
      expect(await applied.data()).toEqual(await mixed.x.data());
      // Row i holds λ at i and 1 − λ at its partner; a row mixed with itself holds 1 at i.
      const lambda = Math.min(...xs.map((row, i) => row[i]!));
      expect(lambda).toBeGreaterThan(0.01);
      expect(lambda).toBeLessThan(0.99);
      const partners = new Set<number>();
      for (let i = 0; i < n; i++) {
        const row = xs[i]!;
        const others = row.map((v, k) => (k === i ? 0 : v));
        const partner = Math.max(...others) > 0 ? others.indexOf(Math.max(...others)) : i;
        partners.add(partner);
        if (partner !== i) {
          expect(row[i]!).toBeCloseTo(lambda, 6); // one λ for the whole batch
          expect(row[partner]!).toBeCloseTo(1 - lambda, 6);
        }
        const expected = Array.from({ length: classes }, (_, c) =>
          partner === i ? Number(labels[i] === c) : lambda * Number(labels[i] === c) + (1 - lambda) * Number(labels[partner] === c),
        );
        ts[i]!.forEach((v, c) => expect(v).toBeCloseTo(expected[c]!, 6));
      }
      expect(partners.size).toBe(n); // a permutation
      tf.dispose([x, targets, mixed.x, mixed.targets, applied]);
    });
  });

  it('draws λ from Beta(α, α): mean ½ and variance 1/(4(2α + 1))', () => {
    for (const alpha of [0.2, 1, 4]) {
      const lambdas = Array.from({ length: 4000 }, (_, b) => drawMixup(alpha, 2, { seed: 1 + b, epoch: 0, batch: b }).lambda);
      const mean = lambdas.reduce((s, l) => s + l, 0) / lambdas.length;
      const variance = lambdas.reduce((s, l) => s + (l - mean) ** 2, 0) / lambdas.length;
      expect(lambdas.every((l) => l >= 0 && l <= 1)).toBe(true);
      expect(mean).toBeGreaterThan(0.48);
      expect(mean).toBeLessThan(0.52);
      expect(variance).toBeCloseTo(1 / (4 * (2 * alpha + 1)), 1);
    }
  });
});
