import * as tf from '@tensorflow/tfjs';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  InMemoryDataset,
  LayersClassifier,
  deserializeModel,
  evaluateModel,
  fitFeatureScaling,
  loadModel,
  modelFingerprint,
  scaleDataset,
  serializeModel,
  setupBackend,
  splitIndices,
} from '../src/index.js';
import { expectNoTensorLeak } from '../src/testing.js';

let dir = '';
beforeAll(async () => {
  await setupBackend({ backend: 'cpu' });
  dir = await mkdtemp(join(tmpdir(), 'distillery-scaling-'));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

function table(rows: number[][], labels: number[]): InMemoryDataset {
  return new InMemoryDataset({ name: 't', inputShape: [rows[0]!.length], numClasses: 2, features: Float32Array.from(rows.flat()), labels: Int32Array.from(labels) });
}

const column = (ds: InMemoryDataset, f: number) => {
  const out = new Float32Array(ds.size * ds.inputShape[0]!);
  ds.copyFeatures(Array.from({ length: ds.size }, (_, i) => i), out);
  return Array.from({ length: ds.size }, (_, r) => out[r * ds.inputShape[0]! + f]!);
};
const mean = (v: number[]) => v.reduce((a, b) => a + b, 0) / v.length;
const std = (v: number[]) => Math.sqrt(mean(v.map((x) => (x - mean(v)) ** 2)));

function linearModel(): LayersClassifier {
  const model = tf.sequential({ layers: [tf.layers.dense({ inputShape: [2], units: 2, kernelInitializer: tf.initializers.randomNormal({ seed: 3 }) })] });
  return new LayersClassifier('linear', model);
}

describe('feature scaling', () => {
  it('fits standardisation and min-max in closed form; a constant feature gets scale 1', () => {
    const ds = table([[1, 5], [2, 5], [3, 5], [4, 5]], [0, 1, 0, 1]);
    const z = fitFeatureScaling('standardize', ds);
    expect(z.offset).toEqual([2.5, 5]);
    expect(z.scale[0]).toBeCloseTo(1 / Math.sqrt(1.25), 12);
    expect(z.scale[1]).toBe(1);
    expect(z.fittedOn).toBe(4);
    const m = fitFeatureScaling('min-max', ds);
    expect(m.offset).toEqual([1, 5]);
    expect(m.scale).toEqual([1 / 3, 1]);
    expect(column(scaleDataset(ds, m), 0)).toEqual([0, 1 / 3, 2 / 3, 1].map(Math.fround));
    expect(() => fitFeatureScaling('robust' as never, ds)).toThrow('preprocessing: expected one of standardize, min-max, got "robust"');
  });

  it('does not leak: fitted on the training split only, test and validation statistics do not move it', () => {
    // Training values around 10, test values around 1000: a leaky fit would centre the test set.
    const train = table(Array.from({ length: 200 }, (_, i) => [10 + (i % 7), i % 3]), Array.from({ length: 200 }, (_, i) => i % 2));
    const test = table(Array.from({ length: 50 }, (_, i) => [1000 + 5 * (i % 11), 40 + (i % 5)]), Array.from({ length: 50 }, (_, i) => i % 2));
    // The run's split: validation carved from train; the scaling sees only the rest.
    const parts = splitIndices(train, { validationCount: 40, labelledCount: 20, seed: 2 });
    const scaling = fitFeatureScaling('standardize', train, parts.transfer);
    const fitted = parts.transfer.map((i) => 10 + (i % 7));
    expect(scaling.offset[0]).toBeCloseTo(mean(fitted), 4);
    expect(scaling.fittedOn).toBe(160);
    const scaledTrainPart = scaleDataset(train.subset(parts.transfer), scaling);
    expect(mean(column(scaledTrainPart, 0))).toBeCloseTo(0, 4);
    expect(std(column(scaledTrainPart, 0))).toBeCloseTo(1, 4);
    const scaledTest = column(scaleDataset(test, scaling), 0);
    // The test set keeps its own shift: (1025 − ~13) / std(train) ≫ 0.
    expect(mean(scaledTest)).toBeCloseTo((mean(column(test, 0)) - scaling.offset[0]!) * scaling.scale[0]!, 3);
    expect(mean(scaledTest)).toBeGreaterThan(400);
  });

  it('is saved in the model folder and applied to raw inputs by the loaded model, eval included', async () => {
    const raw = table(Array.from({ length: 30 }, (_, i) => [100 + i, -3 * i]), Array.from({ length: 30 }, (_, i) => (i < 15 ? 0 : 1)));
    const scaling = fitFeatureScaling('standardize', raw);
    const scaled = scaleDataset(raw, scaling);
    const inner = linearModel();
    const folder = join(dir, 'student');
    await inner.withPreprocessing(scaling).save(folder);
    const onDisk = JSON.parse(await readFile(join(folder, 'preprocessing.json'), 'utf8')) as { kind: string; offset: number[] };
    expect(onDisk.kind).toBe('standardize');
    expect(onDisk.offset).toEqual(scaling.offset);
    const meta = JSON.parse(await readFile(join(folder, 'model.json'), 'utf8')) as { userDefinedMetadata: { distillery: { preprocessing: unknown } } };
    expect(meta.userDefinedMetadata.distillery.preprocessing).toEqual(scaling);
    const loaded = (await loadModel(folder)) as LayersClassifier;
    expect(loaded.preprocessing).toEqual(scaling);
    await expectNoTensorLeak(async () => {
      const onRaw = await evaluateModel(loaded, raw);
      const onScaled = await evaluateModel(inner, scaled);
      expect(onRaw.loss).toBeCloseTo(onScaled.loss, 5);
      expect(onRaw.confusionMatrix).toEqual(onScaled.confusionMatrix);
    });
    // Saving it again without a scaling removes the stale file.
    await inner.save(folder);
    await expect(readFile(join(folder, 'preprocessing.json'))).rejects.toThrow(/ENOENT/);
    expect((await loadModel(folder) as LayersClassifier).preprocessing).toBeUndefined();
    loaded.dispose();
    inner.dispose();
  });

  it('crosses threads with the model and is part of its fingerprint; a bad stored scaling is refused', async () => {
    const inner = linearModel();
    const scaling = { kind: 'min-max' as const, offset: [1, 2], scale: [0.5, 0.25], fittedOn: 9 };
    const withScaling = inner.withPreprocessing(scaling);
    const copy = await deserializeModel(await serializeModel(withScaling));
    expect(copy.preprocessing).toEqual(scaling);
    expect(await modelFingerprint(withScaling)).not.toBe(await modelFingerprint(inner));
    const folder = join(dir, 'bad');
    await withScaling.save(folder);
    const json = JSON.parse(await readFile(join(folder, 'model.json'), 'utf8')) as { userDefinedMetadata: { distillery: { preprocessing: { scale: number[] } } } };
    json.userDefinedMetadata.distillery.preprocessing.scale = [1];
    await writeFile(join(folder, 'model.json'), JSON.stringify(json));
    await expect(loadModel(folder)).rejects.toThrow(
      `${join(folder, 'model.json')} (userDefinedMetadata.distillery): preprocessing must be { kind: standardize | min-max, offset: number[], scale: number[] } of equal lengths`,
    );
    copy.dispose();
    inner.dispose();
  });
});
