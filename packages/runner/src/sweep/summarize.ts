import { metricValue, type SelectionMetric } from '@distillery/core';
import type { TrialEpoch } from '../trial/trial-spec.js';
import type { TrialRecord } from './results-store.js';

export interface MeanStd {
  readonly mean: number;
  readonly std: number;
}

export interface CombinationSummary {
  readonly params: Readonly<Record<string, unknown>>;
  readonly seeds: number;
  /** Trials of the combination that ended without a result (failed, diverged, timed out); pruned ones are in `pruned`. */
  readonly failed: number;
  readonly pruned?: number;
  /** Test accuracy at the epoch chosen on validation (the last epoch without a validation split). */
  readonly bestEpochAccuracy: MeanStd;
  readonly lastEpochAccuracy: MeanStd;
  readonly validationAccuracy?: MeanStd;
  /** With selectOn other than accuracy: that metric on validation and on test, at each trial's best epoch. */
  readonly validationMetric?: MeanStd;
  readonly testMetric?: MeanStd;
}

export interface SweepSummary {
  readonly combinations: readonly CombinationSummary[];
  /**
   * The combination with the best mean validation accuracy (each trial at its best validation
   * epoch). Never chosen on the test set: trials without validation numbers are not candidates.
   */
  readonly best?: CombinationSummary;
  /**
   * Other combinations whose validation score equals the best's (common with a small
   * validation split): the first of them in grid order is `best`. Absent when none ties.
   */
  readonly tiedWithBest?: number;
  readonly selectedOn: 'validation';
  /** The validation metric the best combination was chosen on (higher is better, ECE lower); absent: accuracy. */
  readonly selectOn?: SelectionMetric;
}

/** The chosen metric of an epoch; records of older versions hold accuracy only. */
function epochMetric(epoch: TrialEpoch, on: SelectionMetric, split: 'validation' | 'test'): number | undefined {
  const scores =
    split === 'validation'
      ? (epoch.validationScores ?? (epoch.validationAccuracy === undefined ? undefined : { accuracy: epoch.validationAccuracy }))
      : (epoch.testScores ?? { accuracy: epoch.testAccuracy });
  return scores === undefined ? undefined : metricValue(scores, on);
}

const allDefined = (values: readonly (number | undefined)[]): number[] | undefined =>
  values.length > 0 && values.every((v) => v !== undefined) ? (values as number[]) : undefined;

export function summarizeTrials(records: readonly TrialRecord[], selectOn: SelectionMetric = 'accuracy'): SweepSummary {
  const groups = new Map<string, TrialRecord[]>();
  for (const r of records) {
    const key = JSON.stringify(r.params);
    groups.set(key, [...(groups.get(key) ?? []), r]);
  }
  const combinations = [...groups.values()].map((group): CombinationSummary => {
    const ok = group.filter((r): r is Extract<TrialRecord, { status: 'ok' }> => r.status === 'ok');
    const validation = ok.map((r) => r.best.validationAccuracy).filter((v): v is number => v !== undefined);
    const validationMetric = allDefined(ok.map((r) => epochMetric(r.best, selectOn, 'validation')));
    const testMetric = allDefined(ok.map((r) => epochMetric(r.best, selectOn, 'test')));
    return {
      params: group[0]!.params,
      seeds: ok.length,
      failed: group.filter((r) => r.status !== 'ok' && r.status !== 'pruned').length,
      ...(group.some((r) => r.status === 'pruned') ? { pruned: group.filter((r) => r.status === 'pruned').length } : {}),
      bestEpochAccuracy: meanStd(ok.map((r) => r.best.testAccuracy)),
      lastEpochAccuracy: meanStd(ok.map((r) => r.last.testAccuracy)),
      ...(validation.length > 0 && validation.length === ok.length ? { validationAccuracy: meanStd(validation) } : {}),
      ...(selectOn !== 'accuracy' && validationMetric !== undefined ? { validationMetric: meanStd(validationMetric) } : {}),
      ...(selectOn !== 'accuracy' && testMetric !== undefined ? { testMetric: meanStd(testMetric) } : {}),
    };
  });
  const [first, ...rest] = rankCombinations(combinations, selectOn);
  const top = first === undefined ? undefined : validationScore(first, selectOn);
  const best = top === undefined ? undefined : first;
  // Means of the same scores in another order may differ in their last bits: equal within 1e-9.
  const tied = top === undefined ? 0 : rest.filter((c) => Math.abs((validationScore(c, selectOn) ?? -Infinity) - top) <= 1e-9).length;
  return {
    combinations,
    ...(best === undefined ? {} : { best }),
    ...(tied === 0 ? {} : { tiedWithBest: tied }),
    selectedOn: 'validation',
    ...(selectOn === 'accuracy' ? {} : { selectOn }),
  };
}

