import { isDistilleryError, setupBackend, tf, type LossInputs } from '@distillery/core';
import { expectNoTensorLeak } from '@distillery/core/testing';
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import { createLoss, lossValueChecksEnabled, setLossValueChecks, type BuiltinLossName } from '../src/index.js';
import { randomLogits } from './loss-harness.js';

beforeAll(async () => {
  await setupBackend();
});
afterEach(() => {
  setLossValueChecks(true);
});

const TEACHER_LOSSES: BuiltinLossName[] = ['kd', 'soft-ce', 'logit-mse', 'dkd', 'ls-kd', 'dist'];

interface Batch {
  readonly student?: number[][];
  readonly teacher?: number[][];
  readonly labels?: number[];
  readonly labelsDtype?: 'int32' | 'float32';
}

/** The error `compute` throws on this batch; fails if it throws none or leaves tensors behind. */
async function errorOf(name: BuiltinLossName, batch: Batch, options: Record<string, unknown> = {}): Promise<Error & { code?: string }> {
  const loss = createLoss(name, options);
  return expectNoTensorLeak(() => {
    const s = tf.tensor2d(batch.student ?? randomLogits(3, 4, 2, 1));
    const t = batch.teacher === undefined ? undefined : tf.tensor2d(batch.teacher);
    const y = batch.labels === undefined ? undefined : tf.tensor1d(batch.labels, batch.labelsDtype ?? 'int32');
    const inputs: LossInputs = { studentLogits: s, epoch: 0, ...(t === undefined ? {} : { teacherLogits: t }), ...(y === undefined ? {} : { labels: y }) };
    try {
      tf.dispose(loss.compute(inputs));
    } catch (error) {
      if (!isDistilleryError(error)) throw error;
      return error;
    } finally {
      tf.dispose([s, t, y].filter((x) => x !== undefined));
    }
    throw new Error(`${name} accepted the batch`);
  });
}

describe('bad input raises a DistilleryError naming the loss, before any tfjs op', () => {
  it.each(TEACHER_LOSSES)('%s: teacher logits with another class count, batch size or rank', async (name) => {
    const student = randomLogits(3, 4, 2, 1);
    expect((await errorOf(name, { student, teacher: randomLogits(3, 5, 2, 2) })).message).toBe(
      `${name}: teacher logits must have as many classes as the student's (4), got shape [3, 5]`,
    );
    expect((await errorOf(name, { student, teacher: randomLogits(2, 4, 2, 2) })).message).toBe(
      `${name}: teacher logits have 2 rows but student logits have 3`,
    );
    expect((await errorOf(name, { student })).message).toBe(`${name}: needs teacher logits (a term on the transfer set), got none`);
  });

  it.each(TEACHER_LOSSES)('%s: NaN or ∞ in the student or the teacher logits', async (name) => {
    const teacher = randomLogits(3, 4, 2, 2);
    teacher[1]![2] = Number.NaN;
    const error = await errorOf(name, { teacher });
    expect(error.code).toBe('E_DATASET');
    expect(error.message).toBe(`${name}: teacher logits hold NaN at row 1, class 2`);
    const student = randomLogits(3, 4, 2, 1);
    student[2]![0] = -Infinity;
    const studentError = await errorOf(name, { student, teacher: randomLogits(3, 4, 2, 2) });
    expect(studentError.message).toBe(`${name}: student logits hold -Infinity at row 2, class 0`);
    // The student's own output: the trainer decides whether that is divergence or bad inputs.
    expect(studentError.code).toBe('E_DIVERGED');
  });

  it.each([
    ['ce', {}],
    ['dkd', { target: 'labels' }],
  ] as const)('%s: labels out of range, of the wrong type or count, or missing', async (name, options) => {
    const teacher = randomLogits(3, 4, 2, 2);
    expect((await errorOf(name, { teacher, labels: [0, 4, 1] }, options)).message).toBe(`${name}: label 4 at row 1 is out of range for 4 classes`);
    expect((await errorOf(name, { teacher, labels: [0, 1, -1] }, options)).message).toBe(`${name}: label -1 at row 2 is out of range for 4 classes`);
    expect((await errorOf(name, { teacher, labels: [0, 1, 2], labelsDtype: 'float32' }, options)).message).toBe(
      `${name}: labels must be int32 class indices, got float32`,
    );
    expect((await errorOf(name, { teacher, labels: [0, 1] }, options)).message).toBe(
      `${name}: labels must have shape [3] (one per row of logits), got [2]`,
    );
    expect((await errorOf(name, { teacher }, options)).message).toBe(`${name}: needs labels (a term on the labelled set), got none`);
  });

  it.each(['dkd', 'ls-kd', 'dist'] as const)('%s: a single class (no non-target class, no spread)', async (name) => {
    const error = await errorOf(name, { student: [[1], [2]], teacher: [[1], [2]] });
    expect(error.code).toBe('E_SHAPE');
    expect(error.message).toBe(`${name}: needs at least 2 classes, got student logits with 1`);
  });

  it('rejects student logits that are not [batch, classes]', async () => {
    const loss = createLoss('kd');
    await expectNoTensorLeak(() => {
      const s = tf.tensor1d([1, 2, 3]);
      expect(() => loss.compute({ studentLogits: s as unknown as tf.Tensor2D, teacherLogits: s as unknown as tf.Tensor2D, epoch: 0 })).toThrow(
        'kd: student logits must be [batch, classes], got shape [3]',
      );
      s.dispose();
    });
  });

  it('skips the value checks (not the shape checks) when they are turned off', async () => {
    expect(lossValueChecksEnabled()).toBe(true);
    expect(setLossValueChecks(false)).toBe(true);
    const teacher = randomLogits(3, 4, 2, 2);
    teacher[0]![0] = Number.NaN;
    const value = await expectNoTensorLeak(async () => {
      const [s, t] = [tf.tensor2d(randomLogits(3, 4, 2, 1)), tf.tensor2d(teacher)];
      const v = createLoss('kd').compute({ studentLogits: s, teacherLogits: t, epoch: 0 });
      const out = (await v.data())[0]!;
      tf.dispose([s, t, v]);
      return out;
    });
    expect(value).toBeNaN();
    expect((await errorOf('kd', { teacher: randomLogits(3, 5, 2, 2) })).code).toBe('E_SHAPE');
  });
});

