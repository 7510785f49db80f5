import { setupBackend, tf } from '@distillery/core';
import { relativeError } from '@distillery/core/testing';
import { beforeAll, describe, expect, it } from 'vitest';
import { crossEntropyLoss, kdLoss } from '../src/index.js';
import { randomLogits, valueAndGrad } from './loss-harness.js';
import * as ref from './reference.js';

// ce and kd against float64 implementations of their formulas and closed-form gradients,
// written in TypeScript: a second reference beside the PyTorch golden values.

const CASES = [
  { batch: 1, classes: 2, scale: 3 },
  { batch: 7, classes: 10, scale: 5 },
  { batch: 16, classes: 100, scale: 2 },
  { batch: 4, classes: 10, scale: 1000 },
];

beforeAll(async () => {
  await setupBackend();
});

describe('ce', () => {
  it.each(CASES)('matches the float64 reference and its closed-form gradient (batch $batch, $classes classes, |z| ≤ $scale)', async (c) => {
    const logits = randomLogits(c.batch, c.classes, c.scale, 1);
    const labels = Array.from({ length: c.batch }, (_, i) => (i * 7) % c.classes);
    for (const smoothing of [0, 0.1]) {
      const loss = crossEntropyLoss({ labelSmoothing: smoothing });
      const y = tf.tensor1d(labels, 'int32');
      const got = await valueAndGrad((s) => loss.compute({ studentLogits: s, labels: y, epoch: 0 }), logits);
      y.dispose();
      expect(Number.isFinite(got.value)).toBe(true);
      expect(relativeError([got.value], [ref.crossEntropy(logits, labels, smoothing)])).toBeLessThan(1e-4);
      expect(relativeError(got.grad, ref.crossEntropyGrad(logits, labels, smoothing).flat())).toBeLessThan(1e-4);
    }
  });
});

describe('kd (Hinton)', () => {
  it.each(CASES.flatMap((c) => [0.5, 1, 4, 20].map((temperature) => ({ ...c, temperature }))))(
    'matches the float64 reference and T·(p_s − p_t)/B (batch $batch, $classes classes, |z| ≤ $scale, T=$temperature)',
    async (c) => {
      const student = randomLogits(c.batch, c.classes, c.scale, 2);
      const teacher = randomLogits(c.batch, c.classes, c.scale, 3);
      const loss = kdLoss({ temperature: c.temperature });
      const t = tf.tensor2d(teacher);
      const got = await valueAndGrad((s) => loss.compute({ studentLogits: s, teacherLogits: t, epoch: 0 }), student);
      t.dispose();
      expect(Number.isFinite(got.value)).toBe(true);
      const expected = ref.hintonKd(student, teacher, c.temperature);
      // KL is a difference of nearly equal terms; compare relative to the terms' scale.
      expect(Math.abs(got.value - expected)).toBeLessThanOrEqual(1e-4 * Math.max(1, Math.abs(expected)));
      expect(relativeError(got.grad, ref.hintonKdGrad(student, teacher, c.temperature).flat())).toBeLessThan(1e-4);
    },
  );
});
