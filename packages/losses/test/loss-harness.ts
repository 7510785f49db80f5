import { createRandom, tf, type Loss } from '@distillery/core';
import { expectNoTensorLeak } from '@distillery/core/testing';
import type { Matrix } from './reference.js';

/** Uniform logits in [−scale, scale], seeded. `zeroMean` centres each row. */
export function randomLogits(batch: number, classes: number, scale: number, seed: number, zeroMean = false): Matrix {
  const rng = createRandom(seed);
  return Array.from({ length: batch }, () => {
    const row = Array.from({ length: classes }, () => (rng.next() * 2 - 1) * scale);
    const mean = zeroMean ? row.reduce((a, v) => a + v, 0) / classes : 0;
    return row.map((v) => v - mean);
  });
}

export interface Evaluated {
  readonly value: number;
  /** d loss / d student logits, row-major. */
  readonly grad: number[];
}

/** Value and gradient w.r.t. the student logits from tfjs, failing on any tensor left behind. */
export async function valueAndGrad(compute: (s: tf.Tensor2D) => tf.Scalar, student: Matrix): Promise<Evaluated> {
  return expectNoTensorLeak(async () => {
    const s = tf.tensor2d(student);
    const { value, grad } = tf.valueAndGrad((x: tf.Tensor) => compute(x as tf.Tensor2D))(s);
    const out = { value: (await value.data())[0]!, grad: Array.from(await grad.data()) };
    tf.dispose([s, value, grad]);
    return out;
  });
}

/** A loss on (student, teacher[, labels]) given as plain arrays, evaluated by `valueAndGrad`. */
export async function evaluateLoss(loss: Loss, student: Matrix, teacher: Matrix, options: { labels?: number[]; epoch?: number } = {}): Promise<Evaluated> {
  return expectNoTensorLeak(async () => {
    const t = tf.tensor2d(teacher);
    const y = options.labels === undefined ? undefined : tf.tensor1d(options.labels, 'int32');
    const result = await valueAndGrad(
      (s) => loss.compute({ studentLogits: s, teacherLogits: t, ...(y === undefined ? {} : { labels: y }), epoch: options.epoch ?? 0 }),
      student,
    );
    tf.dispose([t, ...(y === undefined ? [] : [y])]);
    return result;
  });
}

export function maxAbs(values: readonly number[]): number {
  return values.reduce((m, v) => Math.max(m, Math.abs(v)), 0);
}
