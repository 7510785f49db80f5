import type { CombinationSummary } from '@distillery/runner';
import { gridValue } from './format.js';
import { plotSpec } from './plot-spec.js';
import type { PlotRequest } from './report-document.js';
import type { SweepReportData } from './report-data.js';

/** More panels than this would not fit a page: the heatmap then shows the best combination's slice. */
const MAX_PANELS = 6;
/** One heatmap cell, in SVG pixels (the PNG is drawn at twice this). */
const CELL = { width: 92, height: 56 };

export interface SweepPlot {
  readonly plot: PlotRequest;
  /** What the plot shows when the grid is not exactly λ × T (facets, a slice, or no heatmap). */
  readonly note?: string;
}

/** Option paths whose value differs between combinations (a one-value grid key is a constant). */
function varied(data: SweepReportData): string[] {
  const combinations = data.summary.combinations;
  const keys = [...new Set(combinations.flatMap((c) => Object.keys(c.params)))];
  return keys.filter((k) => new Set(combinations.map((c) => gridValue(c.params[k]))).size > 1);
}
const sameParams = (a: CombinationSummary, b: CombinationSummary | undefined) => JSON.stringify(a.params) === JSON.stringify(b?.params);
const seedsNote = (data: SweepReportData) => (data.seeds.length === 1 ? 'one seed' : `mean ± std over ${data.seeds.length} seeds`);

/** Two lines per cell: the mean accuracy in %, and its std when there was more than one seed. */
function cellLabel(c: CombinationSummary): string {
  if (c.seeds === 0) return 'failed';
  const mean = (100 * c.bestEpochAccuracy.mean).toFixed(1);
  return c.seeds > 1 ? `${mean}\n± ${(100 * c.bestEpochAccuracy.std).toFixed(1)}` : mean;
}

/** The λ × T heatmap when the grid has both; otherwise a bar per combination. */
export function sweepAccuracyPlot(data: SweepReportData): SweepPlot {
  return 'lambda' in data.grid && 'temperature' in data.grid ? heatmap(data) : combinationBars(data);
}

function heatmap(data: SweepReportData): SweepPlot {
  const others = varied(data).filter((k) => k !== 'lambda' && k !== 'temperature');
  const facetOf = (c: CombinationSummary) => others.map((k) => `${k} = ${gridValue(c.params[k])}`).join(', ');
  let combinations = data.summary.combinations;
  let note: string | undefined;
  const facets = new Set(combinations.map(facetOf));
  if (facets.size > MAX_PANELS) {
    const anchor = data.summary.best ?? combinations[0]!;
    combinations = combinations.filter((c) => facetOf(c) === facetOf(anchor));
    note = `The grid also varies ${others.join(', ')} (${facets.size} combinations, too many panels): the heatmap shows the slice ${facetOf(anchor)} of the ${data.summary.best === undefined ? 'first' : 'best'} combination; the table lists every combination.`;
  } else if (facets.size > 1) {
    note = `The grid also varies ${others.join(', ')}: one heatmap panel per value.`;
  }
  const best = data.summary.best;
  // λ = 0 trains the student alone: it runs once (no T), and its one result fills the λ = 0 row.
  const temperatures = (data.grid['temperature'] as readonly unknown[] | undefined) ?? [];
  const cells = combinations.flatMap((c) =>
    (c.params['temperature'] === undefined && c.params['lambda'] === 0 ? temperatures : [c.params['temperature']]).map((temperature) => ({
      lambda: c.params['lambda'],
      temperature,
      facet: facetOf(c),
      accuracy: c.seeds > 0 ? 100 * c.bestEpochAccuracy.mean : null,
      label: cellLabel(c),
      best: sameParams(c, best),
    })),
  );
  const scored = cells.flatMap((c) => (c.accuracy === null ? [] : [c.accuracy]));
  // Dark cells get white text: viridis runs from dark (low) to light (high).
  const middle = (Math.min(...scored) + Math.max(...scored)) / 2;
  const numeric = (values: readonly unknown[]) => [...new Set(values)].sort((a, b) => Number(a) - Number(b));
  // Cells big enough for two lines of 13 px text; the legend as tall as the grid, so its ticks
  // spread out (a gradient the height of two rows had room for two labels).
  const rows = new Set(cells.map((c) => c.lambda)).size;
  const ticks = Math.max(5, rows * 2);
  const layers = {
    width: { step: CELL.width },
    height: { step: CELL.height },
    encoding: {
      x: { field: 'temperature', type: 'ordinal', title: 'temperature (T)', sort: numeric(cells.map((c) => c.temperature)), axis: { labelAngle: 0, labelFontSize: 12, titleFontSize: 13 } },
      // Largest λ on top, as on a plotted y axis.
      y: { field: 'lambda', type: 'ordinal', title: 'lambda (λ)', sort: numeric(cells.map((c) => c.lambda)).reverse(), axis: { labelFontSize: 12, titleFontSize: 13 } },
    },
    layer: [
      {
        transform: [{ filter: 'datum.accuracy != null' }],
        mark: 'rect',
        encoding: {
          color: {
            field: 'accuracy',
            type: 'quantitative',
            title: 'test acc. (%)',
            scale: { scheme: 'viridis' },
            legend: { gradientLength: Math.max(120, rows * CELL.height), tickCount: ticks, format: `.${legendDecimals(scored, ticks)}f`, labelFontSize: 11 },
          },
        },
      },
      { transform: [{ filter: 'datum.best' }], mark: { type: 'rect', filled: false, stroke: '#e4572e', strokeWidth: 3 } },
      {
        mark: { type: 'text', lineBreak: '\n', fontSize: 13 },
        encoding: {
          text: { field: 'label', type: 'nominal' },
          color: { condition: { test: `datum.accuracy != null && datum.accuracy < ${middle}`, value: 'white' }, value: 'black' },
        },
      },
    ],
  };
  const title = {
    text: 'best-epoch test accuracy (%)',
    subtitle: [
      `λ: weight of the distillation term, T: its temperature; ${seedsNote(data)} per cell`,
      ...(best === undefined ? [] : [`outlined: the best combination (selected on ${data.summary.selectedOn} ${data.summary.selectOn ?? 'accuracy'})`]),
    ],
    fontSize: 15,
  };
  const multiple = new Set(cells.map((c) => c.facet)).size > 1;
  const spec = plotSpec(multiple
    ? { title, data: { values: cells }, facet: { field: 'facet', type: 'nominal', title: null }, columns: 3, spec: layers }
    : { title, data: { values: cells }, ...layers });
  return { plot: { name: 'accuracy-heatmap', caption: `λ × T heatmap of best-epoch test accuracy, ${seedsNote(data)}`, spec }, ...(note === undefined ? {} : { note }) };
}

