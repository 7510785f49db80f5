import { plotSpec } from './plot-spec.js';
import type { PlotRequest } from './report-document.js';
import type { RunReportData } from './report-data.js';
import { RUN_MODELS, modelColorScale } from './model-names.js';

const modelOrder = RUN_MODELS.map((m) => m.label);

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
  const lossPanel = {
    data: { values: losses },
    facet: { column: { field: 'model', type: 'nominal', sort: modelOrder, title: null, header: { labelFontSize: 13, labelFontWeight: 'bold' } } },
    spec: {
      width: 200,
      height: 160,
      mark: { type: 'line', point: true },
      encoding: {
        x: { field: 'epoch', type: 'quantitative', title: 'epoch', axis: { tickMinStep: 1, format: 'd' } },
        y: { field: 'value', type: 'quantitative', title: 'train loss', scale: { zero: false } },
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
  const values = RUN_MODELS.map((m) => ({
    model: m.label,
    accuracy: 100 * data.report[m.key].accuracy,
    params: data.report[m.key].params,
    speed: data.speed[m.key].samplesPerSecond,
  }));
  const panel = (field: 'accuracy' | 'params' | 'speed', title: string, format: string) => {
    // Room right of the longest bar for its label, which would be cut outside the scale's range;
    // ticks stop at the data (an accuracy axis past 100% would read as nonsense).
    const max = field === 'accuracy' ? 100 : Math.max(...values.map((v) => v[field]));
    const ticks = field === 'accuracy' ? { values: [0, 25, 50, 75, 100] } : { tickCount: 4, format: '.3~s' };
    return {
      width: 190,
      height: 120,
      encoding: {
        y: { field: 'model', type: 'nominal', sort: modelOrder, title: null },
        x: { field, type: 'quantitative', title, scale: { domain: [0, max * 1.5], nice: false }, axis: ticks },
      },
      layer: [
        { mark: 'bar', encoding: { color: { field: 'model', type: 'nominal', sort: modelOrder, scale: modelColorScale(), legend: null } } },
        { mark: { type: 'text', align: 'left', dx: 4, fontSize: 12 }, encoding: { text: { field, type: 'quantitative', format } } },
      ],
    };
  };
  const spec = plotSpec({
    title: { text: 'teacher vs students', subtitle: `test set of ${data.report.settings.test} examples; inference is forward passes only, batch 512, backend ${data.backend}`, fontSize: 15 },
    data: { values },
    hconcat: [panel('accuracy', 'test accuracy (%)', '.2f'), panel('params', 'parameters', ',d'), panel('speed', 'inference (samples/s)', ',d')],
    resolve: { scale: { y: 'shared' } },
  });
  return { name: 'model-comparison', caption: 'test accuracy, parameters and inference speed of each model', spec };
}
