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
}

export interface SweepSummary {
  readonly combinations: readonly CombinationSummary[];
  /**
   * The combination with the best mean validation accuracy (each trial at its best validation
   * epoch). Never chosen on the test set: trials without validation numbers are not candidates.
   */
  readonly best?: CombinationSummary;
  readonly selectedOn: 'validation';
}

export function summarizeTrials(records: readonly TrialRecord[]): SweepSummary {
  const groups = new Map<string, TrialRecord[]>();
  for (const r of records) {
    const key = JSON.stringify(r.params);
    groups.set(key, [...(groups.get(key) ?? []), r]);
  }
  const combinations = [...groups.values()].map((group): CombinationSummary => {
    const ok = group.filter((r): r is Extract<TrialRecord, { status: 'ok' }> => r.status === 'ok');
    const validation = ok.map((r) => r.best.validationAccuracy).filter((v): v is number => v !== undefined);
    return {
      params: group[0]!.params,
      seeds: ok.length,
      failed: group.filter((r) => r.status !== 'ok' && r.status !== 'pruned').length,
      ...(group.some((r) => r.status === 'pruned') ? { pruned: group.filter((r) => r.status === 'pruned').length } : {}),
      bestEpochAccuracy: meanStd(ok.map((r) => r.best.testAccuracy)),
      lastEpochAccuracy: meanStd(ok.map((r) => r.last.testAccuracy)),
      ...(validation.length > 0 && validation.length === ok.length ? { validationAccuracy: meanStd(validation) } : {}),
    };
  });
  const scored = combinations.filter((c) => c.seeds > 0 && c.validationAccuracy !== undefined);
  const score = (c: CombinationSummary) => c.validationAccuracy!.mean;
  const best = scored.reduce<CombinationSummary | undefined>((a, c) => (a === undefined || score(c) > score(a) ? c : a), undefined);
  return { combinations, ...(best === undefined ? {} : { best }), selectedOn: 'validation' };
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
  const header = [...keys, 'seeds', 'failed', 'best-epoch acc', 'last-epoch acc', 'validation acc'];
  const rows = summary.combinations.map((c) => [
    ...keys.map((k) => (c.params[k] === undefined ? '—' : JSON.stringify(c.params[k]))),
    String(c.seeds),
    String(c.failed),
    pct(c.bestEpochAccuracy),
    pct(c.lastEpochAccuracy),
    c.validationAccuracy === undefined ? '—' : pct(c.validationAccuracy),
  ]);
  const line = (cells: string[]) => `| ${cells.join(' | ')} |`;
  const bestLine =
    summary.best === undefined
      ? 'no trial with validation numbers to choose from'
      : `best (chosen on validation accuracy; test accuracy only reported): ${JSON.stringify(summary.best.params)}`;
  return [line(header), line(header.map(() => '---')), ...rows.map(line), '', bestLine].join('\n');
}