/**
 * Decimals for the colour legend's labels: enough that ticks about (max − min) / ticks apart
 * print as different numbers (95.9 to 96.3 at one decimal gave 96.0 three times), one at least.
 */
export function legendDecimals(values: readonly number[], ticks: number): number {
  const span = Math.max(...values) - Math.min(...values);
  if (!(span > 0)) return 1;
  return Math.min(4, Math.max(1, Math.ceil(-Math.log10(span / ticks))));
}

function combinationBars(data: SweepReportData): SweepPlot {
  const keys = varied(data);
  const rows = data.summary.combinations
    .filter((c) => c.seeds > 0)
    .map((c) => ({
      combination: keys.map((k) => `${k} = ${gridValue(c.params[k])}`).join(', ') || 'base',
      mean: 100 * c.bestEpochAccuracy.mean,
      low: 100 * (c.bestEpochAccuracy.mean - (c.seeds > 1 ? c.bestEpochAccuracy.std : 0)),
      high: 100 * (c.bestEpochAccuracy.mean + (c.seeds > 1 ? c.bestEpochAccuracy.std : 0)),
      label: cellLabel(c).replace('\n', ' '),
    }))
    .sort((a, b) => b.mean - a.mean);
  // A dot per combination on an axis that starts below the worst whisker: from 0, bars of 78 and
  // 80 look alike, and a bar cut at the axis would lie about its length. The value sits right of
  // each whisker.
  const lowest = Math.min(...rows.map((r) => r.low));
  const start = Math.max(0, Math.floor((lowest - 5) / 5) * 5);
  const spec = plotSpec({
    title: { text: 'best-epoch test accuracy (%) by combination', subtitle: `${seedsNote(data)}${data.seeds.length > 1 ? '; whiskers: ± std' : ''}`, fontSize: 15, anchor: 'start' },
    data: { values: rows },
    width: 360,
    height: { step: 26 },
    encoding: { y: { field: 'combination', type: 'nominal', sort: null, title: null, axis: { labelFontSize: 12, labelLimit: 260 } } },
    layer: [
      { mark: 'rule', encoding: { x: { field: 'low', type: 'quantitative', title: 'test accuracy (%)', scale: { domain: [start, 100], nice: false } }, x2: { field: 'high' } } },
      { mark: { type: 'point', filled: true, size: 80, opacity: 1 }, encoding: { x: { field: 'mean', type: 'quantitative' } } },
      { mark: { type: 'text', align: 'left', dx: 4, fontSize: 12 }, encoding: { x: { field: 'high', type: 'quantitative' }, text: { field: 'label', type: 'nominal' } } },
    ],
  });
  return {
    plot: { name: 'accuracy-by-combination', caption: `best-epoch test accuracy per combination, ${seedsNote(data)}`, spec },
    note: 'No λ × T heatmap: the grid does not vary both lambda and temperature. Bars show each combination instead.',
  };
}
