import { setupBackend, tf } from '@distillery/core';
import { expectNoTensorLeak } from '@distillery/core/testing';
import { beforeAll, describe, expect, it } from 'vitest';
import { createLoss } from '../src/index.js';
import { float32Floor, loadGolden, type GoldenCase } from './golden-fixture.js';

const golden = loadGolden();
const inputs = new Map(golden.inputs.map((input) => [input.id, input]));
const label = (c: GoldenCase) => `${c.loss} ${JSON.stringify(c.options)}${c.epoch > 0 ? ` epoch ${c.epoch}` : ''} on ${c.input}`;

beforeAll(async () => {
  await setupBackend();
});

describe(`golden values from PyTorch ${golden.torch} (float64)`, () => {
  it('covers every loss, batch 1, 2/10/100 classes, T = 0.5/1/4/20 and logits of magnitude 1e3', () => {
    expect(new Set(golden.cases.map((c) => c.loss))).toEqual(new Set(['ce', 'kd', 'soft-ce', 'logit-mse', 'dkd', 'ls-kd', 'dist']));
    expect(new Set(golden.inputs.map((i) => i.classes))).toEqual(new Set([2, 10, 100]));
    expect(golden.inputs.some((i) => i.batch === 1)).toBe(true);
    expect(Math.max(...golden.inputs.flatMap((i) => i.student.map(Math.abs)))).toBeGreaterThan(900);
    expect(new Set(golden.cases.map((c) => c.options.temperature).filter((t) => t !== undefined))).toEqual(new Set([0.5, 1, 2, 4, 20]));
  });

  it.each(golden.cases.map((c) => [label(c), c] as const))('%s', async (_, c) => {
    const input = inputs.get(c.input)!;
    const loss = createLoss(c.loss, c.options);
    const { value, grad } = await expectNoTensorLeak(async () => {
      const shape: [number, number] = [input.batch, input.classes];
      const [s, t, y] = [tf.tensor2d(input.student, shape), tf.tensor2d(input.teacher, shape), tf.tensor1d(input.labels, 'int32')];
      const compute = (x: tf.Tensor) => loss.compute({ studentLogits: x as tf.Tensor2D, teacherLogits: t, labels: y, epoch: c.epoch });
      const result = tf.valueAndGrad(compute)(s);
      const out = { value: (await result.value.data())[0]!, grad: Array.from(await result.grad.data()) };
      tf.dispose([s, t, y, result.value, result.grad]);
      return out;
    });
    const floor = float32Floor(c, input);
    expect(Number.isFinite(value)).toBe(true);
    expect(Math.abs(value - c.value)).toBeLessThanOrEqual(1e-4 * Math.abs(c.value) + 16 * floor.value);
    const gradScale = Math.max(...c.grad.map(Math.abs));
    const gradError = Math.max(...grad.map((g, i) => Math.abs(g - c.grad[i]!)));
    expect(gradError).toBeLessThanOrEqual(1e-4 * gradScale + 16 * floor.grad);
  });
});
