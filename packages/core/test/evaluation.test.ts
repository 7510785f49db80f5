import * as tf from '@tensorflow/tfjs';
import { beforeAll, describe, expect, it } from 'vitest';
import { AccuracyEvaluator, InMemoryDataset, LayersClassifier, predictLogits, setupBackend } from '../src/index.js';
import { expectNoTensorLeak } from '../src/testing.js';

/** A linear model whose logits equal its 3 inputs (identity kernel, zero bias). */
function identityModel(): LayersClassifier {
  return new LayersClassifier(
    'identity',
    tf.sequential({ layers: [tf.layers.dense({ inputShape: [3], units: 3, kernelInitializer: 'identity', biasInitializer: 'zeros' })] }),
  );
}

beforeAll(async () => {
  await setupBackend();
});

describe('evaluation', () => {
  it('gives the closed-form accuracy and cross-entropy', async () => {
    // Logits = features. Rows 0 and 1 are right, row 2 is wrong (arg-max 0, label 2).
    const features = Float32Array.from([2, 0, 0, 0, 1, 0, 3, 0, 1]);
    const labels = Int32Array.from([0, 1, 2]);
    const data = new InMemoryDataset({ name: 'three', inputShape: [3], numClasses: 3, features, labels });
    const model = identityModel();
    const metrics = await expectNoTensorLeak(() => new AccuracyEvaluator(2).evaluate(model, data));
    const ce = (row: number[], label: number) => Math.log(row.reduce((s, v) => s + Math.exp(v), 0)) - row[label]!;
    const expectedLoss = (ce([2, 0, 0], 0) + ce([0, 1, 0], 1) + ce([3, 0, 1], 2)) / 3;
    expect(metrics.accuracy).toBeCloseTo(2 / 3, 10);
    expect(metrics.loss).toBeCloseTo(expectedLoss, 5);
    expect(metrics.count).toBe(3);
    const logits = await predictLogits(model, data, 2);
    expect(Array.from(logits.values)).toEqual(Array.from(features));
    model.dispose();
  });

  it('refuses a dataset the model does not fit, naming both', async () => {
    const data = new InMemoryDataset({ name: 'wide', inputShape: [4], numClasses: 3, features: new Float32Array(4), labels: Int32Array.from([0]) });
    const model = identityModel();
    await expect(new AccuracyEvaluator().evaluate(model, data)).rejects.toThrow(
      'model identity takes examples of shape [3] but dataset wide has [4]',
    );
    model.dispose();
  });
});
