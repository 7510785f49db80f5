import { DistillationTrainer, InMemoryDataset, loadModel, setupBackend, type LayersClassifier } from '@distillery/core';
import { expectNoTensorLeak } from '@distillery/core/testing';
import { createMlp } from '@distillery/students';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { supervisedObjective } from '@distillery/losses';
import { decodeOnnxModel, toOnnx } from '@distillery/onnx';

let dir = '';
beforeAll(async () => {
  await setupBackend();
  dir = await mkdtemp(join(tmpdir(), 'distillery-metadata-'));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

/** 40 images 4×3×2, values in [-0.5, 2.25] by construction, with named classes. */
function imageDataset(): InMemoryDataset {
  const size = 40;
  const rowLength = 4 * 3 * 2;
  const features = Float32Array.from({ length: size * rowLength }, (_, i) => ((i * 37) % 12) / 4 - 0.5);
  return new InMemoryDataset({ name: 'toy-images', inputShape: [4, 3, 2], numClasses: 3, features, labels: Int32Array.from({ length: size }, (_, i) => i % 3), classNames: ['cat', 'dog', 'owl'] });
}

describe('a trained model says what it expects, in its folder and in its ONNX export', () => {
  it('the trainer records shape, layout, value range and class names; save and load keep them', async () => {
    const data = imageDataset();
    const model = createMlp({ inputShape: [4, 3, 2], numClasses: 3, hidden: [5], seed: 1 }) as LayersClassifier;
    await expectNoTensorLeak(() =>
      new DistillationTrainer().train({
        model,
        objective: supervisedObjective(),
        data: { labelled: data },
        options: { epochs: 1, batchSize: 8, learningRate: 1e-3, seed: 1 },
      }),
    );
    const expected = { shape: [4, 3, 2], layout: 'nhwc', range: [-0.5, 2.25], classNames: ['cat', 'dog', 'owl'], dataset: 'toy-images' };
    expect(model.inputDescription).toEqual(expected);

    await model.save(join(dir, 'student'));
    const json = JSON.parse(await readFile(join(dir, 'student', 'model.json'), 'utf8'));
    expect(json.userDefinedMetadata.distillery.input).toEqual(expected); // what a browser reads beside the weights
    const loaded = await loadModel(join(dir, 'student'));
    expect(loaded.inputDescription).toEqual(expected);

    const onnx = decodeOnnxModel(await toOnnx(loaded));
    expect(onnx.producerName).toBe('distillery');
    expect(onnx.producerVersion).toMatch(/^\d+\.\d+\.\d+$/);
    expect(onnx.metadata).toMatchObject({
      'distillery.input_shape': '[4,3,2]',
      'distillery.input_range': '[-0.5,2.25]',
      'distillery.input_kind': 'nhwc',
      'distillery.input_layout': 'channels_last',
      'distillery.class_names': '["cat","dog","owl"]',
      'distillery.dataset': 'toy-images',
    });
    model.dispose();
    loaded.dispose();
  });

  it('a model never trained here exports without input metadata, and a malformed description is named', async () => {
    const fresh = createMlp({ inputShape: [6], numClasses: 2, hidden: [3], seed: 2 });
    const onnx = decodeOnnxModel(await toOnnx(fresh));
    expect(onnx.metadata?.['distillery.input_shape']).toBeUndefined();
    expect(onnx.producerName).toBe('distillery');
    await fresh.save(join(dir, 'fresh'));
    const file = join(dir, 'fresh', 'model.json');
    const json = JSON.parse(await readFile(file, 'utf8'));
    json.userDefinedMetadata.distillery.input = { shape: [6], layout: 'sideways', range: [0, 1], dataset: 'x' };
    await writeFile(file, JSON.stringify(json));
    await expect(loadModel(join(dir, 'fresh'))).rejects.toThrow(/model\.json \(userDefinedMetadata\.distillery\): input\.layout: expected nhwc, features or other, got "sideways"/);
    fresh.dispose();
  });
});