describe('bad options name the loss, the option and the value', () => {
  it.each([
    ['ce', { labelSmoothing: 1 }, 'ce.labelSmoothing: expected a number in [0, 0.999999], got 1'],
    ['kd', { temperature: 0 }, 'kd.temperature: expected a positive finite number, got 0'],
    ['kd', { temperature: '4' }, 'kd.temperature: expected a positive finite number, got "4"'],
    ['soft-ce', { temperature: -2 }, 'soft-ce.temperature: expected a positive finite number, got -2'],
    ['dkd', { beta: -1 }, 'dkd.beta: expected a finite number ≥ 0, got -1'],
    ['dkd', { alpha: Number.NaN }, 'dkd.alpha: expected a finite number ≥ 0, got NaN'],
    ['dkd', { warmupEpochs: 2.5 }, 'dkd.warmupEpochs: expected an integer ≥ 0, got 2.5'],
    ['dkd', { target: 'label' }, 'dkd.target: expected one of "teacher", "labels", got "label"'],
    ['ls-kd', { temperature: Infinity }, 'ls-kd.temperature: expected a positive finite number, got Infinity'],
    ['dist', { gamma: -0.5 }, 'dist.gamma: expected a finite number ≥ 0, got -0.5'],
    ['dist', { tau: 2 }, 'dist.tau: unknown option; dist takes beta, gamma, temperature'],
    ['logit-mse', { temperature: 2 }, 'logit-mse.temperature: unknown option; logit-mse takes no options'],
    ['kd', 4, 'kd: expected an options object, got 4'],
  ] as const)('%s %j', (name, options, message) => {
    let thrown: unknown;
    try {
      createLoss(name as string, options); // as from a config file: untyped
    } catch (error) {
      thrown = error;
    }
    expect(isDistilleryError(thrown) && thrown.code).toBe('E_CONFIG');
    expect((thrown as Error).message).toBe(message);
  });
});
