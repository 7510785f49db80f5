import type { EvaluationMetrics } from '@distillery/core';
import { percent } from './format.js';
import { RUN_MODELS } from './model-names.js';
import { plotSpec } from './plot-spec.js';
import type { PlotRequest, ReportBlock } from './report-document.js';
import type { RunReportData } from './report-data.js';

type WithClasses = EvaluationMetrics & Required<Pick<EvaluationMetrics, 'macroF1' | 'balancedAccuracy' | 'expectedCalibrationError' | 'perClass' | 'confusionMatrix'>>;

const hasClasses = (m: EvaluationMetrics): m is WithClasses =>
  m.macroF1 !== undefined && m.balancedAccuracy !== undefined && m.expectedCalibrationError !== undefined && m.perClass !== undefined && m.confusionMatrix !== undefined;

function classNames(data: RunReportData, numClasses: number): string[] {
  return data.report.settings.classNames?.slice() ?? Array.from({ length: numClasses }, (_, c) => String(c));
}

/**
 * What accuracy hides on imbalanced data: macro-F1, balanced accuracy and calibration (ECE) of
 * each model, per-class recall and precision, and the confusion matrices. Empty for reports
 * of an older version, which held accuracy only.
 */
export function classReportBlocks(data: RunReportData): ReportBlock[] {
  const models = RUN_MODELS.map((m) => ({ ...m, metrics: data.report[m.key] as EvaluationMetrics }));
  if (!models.every((m) => hasClasses(m.metrics))) return [];
  const withClasses = models as (typeof models[number] & { metrics: WithClasses })[];
  const names = classNames(data, withClasses[0]!.metrics.perClass.length);
  const bins = withClasses[0]!.metrics.eceBins ?? 15;
  return [
    { kind: 'heading', level: 2, text: 'Classes and calibration' },
    {
      kind: 'paragraph',
      text:
        'Macro-F1 averages the per-class F1 scores and balanced accuracy the per-class recalls, so a rare class counts as much as a common one. ' +
        `ECE is the expected calibration error of the top softmax probability over ${bins} equal-width bins (0 is perfectly calibrated).`,
    },
    {
      kind: 'table',
      header: ['model', 'accuracy', 'macro-F1', 'balanced accuracy', 'ECE'],
      align: ['left', 'right', 'right', 'right', 'right'],
      rows: withClasses.map((m) => [m.label, percent(m.metrics.accuracy), percent(m.metrics.macroF1), percent(m.metrics.balancedAccuracy), m.metrics.expectedCalibrationError.toFixed(4)]),
    },
    {
      kind: 'table',
      header: ['class', 'test examples', ...withClasses.flatMap((m) => [`${m.label} recall`, `${m.label} precision`])],
      align: ['left', 'right', ...withClasses.flatMap(() => ['right', 'right'] as const)],
      rows: names.map((name, c) => [
        name,
        String(withClasses[0]!.metrics.perClass[c]!.support),
        ...withClasses.flatMap((m) => [percent(m.metrics.perClass[c]!.recall, 1), percent(m.metrics.perClass[c]!.precision, 1)]),
      ]),
    },
    { kind: 'plot', plot: confusionMatrixPlot(data, withClasses, names) },
  ];
}

/** One confusion matrix per model (rows: true class, columns: predicted), shaded by row share. */
function confusionMatrixPlot(data: RunReportData, models: readonly { label: string; metrics: WithClasses }[], names: readonly string[]): PlotRequest {
  const values = models.flatMap((m) =>
    m.metrics.confusionMatrix.flatMap((row, t) => {
      const total = row.reduce((a, b) => a + b, 0);
      return row.map((count, p) => ({ model: m.label, truth: names[t]!, predicted: names[p]!, count, share: total === 0 ? 0 : count / total }));
    }),
  );
  const cell = Math.max(14, Math.min(40, Math.floor(320 / names.length)));
  const spec = plotSpec({
    title: { text: 'confusion matrices', subtitle: `test set of ${data.report.settings.test} examples; each row shaded by its share of the true class`, fontSize: 15 },
    data: { values },
    facet: { column: { field: 'model', type: 'nominal', sort: models.map((m) => m.label), title: null, header: { labelFontSize: 13, labelFontWeight: 'bold' } } },
    spec: {
      // Wide enough for the model name above each panel, even with two classes.
      width: Math.max(140, cell * names.length),
      height: cell * names.length,
      encoding: {
        x: { field: 'predicted', type: 'ordinal', sort: names, title: 'predicted class', axis: { labelAngle: names.length <= 12 ? 0 : -90 } },
        y: { field: 'truth', type: 'ordinal', sort: names, title: 'true class' },
      },
      layer: [
        { mark: 'rect', encoding: { color: { field: 'share', type: 'quantitative', title: 'row share', scale: { scheme: 'blues', domain: [0, 1] } } } },
        ...(names.length <= 12
          ? [
              {
                mark: { type: 'text', fontSize: 10 },
                encoding: {
                  text: { field: 'count', type: 'quantitative' },
                  color: { condition: { test: 'datum.share > 0.5', value: 'white' }, value: 'black' },
                },
              },
            ]
          : []),
      ],
    },
  });
  return { name: 'confusion-matrices', caption: 'confusion matrices of the teacher and both students on the test set', spec };
}
