import { setupBackend, tf } from '@distillery/core';
import { expectNoTensorLeak, relativeError } from '@distillery/core/testing';
import { beforeAll, describe, expect, it } from 'vitest';
import { decoupledKdTerms } from '../src/decoupled-kd.js';
import { temperedLogSoftmax } from '../src/log-probabilities.js';
import { crossEntropyLoss, dkdLoss, kdLoss, logitMseLoss, lsKdLoss, softCrossEntropyLoss } from '../src/index.js';
import { evaluateLoss, maxAbs, randomLogits, valueAndGrad } from './loss-harness.js';
import * as ref from './reference.js';

beforeAll(async () => {
  await setupBackend();
});

describe('kd identities', () => {
  it.each([1, 4])('is 0, with zero gradient, when s = t + c (a constant per row), T=%s', async (temperature) => {
    const teacher = randomLogits(6, 10, 5, 1);
    const shifts = [-40, -3, 0, 0.5, 7, 40];
    const student = teacher.map((row, b) => row.map((v) => v + shifts[b]!));
    const got = await evaluateLoss(kdLoss({ temperature }), student, teacher);
    // float32 holds |s| ≈ 45 to ~3e-6, so "0" means a few of those, times T².
    expect(Math.abs(got.value)).toBeLessThan(1e-5 * temperature * temperature);
    expect(maxAbs(got.grad)).toBeLessThan(1e-6 * temperature);
    // Not vacuous: without the shift-invariance of softmax, kd here would be far from 0.
    expect((await evaluateLoss(kdLoss({ temperature }), student.map((r) => r.map((v, k) => v + k)), teacher)).value).toBeGreaterThan(0.1);
  });

  it('with T=1 and a one-hot teacher (logit 1e3 on one class) equals ce on that class', async () => {
    const student = randomLogits(7, 10, 6, 2);
    const labels = [3, 0, 9, 9, 1, 5, 2];
    const teacher = labels.map((y) => Array.from({ length: 10 }, (_, k) => (k === y ? 1000 : 0)));
    const kd = await evaluateLoss(kdLoss({ temperature: 1 }), student, teacher);
    const ce = await evaluateLoss(crossEntropyLoss(), student, teacher, { labels });
    expect(relativeError([kd.value], [ce.value])).toBeLessThan(1e-5);
    expect(relativeError(kd.grad, ce.grad)).toBeLessThan(1e-5);
  });

  it('approaches ½·logit-mse = Σ_k (s_k − t_k)² / (2C), batch mean, as T grows (zero-mean logits)', async () => {
    const student = randomLogits(8, 10, 3, 5, true);
    const teacher = randomLogits(8, 10, 3, 6, true);
    const limit = (await evaluateLoss(logitMseLoss(), student, teacher)).value / 2;
    expect(relativeError([limit], [ref.meanSquaredRowDistance(student, teacher) / (2 * 10)])).toBeLessThan(1e-6);
    const errors = [];
    for (const temperature of [2, 20, 100]) {
      const kd = (await evaluateLoss(kdLoss({ temperature }), student, teacher)).value;
      errors.push(Math.abs(kd - limit) / limit);
    }
    // The gap shrinks about as 1/T, down to float32's floor near 1e-3 (T²·ε·log C on a value of ~3).
    expect(errors[1]!).toBeLessThan(errors[0]! / 4);
    expect(errors[2]!).toBeLessThan(errors[1]!);
    expect(errors[2]!).toBeLessThan(3e-3);
    expect(errors[0]!).toBeGreaterThan(0.02); // at T=2 the limit is not yet reached: the test can tell
  });
});

describe('soft-ce', () => {
  it('is kd plus T² times the teacher entropy, with the same gradient', async () => {
    const student = randomLogits(5, 10, 4, 7);
    const teacher = randomLogits(5, 10, 4, 8);
    for (const temperature of [0.5, 4]) {
      const softCe = await evaluateLoss(softCrossEntropyLoss({ temperature }), student, teacher);
      const kd = await evaluateLoss(kdLoss({ temperature }), student, teacher);
      const entropy = teacher.reduce((sum, row) => sum - ref.logSoftmax(row, temperature).reduce((h, lp) => h + Math.exp(lp) * lp, 0), 0) / 5;
      expect(relativeError([softCe.value], [kd.value + temperature * temperature * entropy])).toBeLessThan(1e-5);
      expect(relativeError(softCe.grad, kd.grad)).toBeLessThan(1e-4);
    }
  });
});

