import { plotSpec } from './plot-spec.js';
import type { PlotRequest } from './report-document.js';
import type { RunReportData } from './report-data.js';
import { RUN_MODELS, modelColorScale } from './model-names.js';

const modelOrder = RUN_MODELS.map((m) => m.label);

/** 1 × and 3 × each power of ten from below the smallest value to above the largest. */
export function logTicks(values: readonly number[]): number[] {
  const low = Math.floor(Math.log10(Math.min(...values)));
  const high = Math.ceil(Math.log10(Math.max(...values)));
  return Array.from({ length: high - low + 1 }, (_, i) => low + i).flatMap((k) => [10 ** k, 3 * 10 ** k]).map((v) => Number(v.toPrecision(1)));
}

/**
 * Train loss terms per epoch, one panel per training (terms differ: ce alone, or ce and kd),
 * and validation accuracy of the students below when the run held out a validation split.
 */
export function learningCurvesPlot(data: RunReportData): PlotRequest {
  const trainings = RUN_MODELS.flatMap((m) => {
    const history = data.histories[m.key];
    return history === undefined || history.length === 0 ? [] : [{ label: m.label, history }];
  });
  // Epochs are 0-based in the records; people count them from 1.
  const losses = trainings.flatMap(({ label, history }) =>
    history.flatMap((r) => Object.entries(r.losses).map(([term, value]) => ({ model: label, epoch: r.epoch + 1, term, value }))),
  );
  const validation = trainings.flatMap(({ label, history }) =>
    history.flatMap((r) => (r.validation === undefined ? [] : [{ model: label, epoch: r.epoch + 1, accuracy: 100 * r.validation.accuracy }])),
  );
  // Losses fall by orders of magnitude (ce of a student alone from 0.7 to 0.003): on a linear axis
  // every curve after epoch 2 lies flat on zero. A log axis shows them, when all are positive.
  const logScale = losses.length > 0 && losses.every((l) => l.value > 0);
  // 1 and 3 per decade: vega's own log ticks label 2 next to 1 and draw a grid line per digit.
  const decades = logScale ? logTicks(losses.map((l) => l.value)) : [];
  const lossPanel = {
    data: { values: losses },
    facet: { column: { field: 'model', type: 'nominal', sort: modelOrder, title: null, header: { labelFontSize: 13, labelFontWeight: 'bold' } } },
    spec: {
      width: 200,
      height: 160,
      mark: { type: 'line', point: true },
      encoding: {
        x: { field: 'epoch', type: 'quantitative', title: 'epoch', axis: { tickMinStep: 1, format: 'd' } },
        y: logScale
          ? { field: 'value', type: 'quantitative', title: 'train loss (log scale)', scale: { type: 'log' }, axis: { values: decades, format: '~g' } }
          : { field: 'value', type: 'quantitative', title: 'train loss', scale: { zero: false } },
        color: { field: 'term', type: 'nominal', title: 'loss term', scale: { scheme: 'set1' } },
      },
    },
    resolve: { scale: { x: 'independent', y: 'independent' } },
  };
  const validationPanel = {
    data: { values: validation },
    width: 300,
    height: 160,
    title: { text: 'validation accuracy of the students', anchor: 'start', fontSize: 13 },
    mark: { type: 'line', point: true },
    encoding: {
      x: { field: 'epoch', type: 'quantitative', title: 'epoch', axis: { tickMinStep: 1, format: 'd' } },
      y: { field: 'accuracy', type: 'quantitative', title: 'validation accuracy (%)', scale: { zero: false } },
      color: { field: 'model', type: 'nominal', title: 'model', sort: modelOrder, scale: modelColorScale(new Set(validation.map((v) => v.model))) },
    },
  };
  const spec = plotSpec({
    title: { text: 'learning curves', subtitle: 'train loss terms, unweighted means per epoch (the objective weights kd by λ)', fontSize: 15 },
    vconcat: validation.length > 0 ? [lossPanel, validationPanel] : [lossPanel],
    resolve: { scale: { color: 'independent' } },
  });
  const caption = validation.length > 0 ? 'train loss terms and validation accuracy per epoch' : 'train loss terms per epoch';
  return { name: 'learning-curves', caption, spec };
}

/** Test accuracy, parameters and inference speed of the three models, side by side. */
export function modelComparisonPlot(data: RunReportData): PlotRequest {
  const values = RUN_MODELS.map((m) => {
    const speed = data.speed[m.key];
    return {
      model: m.label,
      accuracy: 100 * data.report[m.key].accuracy,
      params: data.report[m.key].params,
      speed: speed.samplesPerSecond,
      slowest: speed.range?.[0] ?? speed.samplesPerSecond,
      fastest: speed.range?.[1] ?? speed.samplesPerSecond,
    };
  });
  const ranged = data.speed.teacher.range !== undefined;
  const panel = (field: 'accuracy' | 'params' | 'speed', title: string, format: string) => {
    // Room right of the longest bar (or whisker) for its label, which would be cut outside the
    // scale's range; ticks stop at the data (an accuracy axis past 100% would read as nonsense).
    const max = field === 'accuracy' ? 100 : Math.max(...values.map((v) => (field === 'speed' ? v.fastest : v[field])));
    const ticks = field === 'accuracy' ? { values: [0, 25, 50, 75, 100] } : { tickCount: 4, format: '.2~s' };
    const x = { field, type: 'quantitative', title, scale: { domain: [0, max * 1.5], nice: false }, axis: ticks };
    // A speed's label sits right of its whisker, so the two never overlap.
    const labelAt = field === 'speed' && ranged ? { x: { field: 'fastest', type: 'quantitative' } } : {};
    return {
      width: 190,
      height: 120,
      encoding: { y: { field: 'model', type: 'nominal', sort: modelOrder, title: null }, x },
      layer: [
        { mark: 'bar', encoding: { color: { field: 'model', type: 'nominal', sort: modelOrder, scale: modelColorScale(), legend: null } } },
        ...(field === 'speed' && ranged
          ? [{ mark: { type: 'rule', strokeWidth: 1.5 }, encoding: { x: { field: 'slowest', type: 'quantitative' }, x2: { field: 'fastest' } } }]
          : []),
        { mark: { type: 'text', align: 'left', dx: 4, fontSize: 12 }, encoding: { text: { field, type: 'quantitative', format }, ...labelAt } },
      ],
    };
  };
  const passes = data.speed.teacher.passes;
  const speedNote = passes === undefined ? '' : `; speed: median of ${passes} passes, whiskers slowest–fastest`;
  const spec = plotSpec({
    title: {
      text: 'teacher vs students',
      subtitle: `test set of ${data.report.settings.test} examples; inference is forward passes only, batch 512, backend ${data.backend}${speedNote}`,
      fontSize: 15,
    },
    data: { values },
    // Speeds to 2 significant digits: passes of one model differ by more than that.
    hconcat: [panel('accuracy', 'test accuracy (%)', '.2f'), panel('params', 'parameters', ',d'), panel('speed', 'inference (samples/s)', '.2s')],
    resolve: { scale: { y: 'shared' } },
  });
  return { name: 'model-comparison', caption: 'test accuracy, parameters and inference speed of each model', spec };
}
