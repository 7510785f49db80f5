import type { CombinationSummary, SweepSummary } from '@distillery/runner';
import { gridValue, percentMeanStd } from './format.js';
import type { ReportBlock } from './report-document.js';

/** Highest best-epoch test accuracy first; combinations whose every trial failed go last. */
export function sortByAccuracy(combinations: readonly CombinationSummary[]): CombinationSummary[] {
  const score = (c: CombinationSummary) => (c.seeds > 0 ? c.bestEpochAccuracy.mean : -Infinity);
  return [...combinations].sort((a, b) => score(b) - score(a));
}

/** Every combination, sorted by accuracy, its grid values as columns; the selected one marked. */
export function combinationsTable(summary: SweepSummary): Extract<ReportBlock, { kind: 'table' }> {
  const keys = [...new Set(summary.combinations.flatMap((c) => Object.keys(c.params)))];
  const withValidation = summary.combinations.some((c) => c.validationAccuracy !== undefined);
  const selected = JSON.stringify(summary.best?.params);
  const header = [
    'rank',
    ...keys,
    'test acc. % (best epoch)',
    ...(withValidation ? ['validation acc. %'] : []),
    'test acc. % (last epoch)',
    'seeds',
    'failed',
  ];
  const rows = sortByAccuracy(summary.combinations).map((c, i) => [
    JSON.stringify(c.params) === selected ? `${i + 1} (selected)` : String(i + 1),
    ...keys.map((k) => gridValue(c.params[k])),
    percentMeanStd(c.bestEpochAccuracy, c.seeds),
    ...(withValidation ? [c.validationAccuracy === undefined ? '—' : percentMeanStd(c.validationAccuracy, c.seeds)] : []),
    percentMeanStd(c.lastEpochAccuracy, c.seeds),
    String(c.seeds),
    String(c.failed),
  ]);
  return { kind: 'table', header, rows, align: header.map((_, i) => (i === 0 || i > keys.length ? 'right' : 'left')) };
}
