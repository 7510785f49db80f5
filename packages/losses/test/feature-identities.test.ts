import { createRandom, setupBackend, tf, type Loss } from '@distillery/core';
import { expectNoTensorLeak } from '@distillery/core/testing';
import { beforeAll, describe, expect, it } from 'vitest';
import { atLoss, createLoss, hintLoss, rkdLoss } from '../src/index.js';
import { maxAbs } from './loss-harness.js';

beforeAll(async () => {
  await setupBackend();
});

/** Uniform in [−scale, scale], seeded, as a flat array. */
function uniform(n: number, scale: number, seed: number): number[] {
  const rng = createRandom(seed);
  return Array.from({ length: n }, () => (rng.next() * 2 - 1) * scale);
}

/** Value and gradient of a feature loss w.r.t. the student feature, failing on any tensor left behind. */
async function evaluate(loss: Loss, student: tf.Tensor, teacher: tf.Tensor): Promise<{ value: number; grad: number[] }> {
  return expectNoTensorLeak(async () => {
    const logits = tf.zeros([student.shape[0]!, 2]) as tf.Tensor2D;
    const { value, grad } = tf.valueAndGrad((x: tf.Tensor) => loss.compute({ studentLogits: logits, studentFeature: x, teacherFeature: teacher, epoch: 0 }))(student);
    const out = { value: (await value.data())[0]!, grad: Array.from(await grad.data()) };
    tf.dispose([logits, value, grad]);
    return out;
  });
}

/** A random d×d orthogonal matrix (Gram–Schmidt on a seeded one): distances and angles are kept by any. */
function rotation(d: number, seed: number): number[][] {
  const rows: number[][] = [];
  const raw = uniform(d * d, 1, seed);
  for (let i = 0; i < d; i++) {
    let v = raw.slice(i * d, (i + 1) * d);
    for (const r of rows) {
      const dot = v.reduce((s, x, k) => s + x * r[k]!, 0);
      v = v.map((x, k) => x - dot * r[k]!);
    }
    const norm = Math.hypot(...v);
    rows.push(v.map((x) => x / norm));
  }
  return rows;
}

const transform = (e: number[][], r: number[][], scale: number) => e.map((row) => r.map((rr) => scale * rr.reduce((s, x, k) => s + x * row[k]!, 0)));
const rowsOf = (flat: number[], n: number) => Array.from({ length: n }, (_, i) => flat.slice((i * flat.length) / n, ((i + 1) * flat.length) / n));

describe('at identities', () => {
  it('is 0 with zero gradient for maps with the same normalised attention: a scaled map with duplicated channels', async () => {
    const [b, h, w, c] = [3, 6, 6, 4];
    const s = uniform(b * h * w * c, 2, 1);
    // Teacher: each student channel twice (the channel mean of A² is unchanged), times 3.7 (Q scales by 3.7², then normalised).
    const t = Array.from({ length: b * h * w }, (_, p) => s.slice(p * c, (p + 1) * c)).flatMap((px) => [...px, ...px].map((v) => 3.7 * v));
    const [st, tt] = [tf.tensor(s, [b, h, w, c]), tf.tensor(t, [b, h, w, 2 * c])];
    const same = await evaluate(atLoss(), st, tt);
    expect(same.value).toBeLessThan(1e-12);
    expect(maxAbs(same.grad)).toBeLessThan(1e-7);
    // Not vacuous: another map of the same shapes is far from 0.
    const other = tf.tensor(uniform(b * h * w * 2 * c, 2, 2), [b, h, w, 2 * c]);
    expect((await evaluate(atLoss(), st, other)).value).toBeGreaterThan(1e-3);
    tf.dispose([st, tt, other]);
  });

  it('pools the larger map: a 2×2-block-constant 8×8 map matches its 4×4 teacher exactly', async () => {
    const small = uniform(2 * 4 * 4 * 3, 1, 3);
    const big = Array.from({ length: 2 * 8 * 8 * 3 }, (_, i) => {
      const [n, y, x, ch] = [Math.floor(i / 192), Math.floor(i / 24) % 8, Math.floor(i / 3) % 8, i % 3];
      return small[((n * 4 + Math.floor(y / 2)) * 4 + Math.floor(x / 2)) * 3 + ch]!;
    });
    const [st, tt] = [tf.tensor(big, [2, 8, 8, 3]), tf.tensor(small, [2, 4, 4, 3])];
    expect((await evaluate(atLoss(), st, tt)).value).toBeLessThan(1e-12);
    tf.dispose([st, tt]);
  });
});

