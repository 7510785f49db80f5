import { DistillationTrainer, InMemoryDataset, LayersClassifier, createRandom, loadNative, setupBackend, tf } from '@distillery/core';
import { expectNoTensorLeak, relativeError } from '@distillery/core/testing';
import { afterAll, describe, expect, it } from 'vitest';
import { crossEntropyLoss, distillationObjective, kdLoss } from '../src/index.js';
import { randomLogits } from './loss-harness.js';
import { crossEntropy, crossEntropyGrad, hintonKd, hintonKdGrad, logSoftmax, type Matrix } from './reference.js';

// With the native kernels, plain ce and kd run as one fused kernel each (and one per gradient);
// without them, as tfjs ops. The fused kernels compute in double and round once, so they are
// checked tightly against the float64 references of reference.ts (on the same float32 inputs),
// and against the float32 op graph within that graph's own rounding: its gradient p − q cancels,
// 1.3e-3 of the largest entry at T = 20 with logits ±0.1 (where the fused result is within 1e-6 of float64).
const REFERENCE_TOLERANCE = 1e-6;
const OPS_TOLERANCE = 1e-4;

/** d KD / d t_j = T · p_j · (log p_j − log q_j − KL_row) / B, float64 (the teacher side, which reference.ts lacks). */
function hintonKdTeacherGrad(student: Matrix, teacher: Matrix, t: number): Matrix {
  return teacher.map((row, b) => {
    const lp = logSoftmax(row, t);
    const lq = logSoftmax(student[b]!, t);
    const kl = lp.reduce((acc, v, k) => acc + Math.exp(v) * (v - lq[k]!), 0);
    return lp.map((v, k) => (t * Math.exp(v) * (v - lq[k]! - kl)) / student.length);
  });
}
const loaded = await loadNative();

interface Evaluation {
  readonly value: number;
  readonly dStudent: Float32Array;
  readonly dTeacher?: Float32Array;
}

type Compute = (s: tf.Tensor2D, t: tf.Tensor2D) => tf.Scalar;

async function evaluate(native: boolean, compute: Compute, student: Matrix, teacher: Matrix, teacherGrad: boolean): Promise<Evaluation> {
  const info = await setupBackend({ backend: 'wasm', fallbackToCpu: false, native });
  expect(info.native.active).toBe(native);
  return expectNoTensorLeak(async () => {
    const s = tf.tensor2d(student);
    const t = tf.tensor2d(teacher);
    const wrt = teacherGrad ? [s, t] : [s];
    const { value, grads } = tf.valueAndGrads((...xs: tf.Tensor[]) => compute(xs[0] as tf.Tensor2D, (xs[1] ?? t) as tf.Tensor2D))(wrt);
    const out = {
      value: (await value.data())[0]!,
      dStudent: (await grads[0]!.data()) as Float32Array,
      ...(teacherGrad ? { dTeacher: (await grads[1]!.data()) as Float32Array } : {}),
    };
    tf.dispose([s, t, value, ...grads]);
    return out;
  });
}

const float32 = (m: Matrix): Matrix => m.map((row) => row.map(Math.fround));
const relative = (a: number, b: number) => Math.abs(a - b) / Math.max(1e-30, Math.abs(b));

/** Runs both paths; checks the fused one against the float64 reference and the op graph. */
async function expectFusedMatches(kernel: string, compute: Compute, student: Matrix, teacher: Matrix, reference: { value: number; dStudent: Matrix; dTeacher?: Matrix }, teacherGrad: boolean, opsTolerance = OPS_TOLERANCE): Promise<Evaluation> {
  const ops = await evaluate(false, compute, student, teacher, teacherGrad);
  expect(tf.getKernel(kernel, 'wasm')).toBeUndefined();
  const fused = await evaluate(true, compute, student, teacher, teacherGrad);
  expect(tf.getKernel(kernel, 'wasm')).toBeDefined();
  expect(relative(fused.value, reference.value)).toBeLessThanOrEqual(REFERENCE_TOLERANCE);
  expect(relativeError(fused.dStudent, reference.dStudent.flat())).toBeLessThanOrEqual(REFERENCE_TOLERANCE);
  expect(relative(fused.value, ops.value)).toBeLessThanOrEqual(opsTolerance);
  expect(relativeError(fused.dStudent, ops.dStudent)).toBeLessThanOrEqual(opsTolerance);
  if (teacherGrad) {
    expect(relativeError(fused.dTeacher!, reference.dTeacher!.flat())).toBeLessThanOrEqual(REFERENCE_TOLERANCE);
    expect(relativeError(fused.dTeacher!, ops.dTeacher!)).toBeLessThanOrEqual(opsTolerance);
  }
  return fused;
}