/** A combination's score on what the sweep selects on, higher better (a calibration error negated); none without validation numbers. */
function validationScore(c: CombinationSummary, selectOn: SelectionMetric): number | undefined {
  const m = selectOn === 'accuracy' ? c.validationAccuracy : c.validationMetric;
  if (c.seeds === 0 || m === undefined) return undefined;
  return selectOn === 'ece' ? -m.mean : m.mean;
}

/**
 * The combinations best first on what the sweep selects on — the first is the one it selects —
 * then those without validation numbers (a folder from before validation splits) by best-epoch
 * test accuracy, then those whose every trial failed. Tables rank by this, never by test.
 */
export function rankCombinations(combinations: readonly CombinationSummary[], selectOn: SelectionMetric = 'accuracy'): CombinationSummary[] {
  const key = (c: CombinationSummary): [number, number] => {
    const score = validationScore(c, selectOn);
    if (score !== undefined) return [2, score];
    return c.seeds > 0 ? [1, c.bestEpochAccuracy.mean] : [0, 0];
  };
  // Stable: among equal scores the first combination of the grid comes first (and is the one selected).
  return [...combinations].sort((a, b) => {
    const [ka, kb] = [key(a), key(b)];
    return kb[0] - ka[0] || kb[1] - ka[1];
  });
}

export function meanStd(values: readonly number[]): MeanStd {
  if (values.length === 0) return { mean: NaN, std: NaN };
  const mean = values.reduce((a, b) => a + b, 0) / values.length;
  const variance = values.length > 1 ? values.reduce((a, b) => a + (b - mean) ** 2, 0) / (values.length - 1) : 0;
  return { mean, std: Math.sqrt(variance) };
}

/** A markdown table of the summary (accuracies in %). */
export function formatSweepTable(summary: SweepSummary): string {
  const keys = [...new Set(summary.combinations.flatMap((c) => Object.keys(c.params)))];
  const pct = (m: MeanStd) => (Number.isNaN(m.mean) ? '—' : `${(100 * m.mean).toFixed(2)} ± ${(100 * m.std).toFixed(2)}`);
  const on = summary.selectOn ?? 'accuracy';
  const extra = on === 'accuracy' ? [] : [`validation ${on}`, `test ${on}`];
  const header = [...keys, 'seeds', 'failed', 'best-epoch acc', 'last-epoch acc', 'validation acc', ...extra];
  const rows = summary.combinations.map((c) => [
    ...keys.map((k) => (c.params[k] === undefined ? '—' : JSON.stringify(c.params[k]))),
    String(c.seeds),
    String(c.failed),
    pct(c.bestEpochAccuracy),
    pct(c.lastEpochAccuracy),
    c.validationAccuracy === undefined ? '—' : pct(c.validationAccuracy),
    ...(extra.length === 0 ? [] : [c.validationMetric === undefined ? '—' : pct(c.validationMetric), c.testMetric === undefined ? '—' : pct(c.testMetric)]),
  ]);
  const line = (cells: string[]) => `| ${cells.join(' | ')} |`;
  const bestLine =
    summary.best === undefined
      ? 'no trial with validation numbers to choose from'
      : `best (chosen on validation ${on}; test ${on === 'accuracy' ? 'accuracy' : 'numbers'} only reported): ${JSON.stringify(summary.best.params)}`;
  return [line(header), line(header.map(() => '---')), ...rows.map(line), '', bestLine].join('\n');
}
