import { PluginRegistry, setupBackend, tf } from '@distillery/core';
import { relativeError } from '@distillery/core/testing';
import { beforeAll, describe, expect, it } from 'vitest';
import { crossEntropyLoss, registerLosses } from '../src/index.js';
import { randomLogits, valueAndGrad } from './loss-harness.js';

beforeAll(async () => {
  await setupBackend();
});

const softmax = (row: number[]) => {
  const max = Math.max(...row);
  const e = row.map((v) => Math.exp(v - max));
  const sum = e.reduce((a, b) => a + b, 0);
  return e.map((v) => v / sum);
};

describe('ce with class weights', () => {
  it('is Σ w_y·CE / Σ w_y with gradient w_y·(p − onehot) / Σ w_y (PyTorch’s weighted mean), in closed form', async () => {
    const logits = randomLogits(6, 3, 4, 11);
    const labels = [0, 2, 1, 2, 2, 0];
    const weights = [1, 3, 0.5];
    const y = tf.tensor1d(labels, 'int32');
    const got = await valueAndGrad((s) => crossEntropyLoss({ classWeights: weights }).compute({ studentLogits: s, labels: y, epoch: 0 }), logits);
    y.dispose();
    const total = labels.reduce((a, l) => a + weights[l]!, 0);
    const expected = logits.reduce((sum, row, i) => sum + weights[labels[i]!]! * -Math.log(softmax(row)[labels[i]!]!), 0) / total;
    const grad = logits.flatMap((row, i) => softmax(row).map((p, c) => (weights[labels[i]!]! * (p - (c === labels[i] ? 1 : 0))) / total));
    expect(relativeError([got.value], [expected])).toBeLessThan(1e-5);
    expect(relativeError(got.grad, grad)).toBeLessThan(1e-5);
  });

  it('equal weights give the plain mean; a zero weight removes a class from the loss', async () => {
    const logits = randomLogits(5, 4, 3, 2);
    const labels = [3, 1, 0, 3, 2];
    const y = tf.tensor1d(labels, 'int32');
    const value = (options: Parameters<typeof crossEntropyLoss>[0], l = y) =>
      valueAndGrad((s) => crossEntropyLoss(options).compute({ studentLogits: s, labels: l, epoch: 0 }), logits).then((r) => r.value);
    expect(await value({ classWeights: [2, 2, 2, 2] })).toBeCloseTo(await value({}), 5);
    // Class 3 weighs 0: the loss is the plain mean over the other three examples.
    const rest = [1, 2, 4];
    const expected = rest.reduce((s, i) => s - Math.log(softmax(logits[i]!)[labels[i]!]!), 0) / rest.length;
    expect(await value({ classWeights: [1, 1, 1, 0] })).toBeCloseTo(expected, 5);
    y.dispose();
  });

  it('is set by name from a config, and wrong weights are refused clearly', () => {
    const registry = registerLosses(new PluginRegistry());
    expect(registry.create('loss', 'ce', { classWeights: [1, 9] }).name).toBe('ce');
    expect(() => registry.create('loss', 'ce', { classWeights: [1, -1] })).toThrow('ce.classWeights: expected one finite weight ≥ 0 per class (at least one > 0), got an array of length 2');
    const loss = crossEntropyLoss({ classWeights: [1, 2, 3] });
    const s = tf.zeros([2, 4]) as tf.Tensor2D;
    const y = tf.tensor1d([0, 1], 'int32');
    expect(() => loss.compute({ studentLogits: s, labels: y, epoch: 0 })).toThrow('ce.classWeights: 3 weights, but the logits have 4 classes');
    tf.dispose([s, y]);
  });
});
