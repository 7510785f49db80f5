import { createRandom, setupBackend, tf } from '@distillery/core';
import { expectNoTensorLeak, relativeError } from '@distillery/core/testing';
import { beforeAll, describe, expect, it } from 'vitest';
import { crossEntropyLoss, distillationObjective, kdLoss, supervisedObjective } from '../src/index.js';
import * as ref from './reference.js';

function randomLogits(batch: number, classes: number, scale: number, seed: number): ref.Matrix {
  const rng = createRandom(seed);
  return Array.from({ length: batch }, () => Array.from({ length: classes }, () => (rng.next() * 2 - 1) * scale));
}

/** Value and gradient w.r.t. the student logits, from tfjs. */
async function valueAndGrad(
  compute: (s: tf.Tensor2D) => tf.Scalar,
  student: ref.Matrix,
): Promise<{ value: number; grad: number[] }> {
  return expectNoTensorLeak(async () => {
    const s = tf.tensor2d(student);
    const { value, grad } = tf.valueAndGrad((x: tf.Tensor) => compute(x as tf.Tensor2D))(s);
    const out = { value: (await value.data())[0]!, grad: Array.from(await grad.data()) };
    tf.dispose([s, value, grad]);
    return out;
  });
}

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

  it('rejects label smoothing outside [0, 1)', () => {
    expect(() => crossEntropyLoss({ labelSmoothing: 1 })).toThrow('ce.labelSmoothing: expected a number in [0, 0.999999], got 1');
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

  it('is zero, with zero gradient, when the student equals the teacher', async () => {
    const logits = randomLogits(5, 10, 4, 4);
    const t = tf.tensor2d(logits);
    const got = await valueAndGrad((s) => kdLoss({ temperature: 2 }).compute({ studentLogits: s, teacherLogits: t, epoch: 0 }), logits);
    t.dispose();
    expect(Math.abs(got.value)).toBeLessThan(1e-5);
    expect(Math.max(...got.grad.map(Math.abs))).toBeLessThan(1e-6);
  });

  it('rejects a temperature that is not positive', () => {
    expect(() => kdLoss({ temperature: -1 })).toThrow('kd.temperature: expected a positive finite number, got -1');
    expect(() => kdLoss({ temperature: 0 })).toThrow(/kd.temperature/);
  });
});

describe('objectives', () => {
  it('composes ce + λ·kd, or (1−λ)·ce + λ·kd', () => {
    const sum = distillationObjective({ lambda: 0.3, temperature: 4 });
    expect(sum.terms.map((t) => [t.name, t.weight, t.data])).toEqual([
      ['ce', 1, 'labelled'],
      ['kd', 0.3, 'transfer'],
    ]);
    const convex = distillationObjective({ lambda: 0.3, temperature: 4, form: 'convex' });
    expect(convex.terms.map((t) => t.weight)).toEqual([0.7, 0.3]);
    expect(distillationObjective({ lambda: 0, temperature: 4 }).terms.map((t) => t.name)).toEqual(['ce']);
    expect(supervisedObjective().terms.map((t) => t.name)).toEqual(['ce']);
  });

  it('rejects λ outside [0, 1]', () => {
    expect(() => distillationObjective({ lambda: 1.5, temperature: 4 })).toThrow('lambda: expected a number in [0, 1], got 1.5');
    expect(() => distillationObjective({ lambda: -0.1, temperature: 4 })).toThrow(/lambda/);
  });
});
