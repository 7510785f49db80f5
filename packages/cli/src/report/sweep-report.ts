import { countStatuses, formatStatusCounts, trialOutcomeDetail, type TrialRecord } from '@distillery/runner';
import { gridValue, percentMeanStd } from './format.js';
import type { ReportBlock } from './report-document.js';
import type { SweepReportData } from './report-data.js';
import { sweepAccuracyPlot } from './sweep-plots.js';
import { tiedText } from './sweep-terminal.js';
import { combinationsTable } from './sweep-table.js';

/** Failed trials listed one by one; past this many the table would drown the report. */
const MAX_FAILURES_LISTED = 20;

const paramsText = (params: Readonly<Record<string, unknown>>) =>
  Object.entries(params).map(([k, v]) => `${k} = ${gridValue(v)}`).join(', ') || 'the base config';

/** The report of a sweep: the best combination, the λ × T heatmap, every combination ranked. */
export function sweepReportBlocks(data: SweepReportData): ReportBlock[] {
  const { summary } = data;
  const finished = data.records.length;
  const failures = data.records.filter((r) => r.status !== 'ok');
  const counts = formatStatusCounts(countStatuses(data.records));
  const { plot, note } = sweepAccuracyPlot(data);
  const grid = Object.entries(data.grid).map(([k, values]) => `${k} ∈ {${values.map(gridValue).join(', ')}}`).join(' × ');
  return [
    { kind: 'heading', level: 1, text: data.title },
    ...(data.pending > 0
      ? [
          {
            kind: 'note',
            text:
              `Interrupted sweep: ${data.pending} of ${finished + data.pending} trials have not run yet, so the numbers below cover ` +
              `the ${finished} finished trials only. To finish it, run \`distillery sweep <config>\` again on this same folder: ` +
              'finished trials are kept and skipped, only the rest run.',
          } as const,
        ]
      : []),
    {
      kind: 'paragraph',
      text: `Sweep of ${data.createdAt}: ${grid}, seeds ${data.seeds.join(', ')}; ${finished} trials finished: ${counts}.`,
    },
    { kind: 'heading', level: 2, text: 'Best combination' },
    { kind: 'paragraph', text: bestText(data) },
    { kind: 'heading', level: 2, text: 'Accuracy over the grid' },
    ...(note === undefined ? [] : [{ kind: 'paragraph', text: note } as const]),
    { kind: 'plot', plot },
    { kind: 'heading', level: 2, text: 'All combinations' },
    {
      kind: 'paragraph',
      text: `${rankingText(summary)} Mean ± std over the seeds that finished; "seeds" counts those, "failed" the trials that ended in an error.`,
    },
    combinationsTable(summary),
    ...(failures.length === 0 ? [] : failuresBlocks(failures)),
  ];
}

/** What the combinations table is ranked by: what the sweep selects on (rankCombinations). */
function rankingText(summary: SweepReportData['summary']): string {
  if (!summary.combinations.some((c) => c.validationAccuracy !== undefined)) {
    return 'Ranked by test accuracy at the best epoch: no trial here has validation numbers (a folder from before sweeps always held a validation split), so none is selected.';
  }
  const on = summary.selectOn === undefined ? 'accuracy' : summary.selectOn === 'ece' ? 'ece, lowest first' : summary.selectOn;
  return `Ranked by mean validation ${on}, what the sweep selects on; the test columns are reported only (at the best epoch, the one chosen on validation, and at the last).`;
}

function bestText(data: SweepReportData): string {
  const best = data.summary.best;
  if (best === undefined) {
    return data.summary.combinations.some((c) => c.seeds > 0)
      ? 'No trial has validation numbers (a folder from before sweeps always held a validation split), so none is selected: selection never uses the test set.'
      : 'No trial finished successfully, so there is no best combination.';
  }
  const on = data.summary.selectOn ?? 'accuracy';
  const basis =
    on === 'accuracy' || best.validationMetric === undefined
      ? `selected on mean validation accuracy (${percentMeanStd(best.validationAccuracy!, best.seeds)} %), never on test`
      : `selected on mean validation ${on} (${percentMeanStd(best.validationMetric, best.seeds)} %${best.testMetric === undefined ? '' : `; test ${on} ${percentMeanStd(best.testMetric, best.seeds)} %`}), never on test`;
  const saved =
    data.bestStudent === undefined
      ? ''
      : ` Its best seed's student (seed ${data.bestStudent.seed}, the weights after epoch ${data.bestStudent.epoch}${data.bestStudent.validationAccuracy === undefined ? '' : `, validation ${(100 * data.bestStudent.validationAccuracy).toFixed(2)} %`}) is saved in best-student/ beside this report: \`distillery eval best-student\` or \`distillery export best-student --onnx student.onnx\` from this folder.`;
  const tied = data.summary.tiedWithBest === undefined ? '' : ` It is ${tiedText(data.summary.tiedWithBest)}.`;
  return `${paramsText(best.params)}: test accuracy ${percentMeanStd(best.bestEpochAccuracy, best.seeds)} % at the best epoch over ${best.seeds === 1 ? 'one seed' : `${best.seeds} seeds`}; ${basis}.${tied}${saved}`;
}

/** Trials that did not end ok — pruned, timed out, diverged, failed — with what happened to each. */
function failuresBlocks(failures: readonly TrialRecord[]): ReportBlock[] {
  const shown = failures.slice(0, MAX_FAILURES_LISTED);
  return [
    { kind: 'heading', level: 2, text: 'Trials that did not finish' },
    {
      kind: 'table',
      header: ['combination', 'seed', 'state', 'what happened'],
      rows: shown.map((f) => [paramsText(f.params), String(f.seed), f.status, trialOutcomeDetail(f)]),
    },
    ...(failures.length > shown.length
      ? [{ kind: 'paragraph', text: `… and ${failures.length - shown.length} more (trials.jsonl has them all).` } as const]
      : []),
  ];
}
