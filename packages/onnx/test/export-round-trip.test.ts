import { LayersClassifier, setupBackend, tf, type Model } from '@distillery/core';
import { expectNoTensorLeak } from '@distillery/core/testing';
import { embeddedMnistSplit } from '@distillery/datasets';
import { createCnn, createMlp } from '@distillery/students';
import { beforeAll, describe, expect, it } from 'vitest';
import { OnnxTeacher, OrtLogitsSession, decodeOnnxModel, toOnnx } from '../src/index.js';

beforeAll(async () => {
  await setupBackend();
});

const maxAbsDiff = (a: ArrayLike<number>, b: ArrayLike<number>) => Array.from(a).reduce((m, v, i) => Math.max(m, Math.abs(v - b[i]!)), 0);

/** tfjs logits, ORT logits and tfjs-runtime logits of the exported model on the same inputs. */
async function threeWays(model: Model, x: tf.Tensor): Promise<{ tfjs: Float32Array; ort: Float32Array; onnxOnTfjs: Float32Array; bytes: Uint8Array }> {
  const bytes = await toOnnx(model);
  const n = x.shape[0]!;
  const logits = model.forward(x);
  const tfjs = (await logits.data()) as Float32Array;
  logits.dispose();
  const session = await OrtLogitsSession.create(bytes, { inputShape: model.inputShape, numClasses: model.numClasses }, model.name);
  const ort = await session.run((await x.data()) as Float32Array, n);
  await session.release();
  const teacher = new OnnxTeacher({ bytes, inputShape: model.inputShape, numClasses: model.numClasses });
  const out = teacher.forward(x);
  const onnxOnTfjs = (await out.data()) as Float32Array;
  out.dispose();
  teacher.dispose();
  return { tfjs, ort, onnxOnTfjs, bytes };
}

/** Moves batch-norm statistics away from their initial 0 and 1, so folding them is really tested. */
function perturbBatchNorm(model: LayersClassifier): void {
  tf.tidy(() => model.stateVariables().forEach((v, i) => v.assign(tf.randomUniform(v.shape, 0.5, 1.5, 'float32', 10 + i))));
  tf.tidy(() => model.trainableVariables().forEach((v, i) => v.assign(tf.add(v, tf.randomUniform(v.shape, -0.1, 0.1, 'float32', 30 + i)))));
}

