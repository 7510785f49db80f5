import { setupBackend, tf } from '@distillery/core';
import { beforeAll, describe, expect, it } from 'vitest';
import { createLoss } from '../src/index.js';
import { randomLogits, valueAndGrad } from './loss-harness.js';

beforeAll(async () => {
  await setupBackend();
});

describe('ce with mixed targets (mixup)', () => {
  it('equals the λ-mix of the hard-label cross-entropies, value and gradient', async () => {
    const student = randomLogits(6, 5, 3, 1);
    const a = [0, 1, 2, 3, 4, 0];
    const b = [4, 4, 1, 3, 0, 2];
    const lambda = 0.3;
    const ce = createLoss('ce');
    expect(ce.acceptsTargets).toBe(true);
    const hard = (labels: number[]) => valueAndGrad((s) => tf.tidy(() => ce.compute({ studentLogits: s, labels: tf.tensor1d(labels, 'int32'), epoch: 0 })), student);
    const [ca, cb] = [await hard(a), await hard(b)];
    const mixed = await valueAndGrad(
      (s) =>
        tf.tidy(() => {
          const targets = tf.tensor2d(a.map((ai, i) => [0, 1, 2, 3, 4].map((c) => lambda * Number(ai === c) + (1 - lambda) * Number(b[i] === c))));
          return ce.compute({ studentLogits: s, labels: tf.tensor1d(a, 'int32'), targets, epoch: 0 });
        }),
      student,
    );
    expect(mixed.value).toBeCloseTo(lambda * ca.value + (1 - lambda) * cb.value, 5);
    mixed.grad.forEach((g, i) => expect(g).toBeCloseTo(lambda * ca.grad[i]! + (1 - lambda) * cb.grad[i]!, 5));
  });

  it('refuses targets of another shape than the logits', () => {
    tf.tidy(() => {
      const input = { studentLogits: tf.zeros([2, 3]) as tf.Tensor2D, labels: tf.tensor1d([0, 1], 'int32'), targets: tf.zeros([2, 4]) as tf.Tensor2D, epoch: 0 };
      expect(() => createLoss('ce').compute(input)).toThrow("ce: targets must have the student logits' shape [2, 3], got [2, 4]");
    });
  });
});
