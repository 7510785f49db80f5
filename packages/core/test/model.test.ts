import * as tf from '@tensorflow/tfjs';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { LayersClassifier, loadModel, setupBackend } from '../src/index.js';
import { expectNoTensorLeak, folderFetch } from '../src/testing.js';

function smallModel(): LayersClassifier {
  const init = { kernelInitializer: tf.initializers.glorotUniform({ seed: 3 }) };
  return new LayersClassifier(
    'small',
    tf.sequential({
      layers: [
        tf.layers.flatten({ inputShape: [4, 4, 1] }),
        tf.layers.dense({ units: 8, activation: 'relu', ...init }),
        tf.layers.dropout({ rate: 0.5 }),
        tf.layers.dense({ units: 3, ...init }),
      ],
    }),
  );
}

let dir = '';
beforeAll(async () => {
  await setupBackend();
  dir = await mkdtemp(join(tmpdir(), 'distillery-model-'));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

describe('LayersClassifier', () => {
  it('reports its shapes and gives [batch, classes] logits without leaking', async () => {
    const model = smallModel();
    expect(model.inputShape).toEqual([4, 4, 1]);
    expect(model.numClasses).toBe(3);
    expect(model.countParams()).toBe(16 * 8 + 8 + 8 * 3 + 3);
    await expectNoTensorLeak(() => {
      const x = tf.ones([5, 4, 4, 1]);
      const logits = model.forward(x);
      expect(logits.shape).toEqual([5, 3]);
      tf.dispose([x, logits]);
    });
    model.dispose();
  });

  it('names the expected input shape when given the wrong one', () => {
    const model = smallModel();
    const x = tf.ones([2, 16]);
    expect(() => model.forward(x)).toThrow('model small: input examples must have shape [4, 4, 1], got [16]');
    tf.dispose(x);
    model.dispose();
  });

  it('draws dropout masks from the seed: same seed, same output; other seed, other output', async () => {
    const model = smallModel();
    await expectNoTensorLeak(async () => {
      const x = tf.randomUniform([6, 4, 4, 1], 0, 1, 'float32', 1);
      const run = async (seed: number) => {
        const y = model.forward(x, { training: true, seed });
        const values = await y.data();
        y.dispose();
        return Array.from(values);
      };
      expect(await run(5)).toEqual(await run(5));
      expect(await run(5)).not.toEqual(await run(6));
      const inference = model.forward(x);
      const again = model.forward(x);
      expect(Array.from(await inference.data())).toEqual(Array.from(await again.data()));
      tf.dispose([x, inference, again]);
    });
    model.dispose();
  });
});

describe('saving and loading', () => {
  it('round-trips through a directory with identical outputs', async () => {
    const model = smallModel();
    const target = join(dir, 'roundtrip');
    await model.save(target);
    const loaded = await loadModel(target);
    expect(loaded.name).toBe('small');
    expect(loaded.inputShape).toEqual([4, 4, 1]);
    const x = tf.randomUniform([3, 4, 4, 1], 0, 1, 'float32', 2);
    const a = model.forward(x);
    const b = loaded.forward(x);
    expect(Array.from(await b.data())).toEqual(Array.from(await a.data()));
    tf.dispose([x, a, b]);
    model.dispose();
    loaded.dispose();
  });

  it('is loadable by plain tf.loadLayersModel over HTTP, as a browser would', async () => {
    const model = smallModel();
    const target = join(dir, 'browser');
    await model.save(target);
    // The browser path: tf.io.http fetches model.json, then the weight files relative to it.
    const browserModel = await tf.loadLayersModel(
      tf.io.http('https://example.test/models/browser/model.json', { fetchFunc: folderFetch(target) }),
    );
    const x = tf.randomUniform([2, 4, 4, 1], 0, 1, 'float32', 4);
    const a = model.forward(x);
    const b = browserModel.predict(x) as tf.Tensor;
    expect(Array.from(await b.data())).toEqual(Array.from(await a.data()));
    tf.dispose([x, a, b]);
    model.dispose();
    browserModel.dispose();
  });

  it('says which file is missing or broken', async () => {
    await expect(loadModel(join(dir, 'nope'))).rejects.toThrow(`model directory ${join(dir, 'nope')} does not exist`);
    const model = smallModel();
    const target = join(dir, 'broken');
    await model.save(target);
    model.dispose();
    await rm(join(target, 'weights.bin'));
    await expect(loadModel(target)).rejects.toThrow(`weight file ${join(target, 'weights.bin')} named in ${join(target, 'model.json')} is missing`);
    await writeFile(join(target, 'weights.bin'), new Uint8Array(10));
    await expect(loadModel(target)).rejects.toThrow(/hold 10 bytes, model.json describes 652/);
    await writeFile(join(target, 'model.json'), '{ not json');
    await expect(loadModel(target)).rejects.toThrow(/model.json is not valid JSON/);
    await rm(join(target, 'model.json'));
    await expect(loadModel(target)).rejects.toThrow(/model.json is missing/);
  });
});