describe('rkd identities', () => {
  const [n, d] = [6, 5];
  const student = rowsOf(uniform(n * d, 2, 4), n);
  const teacher = rowsOf(uniform(n * d, 3, 5), n);

  it('is invariant to a common rotation and scaling of both embeddings (value and gradient)', async () => {
    const r = rotation(d, 6);
    const base = await expectNoTensorLeak(async () => {
      const [s, t] = [tf.tensor2d(student), tf.tensor2d(teacher)];
      const out = await evaluate(rkdLoss(), s, t);
      tf.dispose([s, t]);
      return out;
    });
    expect(base.value).toBeGreaterThan(0.1);
    const [s2, t2] = [tf.tensor2d(transform(student, r, 4.5)), tf.tensor2d(transform(teacher, r, 4.5))];
    const moved = await evaluate(rkdLoss(), s2, t2);
    expect(Math.abs(moved.value - base.value)).toBeLessThan(1e-5 * base.value);
    // The gradient turns with the embeddings and shrinks by the scale: g' = R g / 4.5.
    const expected = transform(rowsOf(base.grad, n), r, 1 / 4.5).flat();
    expect(maxAbs(moved.grad.map((g, i) => g - expected[i]!))).toBeLessThan(1e-4 * maxAbs(expected));
    tf.dispose([s2, t2]);
  });

  it('is 0 when the student is the teacher rotated and scaled, and not otherwise', async () => {
    const r = rotation(d, 7);
    const [s, t] = [tf.tensor2d(transform(teacher, r, 0.3)), tf.tensor2d(teacher)];
    expect((await evaluate(rkdLoss(), s, t)).value).toBeLessThan(1e-8);
    const [s2] = [tf.tensor2d(student)];
    expect((await evaluate(rkdLoss(), s2, t)).value).toBeGreaterThan(0.1);
    tf.dispose([s, t, s2]);
  });
});

describe('feature losses refuse what they cannot compare, naming the loss and the shapes', () => {
  const shaped = (shape: number[]) => tf.zeros(shape);
  const cases: [string, Loss, number[], number[], RegExp][] = [
    ['hint, shapes differ', hintLoss(), [2, 4, 4, 3], [2, 4, 4, 5], /^hint: the student feature must have the teacher feature's shape, got \[2, 4, 4, 3\] and \[2, 4, 4, 5\] \(give the term an adapter/],
    ['at on vectors', atLoss(), [2, 8], [2, 8], /^at: needs feature maps \[batch, height, width, channels\] on both sides, got \[2, 8\] and \[2, 8\]/],
    ['at, 5×5 against 3×3', atLoss(), [2, 5, 5, 1], [2, 3, 3, 1], /^at: the maps' spatial sizes must be equal or one a whole multiple/],
    ['rkd, batch of one', rkdLoss(), [1, 8], [1, 8], /^rkd: relates the examples of a batch to each other, so needs at least 2/],
    ['batches differ', rkdLoss(), [3, 8], [4, 8], /^rkd: student and teacher features need a batch axis of the same size, got \[3, 8\] and \[4, 8\]/],
  ];
  it.each(cases)('%s', async (_, loss, s, t, message) => {
    await expectNoTensorLeak(() => {
      const [a, b, logits] = [shaped(s), shaped(t), tf.zeros([s[0]!, 2]) as tf.Tensor2D];
      expect(() => loss.compute({ studentLogits: logits, studentFeature: a, teacherFeature: b, epoch: 0 })).toThrow(message);
      tf.dispose([a, b, logits]);
    });
  });

  it('a feature loss used as a logit loss, a NaN in a feature, and bad options', async () => {
    await expectNoTensorLeak(() => {
      const logits = tf.zeros([2, 3]) as tf.Tensor2D;
      expect(() => hintLoss().compute({ studentLogits: logits, teacherLogits: logits, epoch: 0 })).toThrow(/^hint: needs a student and a teacher feature — use it in a feature term/);
      const [good, bad] = [tf.zeros([2, 2]), tf.tensor2d([[1, NaN], [0, 0]])];
      expect(() => hintLoss().compute({ studentLogits: logits, studentFeature: good, teacherFeature: bad, epoch: 0 })).toThrow(
        'hint: teacher feature holds NaN at row 0, element 1',
      );
      tf.dispose([logits, good, bad]);
    });
    expect(() => createLoss('at', { p: 0.5 })).toThrow('at.p: expected a number ≥ 1');
    expect(() => createLoss('rkd', { angleWeight: -1 })).toThrow(/rkd.angleWeight: expected a finite number ≥ 0, got -1/);
    expect(() => createLoss('hint', { scale: 2 } as never)).toThrow(/hint/);
  });
});
