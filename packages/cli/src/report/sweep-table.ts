import { rankCombinations, type SweepSummary } from '@distillery/runner';
import { gridValue, percentMeanStd } from './format.js';
import type { ReportBlock } from './report-document.js';

/** Every combination, ranked on what the sweep selects on (validation, as the terminal's table), its grid values as columns; the selected one marked. */
export function combinationsTable(summary: SweepSummary): Extract<ReportBlock, { kind: 'table' }> {
  const keys = [...new Set(summary.combinations.flatMap((c) => Object.keys(c.params)))];
  const withValidation = summary.combinations.some((c) => c.validationAccuracy !== undefined);
  const selected = JSON.stringify(summary.best?.params);
  const on = summary.selectOn;
  const header = [
    'rank',
    ...keys,
    ...(withValidation ? ['validation acc. %'] : []),
    // Selected on another metric (data.selectOn): the column it is ranked by, and its test counterpart.
    ...(on === undefined ? [] : [`validation ${on} %`, `test ${on} %`]),
    'test acc. % (best epoch)',
    'test acc. % (last epoch)',
    'seeds',
    'failed',
  ];
  const rows = rankCombinations(summary.combinations, on).map((c, i) => [
    JSON.stringify(c.params) === selected ? `${i + 1} (selected)` : String(i + 1),
    ...keys.map((k) => gridValue(c.params[k])),
    ...(withValidation ? [c.validationAccuracy === undefined ? '—' : percentMeanStd(c.validationAccuracy, c.seeds)] : []),
    ...(on === undefined ? [] : [c.validationMetric, c.testMetric].map((m) => (m === undefined ? '—' : percentMeanStd(m, c.seeds)))),
    percentMeanStd(c.bestEpochAccuracy, c.seeds),
    percentMeanStd(c.lastEpochAccuracy, c.seeds),
    String(c.seeds),
    String(c.failed),
  ]);
  return { kind: 'table', header, rows, align: header.map((_, i) => (i === 0 || i > keys.length ? 'right' : 'left')) };
}
