import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { argMaxRows, classificationMetrics, classScores, confusionMatrix, ECE_BINS, expectedCalibrationError } from '../src/index.js';

/** Logits whose arg-max is `prediction` (one-hot scaled by 2). */
function logitsFor(predictions: number[], numClasses: number): Float32Array {
  const out = new Float32Array(predictions.length * numClasses);
  predictions.forEach((p, r) => (out[r * numClasses + p] = 2));
  return out;
}

interface GoldenCase {
  name: string;
  numClasses: number;
  logits: number[];
  labels: number[];
  confusionMatrix: number[][];
  precision: number[];
  recall: number[];
  f1: number[];
  support: number[];
  macroF1: number;
  balancedAccuracy: number;
  accuracy: number;
  ece: number;
}

const golden = JSON.parse(readFileSync(new URL('./golden/metrics.json', import.meta.url), 'utf8')) as { eceBins: number; cases: GoldenCase[] };

describe('classification metrics: closed forms', () => {
  // labels 0 0 0 1 1 2, predictions 0 0 1 1 0 0: class 2 is never predicted.
  const labels = [0, 0, 0, 1, 1, 2];
  const predictions = [0, 0, 1, 1, 0, 0];

  it('counts the confusion matrix with true classes as rows', () => {
    expect(confusionMatrix(labels, predictions, 3)).toEqual([
      [2, 1, 0],
      [1, 1, 0],
      [1, 0, 0],
    ]);
  });

  it('gives per-class precision/recall/F1, macro-F1 and balanced accuracy by hand', () => {
    const m = classificationMetrics({ logits: logitsFor(predictions, 3), labels, numClasses: 3 });
    expect(m.perClass[0]).toMatchObject({ precision: 2 / 4, recall: 2 / 3, support: 3 });
    expect(m.perClass[0]!.f1).toBeCloseTo(4 / 7, 14);
    expect(m.perClass[1]).toEqual({ precision: 1 / 2, recall: 1 / 2, f1: 1 / 2, support: 2 });
    // Never predicted: precision 0 by convention, not NaN.
    expect(m.perClass[2]).toEqual({ precision: 0, recall: 0, f1: 0, support: 1 });
    expect(m.macroF1).toBeCloseTo((4 / 7 + 1 / 2 + 0) / 3, 14);
    expect(m.balancedAccuracy).toBeCloseTo((2 / 3 + 1 / 2 + 0) / 3, 14);
    expect(m.accuracy).toBe(3 / 6);
    expect(m.count).toBe(6);
  });

  it('shows what accuracy hides: always predicting the majority class', () => {
    // 9 of class 0, 1 of class 1, everything predicted 0: accuracy 0.9, balanced accuracy 0.5.
    const y = [0, 0, 0, 0, 0, 0, 0, 0, 0, 1];
    const m = classificationMetrics({ logits: logitsFor(new Array(10).fill(0), 2), labels: y, numClasses: 2 });
    expect(m.accuracy).toBeCloseTo(0.9, 14);
    expect(m.balancedAccuracy).toBeCloseTo(0.5, 14);
    // F1 of class 0 = 2·0.9·1 / 1.9; class 1 scores 0.
    expect(m.macroF1).toBeCloseTo(0.9 / 1.9, 14);
  });

  it('computes ECE from confidences by hand, with the documented 15 bins', () => {
    // Row 0: logits [0, 0] → confidence 0.5, arg-max 0 (first on ties), right.
    // Row 1: logits [ln 3, 0] → confidence 0.75, predicts 0 for label 1, wrong.
    const logits = Float32Array.from([0, 0, Math.log(3), 0]);
    expect(ECE_BINS).toBe(15);
    expect(expectedCalibrationError(logits, [0, 1], 2)).toBeCloseTo(0.5 * 0.5 + 0.5 * 0.75, 6);
    // One bin: |accuracy − mean confidence| = |0.5 − 0.625|.
    expect(expectedCalibrationError(logits, [0, 1], 2, 1)).toBeCloseTo(0.125, 6);
    // Both in one bin of two: (0.5, 1] holds 0.75; 0.5 is in (0, 0.5] — the upper edge is inclusive.
    expect(expectedCalibrationError(logits, [0, 1], 2, 2)).toBeCloseTo(0.5 * 0.5 + 0.5 * 0.75, 6);
    expect(classificationMetrics({ logits, labels: [0, 1], numClasses: 2 }).eceBins).toBe(15);
  });

  it('rates a perfectly calibrated set 0', () => {
    // Four rows of confidence 0.75 (logits [ln 3, 0]), three right: accuracy equals confidence.
    const logits = Float32Array.from([Math.log(3), 0, Math.log(3), 0, Math.log(3), 0, Math.log(3), 0]);
    expect(expectedCalibrationError(logits, [0, 0, 0, 1], 2)).toBeCloseTo(0, 6);
  });

  it('takes the first arg-max on ties, as tf.argMax does', () => {
    expect(Array.from(argMaxRows([1, 1, 0, 0, 2, 2], 3))).toEqual([0, 1]);
  });

  it('refuses logits of the wrong size and labels outside the classes', () => {
    expect(() => classificationMetrics({ logits: new Float32Array(5), labels: [0, 1], numClasses: 3 })).toThrow(
      'classificationMetrics: 2 labels × 3 classes need 6 logits, got 5',
    );
    expect(() => confusionMatrix([0, 3], [0, 0], 3)).toThrow('confusionMatrix: example 1 has label 3 / prediction 0, outside [0, 3)');
    expect(() => expectedCalibrationError([0, 0], [0], 2, 0)).toThrow('eceBins: expected a positive integer, got 0');
  });
});

describe('classification metrics against scikit-learn (golden/metrics.json)', () => {
  expect(golden.eceBins).toBe(ECE_BINS);
  for (const c of golden.cases) {
    it(c.name, () => {
      const m = classificationMetrics({ logits: Float32Array.from(c.logits), labels: c.labels, numClasses: c.numClasses });
      expect(m.confusionMatrix).toEqual(c.confusionMatrix);
      const scores = classScores(m.confusionMatrix);
      scores.forEach((s, k) => {
        expect(s.precision).toBeCloseTo(c.precision[k]!, 12);
        expect(s.recall).toBeCloseTo(c.recall[k]!, 12);
        expect(s.f1).toBeCloseTo(c.f1[k]!, 12);
        expect(s.support).toBe(c.support[k]);
      });
      expect(m.macroF1).toBeCloseTo(c.macroF1, 12);
      expect(m.balancedAccuracy).toBeCloseTo(c.balancedAccuracy, 12);
      expect(m.accuracy).toBeCloseTo(c.accuracy, 12);
      // Logits are exact in float32; the softmax differs from NumPy's only by rounding.
      expect(m.expectedCalibrationError).toBeCloseTo(c.ece, 9);
    });
  }
});
