import { describe, expect, it } from 'vitest';
import { formatSweepTable, rankCombinations, summarizeTrials, type TrialRecord } from '../src/index.js';

/** A finished trial whose best epoch has these validation and test scores. */
function trial(lambda: number, seed: number, validation: { accuracy: number; macroF1: number; ece: number }, testMacroF1: number): TrialRecord {
  const epoch = {
    epoch: 0,
    losses: {},
    validationAccuracy: validation.accuracy,
    testAccuracy: 0.5,
    validationScores: { accuracy: validation.accuracy, macroF1: validation.macroF1, balancedAccuracy: validation.macroF1, expectedCalibrationError: validation.ece },
    testScores: { accuracy: 0.5, macroF1: testMacroF1, balancedAccuracy: testMacroF1, expectedCalibrationError: 0.1 },
  };
  return { id: `${lambda}-${seed}`, params: { lambda }, seed, status: 'ok', best: epoch, last: epoch, epochs: [epoch], elapsedMs: 1, finishedAt: '' };
}

// λ = 0 predicts the majority class: the best accuracy, the worst macro-F1; λ = 0.5 the reverse;
// λ = 1 is the best calibrated.
const records = [
  trial(0, 1, { accuracy: 0.9, macroF1: 0.47, ece: 0.2 }, 0.45),
  trial(0, 2, { accuracy: 0.92, macroF1: 0.48, ece: 0.2 }, 0.46),
  trial(0.5, 1, { accuracy: 0.85, macroF1: 0.7, ece: 0.1 }, 0.66),
  trial(0.5, 2, { accuracy: 0.83, macroF1: 0.74, ece: 0.12 }, 0.7),
  trial(1, 1, { accuracy: 0.8, macroF1: 0.6, ece: 0.02 }, 0.58),
];

describe('sweep selection on a chosen metric', () => {
  it('selects on validation accuracy by default, and on macro-F1, balanced accuracy or ECE when asked', () => {
    expect(summarizeTrials(records).best!.params).toEqual({ lambda: 0 });
    const f1 = summarizeTrials(records, 'macro-f1');
    expect(f1.best!.params).toEqual({ lambda: 0.5 });
    expect(f1.selectedOn).toBe('validation');
    expect(f1.best!.validationMetric!.mean).toBeCloseTo(0.72, 12);
    // The test metric is reported beside it, never used to choose.
    expect(f1.best!.testMetric!.mean).toBeCloseTo(0.68, 12);
    expect(summarizeTrials(records, 'balanced-accuracy').best!.params).toEqual({ lambda: 0.5 });
    // ECE: lower is better.
    expect(summarizeTrials(records, 'ece').best!.params).toEqual({ lambda: 1 });
    expect(formatSweepTable(f1)).toContain('best (chosen on validation macro-f1; test numbers only reported): {"lambda":0.5}');
    expect(formatSweepTable(f1).split('\n')[0]).toContain('| validation macro-f1 | test macro-f1 |');
  });

  it('falls back to accuracy-only records of older versions for selectOn accuracy', () => {
    const old = records.map((r) => (r.status === 'ok' ? { ...r, best: { epoch: 0, losses: {}, validationAccuracy: r.best.validationAccuracy!, testAccuracy: 0.5 } } : r));
    expect(summarizeTrials(old).best!.params).toEqual({ lambda: 0 });
    // Without stored macro-F1 there is nothing to select on: no best, rather than a choice on test.
    expect(summarizeTrials(old, 'macro-f1').best).toBeUndefined();
  });

  it('ranks combinations on what it selects on, the selected one first (ECE lowest first); without validation numbers by test, failed ones last', () => {
    const lambdas = (on: Parameters<typeof summarizeTrials>[1]) => rankCombinations(summarizeTrials(records, on).combinations, on).map((c) => c.params['lambda']);
    expect(lambdas('accuracy')).toEqual([0, 0.5, 1]);
    expect(lambdas('macro-f1')).toEqual([0.5, 1, 0]);
    expect(lambdas('ece')).toEqual([1, 0.5, 0]);
    for (const on of ['accuracy', 'macro-f1', 'ece'] as const) expect(lambdas(on)[0]).toEqual(summarizeTrials(records, on).best!.params['lambda']);
    // A folder from before validation splits: by best-epoch test accuracy (nothing is selected); a combination whose trials all failed last.
    const legacy = (lambda: number, testAccuracy: number): TrialRecord => {
      const epoch = { epoch: 0, losses: {}, testAccuracy };
      return { id: `legacy-${lambda}`, params: { lambda }, seed: 1, status: 'ok', best: epoch, last: epoch, epochs: [epoch], elapsedMs: 1, finishedAt: '' };
    };
    const failed: TrialRecord = { id: 'f', params: { lambda: 9 }, seed: 1, finishedAt: '', status: 'failed', error: { name: 'DistilleryError', code: 'E_CONFIG', message: 'no' } };
    expect(rankCombinations(summarizeTrials([failed, legacy(0, 0.6), legacy(1, 0.8)]).combinations).map((c) => c.params['lambda'])).toEqual([1, 0, 9]);
  });

  it('counts the combinations tied with the best on validation (the first in grid order is taken)', () => {
    const scores = (accuracy: number) => ({ accuracy, macroF1: 0.5, ece: 0.1 });
    // Two seeds each: 0.9 and 0.95 average to the same as 0.95 and 0.9, whatever their last bits.
    const tied = [trial(0, 1, scores(0.9), 0.5), trial(0, 2, scores(0.95), 0.5), trial(0.5, 1, scores(0.95), 0.5), trial(0.5, 2, scores(0.9), 0.5), trial(1, 1, scores(0.925), 0.5), trial(2, 1, scores(0.8), 0.5)];
    const summary = summarizeTrials(tied);
    expect(summary.best!.params).toEqual({ lambda: 0 });
    expect(summary.tiedWithBest).toBe(2);
    expect(summarizeTrials(records).tiedWithBest).toBeUndefined();
    // On macro-F1 all four tie.
    expect(summarizeTrials(tied, 'macro-f1').tiedWithBest).toBe(3);
  });
});