describe('dkd identities', () => {
  /** T² · mean_b (TCKD_b + (1 − p_t,b(target)) · NCKD_b): the decomposition of Zhao et al., eq. 4. */
  const decomposedKd = (teacher: tf.Tensor2D, targets: tf.Tensor1D, temperature: number) => (student: tf.Tensor2D) => {
    const mask = tf.oneHot(targets, student.shape[1]).toFloat() as tf.Tensor2D;
    const { tckd, nckd } = decoupledKdTerms(student, teacher, mask, temperature);
    const pTarget = tf.sum(tf.mul(tf.exp(temperedLogSoftmax(teacher, temperature)), mask), 1);
    const beta = tf.sub(1, pTarget); // per example: the β that turns DKD back into KD
    return tf.mul(tf.mean(tf.add(tckd, tf.mul(beta, nckd))), temperature * temperature) as tf.Scalar;
  };

  it.each([
    { temperature: 1, scale: 4 },
    { temperature: 4, scale: 4 },
    { temperature: 4, scale: 1000 },
  ])('α=1, β=1−p_t(target) per example equals kd, value and gradient (T=$temperature, |z| ≤ $scale)', async ({ temperature, scale }) => {
    const student = randomLogits(6, 10, scale, 9);
    const teacher = randomLogits(6, 10, scale, 10);
    const kd = await evaluateLoss(kdLoss({ temperature }), student, teacher);
    const dkd = await expectNoTensorLeak(async () => {
      const t = tf.tensor2d(teacher);
      const y = tf.tensor1d([0, 3, 3, 9, 5, 1], 'int32');
      const result = await valueAndGrad(decomposedKd(t, y, temperature), student);
      tf.dispose([t, y]);
      return result;
    });
    expect(Math.abs(dkd.value - kd.value)).toBeLessThanOrEqual(1e-5 * Math.max(1, kd.value));
    expect(relativeError(dkd.grad, kd.grad)).toBeLessThan(1e-4);
  });

  it("target 'teacher' is target 'labels' with the teacher's top class as label", async () => {
    const student = randomLogits(6, 10, 4, 11);
    const teacher = randomLogits(6, 10, 4, 12);
    const top = teacher.map((row) => row.indexOf(Math.max(...row)));
    const byTeacher = await evaluateLoss(dkdLoss({ warmupEpochs: 0 }), student, teacher);
    const byLabels = await evaluateLoss(dkdLoss({ warmupEpochs: 0, target: 'labels' }), student, teacher, { labels: top });
    const byOtherLabels = await evaluateLoss(dkdLoss({ warmupEpochs: 0, target: 'labels' }), student, teacher, { labels: top.map((k) => (k + 1) % 10) });
    expect(byTeacher).toEqual(byLabels);
    expect(Math.abs(byOtherLabels.value - byTeacher.value)).toBeGreaterThan(0.01);
  });

  it('rises linearly over the warm-up: epoch e gives min((e + 1) / W, 1) of the full loss', async () => {
    const student = randomLogits(4, 10, 4, 13);
    const teacher = randomLogits(4, 10, 4, 14);
    const full = (await evaluateLoss(dkdLoss({ warmupEpochs: 0 }), student, teacher)).value;
    for (const [epoch, factor] of [[0, 1 / 20], [9, 10 / 20], [19, 1], [50, 1]] as const) {
      const warm = await evaluateLoss(dkdLoss(), student, teacher, { epoch });
      expect(relativeError([warm.value], [factor * full])).toBeLessThan(1e-6);
    }
  });
});

describe('ls-kd', () => {
  it.each([
    { a: 0.01, b: 0 },
    { a: 3, b: -50 },
    { a: 100, b: 7 },
  ])('is unchanged under z ↦ $a·z + $b of either input', async ({ a, b }) => {
    const student = randomLogits(5, 10, 4, 15);
    const teacher = randomLogits(5, 10, 4, 16);
    const affine = (m: ref.Matrix) => m.map((row) => row.map((v) => a * v + b));
    const loss = lsKdLoss({ temperature: 2 });
    const base = await evaluateLoss(loss, student, teacher);
    const studentMoved = await evaluateLoss(loss, affine(student), teacher);
    const teacherMoved = await evaluateLoss(loss, student, affine(teacher));
    // Exact up to the 1e-7 added to the standard deviation and float32 rounding.
    expect(relativeError([studentMoved.value], [base.value])).toBeLessThan(1e-4);
    expect(relativeError([teacherMoved.value], [base.value])).toBeLessThan(1e-4);
    expect(relativeError(teacherMoved.grad, base.grad)).toBeLessThan(1e-4);
    // Plain kd is not invariant: the identity is ls-kd's doing.
    const kdBase = (await evaluateLoss(kdLoss({ temperature: 2 }), student, teacher)).value;
    expect(relativeError([(await evaluateLoss(kdLoss({ temperature: 2 }), student, affine(teacher))).value], [kdBase])).toBeGreaterThan(0.01);
  });
});