describe('exported models compute what the tfjs model computes', () => {
  it('a CNN with batch-norm (folded) on the MNIST test set: max |Δ| ≤ 1e-4 on ORT and on the tfjs runtime', async () => {
    const { test } = embeddedMnistSplit();
    const cnn = createCnn({ inputShape: [28, 28, 1], numClasses: 10, filters: [8, 16], dense: [32], dropout: 0.3, batchNorm: true, seed: 4 });
    perturbBatchNorm(cnn);
    const x = test.subset(Array.from({ length: 500 }, (_, i) => i)).batches({ batchSize: 500 }).next().value!;
    const { tfjs, ort, onnxOnTfjs, bytes } = await threeWays(cnn, x.x);
    expect(maxAbsDiff(ort, tfjs)).toBeLessThanOrEqual(1e-4);
    expect(maxAbsDiff(onnxOnTfjs, tfjs)).toBeLessThanOrEqual(1e-4);
    // Folded: no batch-norm node, no dropout node; one transpose in, one back before the flatten.
    const ops = decodeOnnxModel(bytes).graph.nodes.map((n) => n.opType);
    expect(ops).not.toContain('BatchNormalization');
    expect(ops.filter((op) => op === 'Transpose')).toHaveLength(2);
    tf.dispose([x.x, x.y]);
    cnn.dispose();
  });

  it('a model with input scaling (fitted preprocessing) exports it as Sub/Mul in front: raw inputs give the same logits', async () => {
    const mlp = createMlp({ inputShape: [3, 2, 1], numClasses: 3, hidden: [8], seed: 2 });
    const scaling = { kind: 'standardize' as const, offset: [1, -2, 3, 0.5, 10, -7], scale: [0.5, 2, 0.1, 1, 0.01, 3], fittedOn: 10 };
    const scaled = mlp.withPreprocessing(scaling);
    const x = tf.randomNormal([17, 3, 2, 1], 5, 10, 'float32', 8);
    const { tfjs, ort, onnxOnTfjs, bytes } = await threeWays(scaled, x);
    expect(maxAbsDiff(ort, tfjs)).toBeLessThanOrEqual(1e-4);
    expect(maxAbsDiff(onnxOnTfjs, tfjs)).toBeLessThanOrEqual(1e-4);
    expect(decodeOnnxModel(bytes).graph.nodes.slice(0, 2).map((n) => n.opType)).toEqual(['Sub', 'Mul']);
    // And the scaling does change the logits (the test would pass vacuously otherwise).
    const plain = mlp.forward(x);
    expect(maxAbsDiff((await plain.data()) as Float32Array, tfjs)).toBeGreaterThan(1e-2);
    tf.dispose([x, plain]);
    mlp.dispose();
  });

  it.each(['relu', 'elu', 'tanh', 'sigmoid', 'selu', 'swish'] as const)('an MLP with %s on images (flatten, dropout dropped)', async (activation) => {
    const mlp = createMlp({ inputShape: [6, 5, 2], numClasses: 4, hidden: [16, 8], activation, dropout: 0.5, inputDropout: 0.2, seed: 7 });
    const x = tf.randomNormal([33, 6, 5, 2], 0, 2, 'float32', 5);
    const { tfjs, ort, onnxOnTfjs } = await threeWays(mlp, x);
    expect(maxAbsDiff(ort, tfjs)).toBeLessThanOrEqual(1e-4);
    expect(maxAbsDiff(onnxOnTfjs, tfjs)).toBeLessThanOrEqual(1e-4);
    x.dispose();
    mlp.dispose();
  });

  it('valid and same padding, strides, average pooling, dense + batch-norm folding, a lone batch-norm', async () => {
    const layers = [
      tf.layers.conv2d({ inputShape: [11, 9, 3], filters: 4, kernelSize: [3, 2], strides: 2, padding: 'same', activation: 'relu', seed: 1 } as never),
      tf.layers.averagePooling2d({ poolSize: 3, strides: 2, padding: 'same' }),
      tf.layers.batchNormalization({}),
      tf.layers.conv2d({ filters: 5, kernelSize: 2, padding: 'valid', dilationRate: 1, useBias: false }),
      tf.layers.batchNormalization({}),
      tf.layers.activation({ activation: 'elu' }),
      tf.layers.maxPooling2d({ poolSize: 2, strides: 1, padding: 'same' }),
      tf.layers.flatten(),
      tf.layers.dense({ units: 6 }),
      tf.layers.batchNormalization({}),
      tf.layers.activation({ activation: 'tanh' }),
      tf.layers.dense({ units: 3 }),
    ];
    const model = new LayersClassifier('odd-shapes', tf.sequential({ layers }));
    perturbBatchNorm(model);
    const x = tf.randomNormal([9, 11, 9, 3], 0, 1, 'float32', 8);
    const { tfjs, ort, onnxOnTfjs } = await threeWays(model, x);
    expect(maxAbsDiff(ort, tfjs)).toBeLessThanOrEqual(1e-4);
    expect(maxAbsDiff(onnxOnTfjs, tfjs)).toBeLessThanOrEqual(1e-4);
    x.dispose();
    model.dispose();
  });

  it('names the layer it cannot export', async () => {
    const model = new LayersClassifier(
      'with-reshape',
      tf.sequential({ layers: [tf.layers.reshape({ inputShape: [4], targetShape: [2, 2] }), tf.layers.flatten(), tf.layers.dense({ units: 2 })] }),
    );
    await expect(toOnnx(model)).rejects.toThrow(/model with-reshape: layer .*\(Reshape\) cannot be exported to ONNX/);
    model.dispose();
  });

  it('leaks no tensors while exporting and running the tfjs runtime', async () => {
    const mlp = createMlp({ inputShape: [5], numClasses: 3, hidden: [4], seed: 1 });
    const x = tf.ones([2, 5]);
    await expectNoTensorLeak(async () => {
      const teacher = new OnnxTeacher({ bytes: await toOnnx(mlp), inputShape: [5], numClasses: 3 });
      teacher.forward(x).dispose();
      teacher.dispose();
    });
    x.dispose();
    mlp.dispose();
  });
});
