import * as tf from '@tensorflow/tfjs';
import { beforeAll, describe, expect, it } from 'vitest';
import { AccuracyEvaluator, InMemoryDataset, LayersClassifier, evaluateModel, predictLogits, setupBackend } from '../src/index.js';
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

describe('evaluateModel: class metrics', () => {
  it('adds macro-F1, balanced accuracy, per-class scores, the confusion matrix and ECE to accuracy and loss', async () => {
    // Logits = features: predictions 0, 1, 0 for labels 0, 1, 2.
    const features = Float32Array.from([2, 0, 0, 0, 1, 0, 3, 0, 1]);
    const data = new InMemoryDataset({ name: 'three', inputShape: [3], numClasses: 3, features, labels: Int32Array.from([0, 1, 2]) });
    const model = identityModel();
    const metrics = await expectNoTensorLeak(() => evaluateModel(model, data, 2));
    expect(metrics.confusionMatrix).toEqual([
      [1, 0, 0],
      [0, 1, 0],
      [1, 0, 0],
    ]);
    // Class 0: precision 1/2, recall 1 → F1 2/3; class 1: F1 1; class 2: 0.
    expect(metrics.macroF1).toBeCloseTo((2 / 3 + 1 + 0) / 3, 12);
    expect(metrics.balancedAccuracy).toBeCloseTo((1 + 1 + 0) / 3, 12);
    const top = (row: number[]) => Math.exp(Math.max(...row)) / row.reduce((s, v) => s + Math.exp(v), 0);
    const confidences = [top([2, 0, 0]), top([0, 1, 0]), top([3, 0, 1])];
    expect(metrics.expectedCalibrationError).toBeCloseTo(
      // Each confidence falls in its own 1/15-wide bin.
      (Math.abs(1 - confidences[0]!) + Math.abs(1 - confidences[1]!) + Math.abs(0 - confidences[2]!)) / 3,
      6,
    );
    expect(new Set(confidences.map((c) => Math.ceil(c * 15))).size).toBe(3);
    model.dispose();
  });
});
