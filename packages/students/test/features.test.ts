import { listFeatures, loadModel, setupBackend, tf, type LayersClassifier, type Model } from '@distillery/core';
import { expectNoTensorLeak } from '@distillery/core/testing';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { createCnn, createMlp } from '../src/index.js';

beforeAll(async () => {
  await setupBackend();
});

const cnn = (seed = 3, dropout = 0) => createCnn({ inputShape: [8, 8, 1], numClasses: 3, filters: [4, 6], dense: [5], dropout, seed });
const input = () => tf.randomUniform([4, 8, 8, 1], 0, 1, 'float32', 7);

/** The output of one layer through a second tfjs model cut at that layer: an independent path. */
function cutAt(model: LayersClassifier, layer: string, x: tf.Tensor): tf.Tensor {
  const lm = model.layersModel;
  const cut = tf.model({ inputs: lm.inputs, outputs: lm.getLayer(layer).output as tf.SymbolicTensor });
  return cut.predict(x) as tf.Tensor;
}

const maxDiff = (a: tf.Tensor, b: tf.Tensor) => tf.tidy(() => tf.max(tf.abs(tf.sub(a, b))).dataSync()[0]!);

describe('named intermediate outputs of layers models', () => {
  it('lists layers per model with stable names and output shapes, in forward order', () => {
    const [a, b] = [cnn(), cnn(4)];
    const expected = [
      { name: 'conv2d_1', kind: 'Conv2D', shape: [8, 8, 4] },
      { name: 'max_pooling2d_1', kind: 'MaxPooling2D', shape: [4, 4, 4] },
      { name: 'conv2d_2', kind: 'Conv2D', shape: [4, 4, 6] },
      { name: 'max_pooling2d_2', kind: 'MaxPooling2D', shape: [2, 2, 6] },
      { name: 'flatten_1', kind: 'Flatten', shape: [24] },
      { name: 'dense_1', kind: 'Dense', shape: [5] },
      { name: 'dense_2', kind: 'Dense', shape: [3] },
    ];
    // Same names for the second model built in this process: not tfjs' process-wide counters.
    expect(listFeatures(a)).toEqual(expected);
    expect(listFeatures(b)).toEqual(expected);
    const mlp = createMlp({ inputShape: [8, 8, 1], numClasses: 3, hidden: [7], dropout: 0.2, seed: 1 });
    expect(listFeatures(mlp).map((f) => f.name)).toEqual(['flatten_1', 'dense_1', 'dropout_1', 'dense_2']);
    [a, b, mlp].forEach((m) => m.dispose());
  });

  it('returns the requested layers with the logits of one pass, equal to a model cut at each layer', async () => {
    const model = cnn();
    await expectNoTensorLeak(async () => {
      const x = input();
      const { logits, features } = model.forwardWithFeatures(x, ['conv2d_2', 'dense_1']);
      expect(Object.keys(features).sort()).toEqual(['conv2d_2', 'dense_1']);
      expect(features['conv2d_2']!.shape).toEqual([4, 4, 4, 6]);
      const plain = model.forward(x);
      const conv = cutAt(model, 'conv2d_2', x);
      const dense = cutAt(model, 'dense_1', x);
      expect(maxDiff(logits, plain)).toBeLessThan(1e-6);
      expect(maxDiff(features['conv2d_2']!, conv)).toBeLessThan(1e-6);
      expect(maxDiff(features['dense_1']!, dense)).toBeLessThan(1e-6);
      tf.dispose([x, logits, ...Object.values(features), plain, conv, dense]);
    });
    model.dispose();
  });

  it('in training mode: the same dropout masks as forward, and gradients reach the layers below the feature only', async () => {
    const model = cnn(3, 0.5);
    await expectNoTensorLeak(async () => {
      const x = input();
      const options = { training: true, seed: 9 };
      const { logits, features } = model.forwardWithFeatures(x, ['conv2d_2'], options);
      const plain = model.forward(x, options);
      expect(maxDiff(logits, plain)).toBeLessThan(1e-6);
      const { value, grads } = tf.variableGrads(
        () => tf.sum(tf.square(model.forwardWithFeatures(x, ['conv2d_2'], options).features['conv2d_2']!)) as tf.Scalar,
        model.trainableVariables(),
      );
      const norms = Object.fromEntries(Object.entries(grads).map(([k, g]) => [k, tf.tidy(() => tf.norm(g).dataSync()[0]!)] as const));
      const kernel = (layer: string) => Object.entries(norms).find(([k]) => k.startsWith(`${layer}/kernel`))?.[1];
      expect(kernel('conv2d_1')).toBeGreaterThan(0);
      expect(kernel('conv2d_2')).toBeGreaterThan(0);
      expect(kernel('dense_1') ?? 0).toBe(0);
      tf.dispose([x, logits, ...Object.values(features), plain, value, ...Object.values(grads)]);
    });
    model.dispose();
  });

  it('keeps the names through save and load, and refuses an unknown layer naming the ones it has', async () => {
    const model = cnn();
    const dir = await mkdtemp(join(tmpdir(), 'features-'));
    try {
      await model.save(dir);
      const loaded: Model = await loadModel(dir);
      expect(listFeatures(loaded)).toEqual(listFeatures(model));
      const x = input();
      expect(() => loaded.forwardWithFeatures!(x, ['conv2d_9'])).toThrow(
        /model cnn-4-6 has no layer "conv2d_9"; its layers are: conv2d_1 \[8, 8, 4\], max_pooling2d_1 \[4, 4, 4\], conv2d_2 \[4, 4, 6\]/,
      );
      x.dispose();
      loaded.dispose();
    } finally {
      model.dispose();
      await rm(dir, { recursive: true, force: true });
    }
  });

  it('a model without intermediate outputs is refused with its name', () => {
    const opaque = { name: 'opaque', inputShape: [2], numClasses: 2 } as unknown as Model;
    expect(() => listFeatures(opaque)).toThrow('model opaque does not expose intermediate outputs');
  });
});