describe.skipIf(!loaded.ok)('fused ce and kd kernels equal the tfjs op graph', () => {
  afterAll(async () => {
    await setupBackend({ backend: 'wasm' });
  });

  const labels = (n: number, classes: number, seed: number) => {
    const rng = createRandom(seed);
    return Array.from({ length: n }, () => Math.floor(rng.next() * classes));
  };

  it.each([
    { scale: 3, classes: 10, rows: 128 },
    { scale: 1000, classes: 10, rows: 17 },
    { scale: 0.01, classes: 2, rows: 5 },
    { scale: 20, classes: 100, rows: 9 },
  ])('ce: logits ±$scale, $rows×$classes', async ({ scale, classes, rows }) => {
    const student = float32(randomLogits(rows, classes, scale, 3));
    const y = labels(rows, classes, 4);
    const ce = crossEntropyLoss();
    const compute = (s: tf.Tensor2D) => {
      const l = tf.tensor1d(y, 'int32');
      const value = ce.compute({ studentLogits: s, labels: l, epoch: 0 });
      l.dispose();
      return value;
    };
    const reference = { value: crossEntropy(student, y), dStudent: crossEntropyGrad(student, y) };
    const fused = await expectFusedMatches('DistilleryLogitCrossEntropy', compute, student, student, reference, false);
    expect(fused.value).toBeGreaterThan(0);
  });

  it('only plain hard-label ce is fused: label smoothing and class weights stay on the op graph', async () => {
    await setupBackend({ backend: 'wasm', fallbackToCpu: false, native: true });
    const student = tf.tensor2d([[1, 2, 3]]);
    const y = tf.tensor1d([2], 'int32');
    const kernelsOf = async (options: Parameters<typeof crossEntropyLoss>[0]) => {
      const info = await tf.profile(() => crossEntropyLoss(options).compute({ studentLogits: student, labels: y, epoch: 0 }));
      tf.dispose(info.result as tf.Tensor);
      return info.kernelNames;
    };
    expect(await kernelsOf({})).toEqual(['DistilleryLogitCrossEntropy']);
    expect(await kernelsOf({ labelSmoothing: 0.1 })).not.toContain('DistilleryLogitCrossEntropy');
    expect(await kernelsOf({ classWeights: [1, 2, 3] })).not.toContain('DistilleryLogitCrossEntropy');
    tf.dispose([student, y]);
  });

  it.each([
    { temperature: 4, scale: 3, opsTolerance: OPS_TOLERANCE },
    { temperature: 1, scale: 5, opsTolerance: OPS_TOLERANCE },
    { temperature: 0.5, scale: 1000, opsTolerance: OPS_TOLERANCE },
    { temperature: 20, scale: 0.1, opsTolerance: 3e-3 },
  ])('kd: T = $temperature, logits ±$scale (gradients to student and teacher)', async ({ temperature, scale, opsTolerance }) => {
    const student = float32(randomLogits(33, 10, scale, 6));
    const teacher = float32(randomLogits(33, 10, scale, 7));
    const kd = kdLoss({ temperature });
    const reference = { value: hintonKd(student, teacher, temperature), dStudent: hintonKdGrad(student, teacher, temperature), dTeacher: hintonKdTeacherGrad(student, teacher, temperature) };
    const fused = await expectFusedMatches('DistilleryLogitKd', (s, t) => kd.compute({ studentLogits: s, teacherLogits: t, epoch: 0 }), student, teacher, reference, true, opsTolerance);
    expect(fused.value).toBeGreaterThan(0);
  });

  it('kd: masked (−1e30) teacher logits stay finite, as in the op graph', async () => {
    const student = float32(randomLogits(3, 4, 2, 8));
    const teacher = [[1, -1e30, 2, 0], [-1e30, -1e30, 0, 1], [0, 0, 0, 0]].map((row) => row.map(Math.fround));
    const kd = kdLoss({ temperature: 2 });
    const reference = { value: hintonKd(student, teacher, 2), dStudent: hintonKdGrad(student, teacher, 2), dTeacher: hintonKdTeacherGrad(student, teacher, 2) };
    const fused = await expectFusedMatches('DistilleryLogitKd', (s, t) => kd.compute({ studentLogits: s, teacherLogits: t, epoch: 0 }), student, teacher, reference, true);
    expect(Number.isFinite(fused.value)).toBe(true);
  });

  it('a ce + kd training run gives the same weights on both paths (within float rounding)', async () => {
    const rng = createRandom(9);
    const dataset = (name: string) =>
      new InMemoryDataset({ name, inputShape: [12], numClasses: 4, features: Float32Array.from({ length: 64 * 12 }, () => rng.next()), labels: Int32Array.from({ length: 64 }, () => Math.floor(rng.next() * 4)) });
    const labelled = dataset('labelled');
    const transfer = dataset('transfer');
    const teacherLogits = { size: 64, numClasses: 4, values: Float32Array.from({ length: 256 }, () => 4 * rng.next() - 2) };
    const weights = async (native: boolean) => {
      await setupBackend({ backend: 'wasm', fallbackToCpu: false, native });
      const dense = (units: number, seed: number, extra: object) => tf.layers.dense({ units, kernelInitializer: tf.initializers.glorotUniform({ seed }), ...extra });
      const model = new LayersClassifier('mlp', tf.sequential({ layers: [dense(8, 3, { inputShape: [12], activation: 'relu' }), dense(4, 4, {})] }));
      const result = await new DistillationTrainer().train({
        model,
        objective: distillationObjective({ lambda: 0.7, temperature: 3 }),
        data: { labelled, transfer: { dataset: transfer, teacherLogits } },
        options: { epochs: 2, stepsPerEpoch: 10, batchSize: 16, learningRate: 1e-2, seed: 5 },
      });
      const values = model.trainableVariables().map((v) => Array.from(v.dataSync()));
      model.dispose();
      return { values, losses: result.history.map((h) => h.total) };
    };
    const ops = await weights(false);
    const fused = await weights(true);
    ops.values.forEach((w, i) => expect(relativeError(fused.values[i]!, w)).toBeLessThanOrEqual(1e-4));
    fused.losses.forEach((loss, i) => expect(Math.abs(loss - ops.losses[i]!)).toBeLessThanOrEqual(1e-5 * Math.abs(ops.losses[i]!)));
  });
});
