import { setupBackend, tf } from '@distillery/core';
import { expectNoTensorLeak } from '@distillery/core/testing';
import { readFileSync } from 'node:fs';
import { beforeAll, describe, expect, it } from 'vitest';
import { createLoss } from '../src/index.js';

/** The fixture written by golden/make_feature_golden.py (PyTorch, float64, the authors' code). */
interface FeatureInput {
  readonly id: string;
  readonly studentShape: number[];
  readonly teacherShape: number[];
  /** Row-major, channels last. */
  readonly student: number[];
  readonly teacher: number[];
}
interface FeatureCase {
  readonly input: string;
  readonly loss: 'hint' | 'at' | 'rkd';
  readonly options: Record<string, unknown>;
  readonly value: number;
  /** d loss / d student feature, row-major channels last. */
  readonly grad: number[];
}

const golden = JSON.parse(readFileSync(new URL('./golden/features.json', import.meta.url), 'utf8')) as {
  torch: string;
  inputs: FeatureInput[];
  cases: FeatureCase[];
};
const inputs = new Map(golden.inputs.map((input) => [input.id, input]));
const dummyLogits = () => tf.zeros([1, 2]) as tf.Tensor2D;

beforeAll(async () => {
  await setupBackend();
});

describe(`feature-loss golden values from PyTorch ${golden.torch} (float64)`, () => {
  it('covers hint, at and rkd on maps and vectors, equal and differing shapes, batch 1 to 8', () => {
    expect(new Set(golden.cases.map((c) => c.loss))).toEqual(new Set(['hint', 'at', 'rkd']));
    const used = golden.cases.map((c) => inputs.get(c.input)!);
    expect(used.some((i) => i.studentShape.length === 2) && used.some((i) => i.studentShape.length === 4)).toBe(true);
    // at pooled both ways (student larger and teacher larger), rkd across embedding sizes.
    expect(golden.cases.filter((c) => c.loss === 'at').map((c) => inputs.get(c.input)!.studentShape[1])).toEqual(expect.arrayContaining([8, 2]));
    expect(golden.cases.some((c) => c.loss === 'rkd' && inputs.get(c.input)!.teacherShape.join() !== inputs.get(c.input)!.studentShape.join())).toBe(true);
    expect(new Set(used.map((i) => i.studentShape[0]))).toEqual(new Set([1, 2, 3, 4, 5, 8]));
  });

  it.each(golden.cases.map((c) => [`${c.loss} ${JSON.stringify(c.options)} on ${c.input}`, c] as const))('%s', async (_, c) => {
    const input = inputs.get(c.input)!;
    const loss = createLoss(c.loss, c.options);
    const { value, grad } = await expectNoTensorLeak(async () => {
      const s = tf.tensor(input.student, input.studentShape);
      const t = tf.tensor(input.teacher, input.teacherShape);
      const logits = dummyLogits();
      const compute = (x: tf.Tensor) => loss.compute({ studentLogits: logits, studentFeature: x, teacherFeature: t, epoch: 0 });
      const result = tf.valueAndGrad(compute)(s);
      const out = { value: (await result.value.data())[0]!, grad: Array.from(await result.grad.data()) };
      tf.dispose([s, t, logits, result.value, result.grad]);
      return out;
    });
    // float32 against float64: 1e-4 relative, plus a floor for entries that are float32 noise.
    expect(Math.abs(value - c.value)).toBeLessThanOrEqual(1e-4 * Math.abs(c.value) + 1e-7);
    const gradScale = Math.max(...c.grad.map(Math.abs));
    const gradError = Math.max(...grad.map((g, i) => Math.abs(g - c.grad[i]!)));
    expect(gradError).toBeLessThanOrEqual(1e-4 * gradScale + 1e-7);
  });
});
