import { setupBackend, tf } from '@distillery/core';
import { embeddedMnistSplit } from '@distillery/datasets';
import { createMlp } from '@distillery/students';
import { summarizeTrials, type TrialRecord } from '@distillery/runner';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { measureSpeeds, speedFromTimes } from '../src/commands/measure-speed.js';
import { FONT_FILES } from '../src/report/bundled-font.js';
import { sameSpeed, speedText } from '../src/report/format.js';
import { runReportBlocks, speedParagraph } from '../src/report/run-report.js';
import { formatReport } from '../src/report-text.js';
import { readTextWidth } from '../src/report/font-metrics.js';
import { writeReport, type SweepReportData } from '../src/report/index.js';
import { renderMarkdown } from '../src/report/render-markdown.js';
import { svgToPng } from '../src/report/render-plot.js';
import { sweepReportBlocks } from '../src/report/sweep-report.js';
import { runFixture } from './run-report-fixture.js';
import { sweepFixture } from './sweep-report-fixture.js';

// The fixtures are real tiny runs (report-make-fixtures.ts): a distill job and a 3 × 3 λ × T sweep.

let dir = '';
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'distillery-report-'));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

/** Anything a page could fetch: a URL, an image, a stylesheet or script, a CSS url() other than a local #fragment. */
const EXTERNAL = /http|<img|<link|<script|url\((?!#)/i;

const PNG_SIGNATURE = Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);

/** Width and height from the IHDR chunk, which a valid PNG has right after its signature. */
function pngSize(png: Buffer): { width: number; height: number } {
  expect(png.subarray(0, 8)).toEqual(PNG_SIGNATURE);
  expect(png.toString('latin1', 12, 16)).toBe('IHDR');
  return { width: png.readUInt32BE(16), height: png.readUInt32BE(20) };
}

const svgSize = (svg: string) => {
  const [, width, height] = /^<svg[^>]*\swidth="(\d+)" height="(\d+)"/.exec(svg) ?? [];
  return { width: Number(width), height: Number(height) };
};

/** The rows of the first markdown table whose header has `column`, as cells. */
function markdownTable(md: string, column: string): { header: string[]; rows: string[][] } {
  const lines = md.split('\n');
  const start = lines.findIndex((l) => l.startsWith('|') && l.includes(column));
  const cells = (line: string) => line.slice(2, -2).split(' | ');
  const body = lines.slice(start + 2);
  const end = body.findIndex((l) => !l.startsWith('|'));
  return { header: cells(lines[start]!), rows: (end === -1 ? body : body.slice(0, end)).map(cells) };
}

/** The text of a plot's legends, in order. */
function legendLabels(svg: string): string[] {
  const legend = svg.slice(svg.indexOf('role-legend'), svg.indexOf('role-title'));
  return [...legend.matchAll(/>([^<>]+)<\/(?:text|tspan)>/g)].map((m) => m[1]!).filter((t) => /^[\d.]+$/.test(t));
}

/** The sweep as it stood with only the first `finished` trials done. */
function interrupted(finished: number): SweepReportData {
  const records = sweepFixture.records.slice(0, finished);
  return { ...sweepFixture, records, summary: summarizeTrials(records), pending: sweepFixture.records.length - finished };
}

describe('writeReport, run', () => {
  it('writes report.md, report.html and both plots as SVG and PNG', async () => {
    const folder = join(dir, 'run');
    const { files } = await writeReport(folder, runFixture);
    expect(files.map((f) => relative(folder, f)).sort()).toEqual([
      'plots/learning-curves.png',
      'plots/learning-curves.svg',
      'plots/model-comparison.png',
      'plots/model-comparison.svg',
      'report.html',
      'report.md',
    ]);
    const md = await readFile(join(folder, 'report.md'), 'utf8');
    const { rows } = markdownTable(md, 'test accuracy');
    // Accuracies are fixed by the seed; speeds (median and slowest–fastest of 7 passes) are
    // whatever the machine measured, shown to 2 significant digits.
    expect(rows).toEqual([
      ['teacher', 'mlp-128', '101,770', '90.60%', '0.3255', '71,000 (64,000–73,000)'],
      ['student alone', 'mlp-16', '12,730', '66.60%', '1.1026', '350,000 (300,000–370,000)'],
      ['student + kd', 'mlp-16', '12,730', '87.80%', '0.4272', '360,000 (320,000–380,000)'],
    ]);
    expect(md).toContain('median of 7 timed passes per model');
    expect(md).toContain('The two students share one architecture (mlp-16): their speeds are the same within the timing noise.');
    // (87.8 − 66.6) / (90.6 − 66.6) = 88%.
    expect(md).toContain('Distillation closes 88% of the student-alone → teacher accuracy gap.');
    expect(md).toContain('![train loss terms and validation accuracy per epoch](plots/learning-curves.png)');
    expect(md).toContain('"validationCount": 200');

    for (const name of ['learning-curves', 'model-comparison']) {
      const svg = await readFile(join(folder, 'plots', `${name}.svg`), 'utf8');
      const png = await readFile(join(folder, 'plots', `${name}.png`));
      // Drawn at twice the SVG's size; a blank or text-less plot would compress far smaller.
      const { width, height } = svgSize(svg);
      expect(pngSize(png)).toEqual({ width: 2 * width, height: 2 * height });
      expect(png.length).toBeGreaterThan(30_000);
    }
    const curves = await readFile(join(folder, 'plots', 'learning-curves.svg'), 'utf8');
    for (const label of ['student + kd', 'validation accuracy (%)', 'epoch', 'kd']) expect(curves).toContain(`>${label}<`);
    // Losses span three decades (the student alone's ce ends below 0.01): a log axis with 1, 3 per decade.
    for (const label of ['train loss (log scale)', '0.003', '0.01', '0.03', '0.1', '0.3', '1', '3']) expect(curves).toContain(`>${label}<`);
    const comparison = await readFile(join(folder, 'plots', 'model-comparison.svg'), 'utf8');
    for (const label of ['test accuracy (%)', 'parameters', 'inference (samples/s)', '101,770', '90.60', '350k', '360k']) expect(comparison).toContain(`>${label}<`);
    expect(comparison).not.toContain('347,262');
  });

  it('writes an html page with every plot inline and no external reference', async () => {
    const folder = join(dir, 'run-html');
    await writeReport(folder, runFixture);
    const html = await readFile(join(folder, 'report.html'), 'utf8');
    expect(html).not.toMatch(EXTERNAL);
    expect(html.match(/<svg[\s>]/g)).toHaveLength(2);
    const svg = await readFile(join(folder, 'plots', 'model-comparison.svg'), 'utf8');
    // The same drawing as the file, less its namespace declarations.
    expect(html).toContain(svg.slice(svg.indexOf('<rect'), svg.indexOf('<rect') + 2000));
    expect(html).toContain('<td>student + kd</td><td>mlp-16</td><td class="right">12,730</td><td class="right">87.80%</td>');
  });

  it('writes the objective the distilled student trained on, in its form', () => {
    const text = (form: 'sum' | 'convex', lambda: number) => {
      const report = { ...runFixture.report, settings: { ...runFixture.report.settings, form, lambda } };
      return JSON.stringify(runReportBlocks({ ...runFixture, report }));
    };
    expect(text('sum', 1)).toContain('trains on ce + 1·kd (T = 4)');
    expect(text('convex', 0.9)).toContain('trains on (1 − 0.9)·ce + 0.9·kd (T = 4)');
  });

  it('says what a teacher below (or level with) the student alone means, in the closing lines and the report', () => {
    const withTeacher = (accuracy: number) => ({ ...runFixture.report, teacher: { ...runFixture.report.teacher, accuracy }, studentAlone: { ...runFixture.report.studentAlone, accuracy: 0.75 } });
    const below = formatReport(withTeacher(0.7383), 'wasm');
    expect(below).toContain('the teacher (73.83%) scores below the student alone (75.00%): its soft labels carry its mistakes, so there is no gap for distillation to close. A teacher trained longer or larger (teacher.train, teacher.options) has more to teach');
    expect(below).not.toContain('distillation closes');
    expect(formatReport(withTeacher(0.75), 'wasm')).toContain('the teacher (75.00%) scores no better than the student alone (75.00%)');
    expect(JSON.stringify(runReportBlocks({ ...runFixture, report: withTeacher(0.7383) }))).toContain('The teacher (73.83%) scores below the student alone (75.00%)');
    // Ahead of it: the share of the gap closed, and no such line.
    const ahead = formatReport(withTeacher(0.9), 'wasm');
    expect(ahead).toMatch(/distillation closes \d+% of the student-alone → teacher gap/);
    expect(ahead).not.toContain('soft labels carry');
  });

  it('names feature terms, an online teacher and the augmentation beside the logit term, in the report and the closing lines', () => {
    const settings = { ...runFixture.report.settings, augmentation: 'shift', onlineTeacher: true, features: ['at(conv2d_2→conv2d_2)'] };
    const report = { ...runFixture.report, settings };
    const prose = JSON.stringify(runReportBlocks({ ...runFixture, report }));
    expect(prose).toContain("trains on ce + 1·kd (T = 4) + at(conv2d_2→conv2d_2), the teacher run online on each of its batches; both students' labelled inputs are augmented with shift;");
    expect(formatReport(report, 'wasm').split('\n')[0]).toMatch(/ · loss ce \+ 1·kd \(T=4\) \+ at\(conv2d_2→conv2d_2\) · augmentation shift · teacher online · seed 1 · backend wasm$/);
    // Without them, neither says more than the logit term.
    expect(formatReport({ ...runFixture.report, settings: { ...runFixture.report.settings, form: 'convex', lambda: 0.9 } }, 'wasm').split('\n')[0]).toMatch(/ · loss \(1 − 0\.9\)·ce \+ 0\.9·kd \(T=4\) · seed 1 · backend wasm$/);
  });

  it('draws the text of a plot into its PNG with the bundled font', async () => {
    const svg = await readFile(join(dir, 'run', 'plots', 'model-comparison.svg'), 'utf8');
    // resvg silently skips text it has no font for: without a font both would be the same image.
    const withoutText = svg.replace(/<text[^>]*>[^<]*<\/text>/g, '');
    expect(withoutText).not.toBe(svg);
    expect(svgToPng(svg).equals(svgToPng(withoutText))).toBe(false);
  });
});

describe('writeReport, sweep', () => {
  it('writes the heatmap and a table of every combination ranked on validation, the selected one first', async () => {
    const folder = join(dir, 'sweep');
    const { files } = await writeReport(folder, sweepFixture);
    expect(files.map((f) => relative(folder, f)).sort()).toEqual([
      'plots/accuracy-heatmap.png',
      'plots/accuracy-heatmap.svg',
      'report.html',
      'report.md',
    ]);
    const md = await readFile(join(folder, 'report.md'), 'utf8');
    const { header, rows } = markdownTable(md, 'rank');
    expect(header).toEqual(['rank', 'lambda', 'temperature', 'validation acc. %', 'test acc. % (best epoch)', 'test acc. % (last epoch)', 'seeds', 'failed']);
    expect(rows).toHaveLength(9);
    const validation = rows.map((r) => Number(r[3]!.split(' ± ')[0]));
    expect(validation).toEqual([...validation].sort((a, b) => b - a));
    // Ranked as the sweep selects (and as the terminal's table): rank 1 is the selected one, though
    // another combination has the higher test accuracy — a table ranked by test would invite choosing on it.
    expect(rows[0]!.slice(0, 3)).toEqual(['1 (selected)', '0.5', '4']);
    const test = rows.map((r) => Number(r[4]!.split(' ± ')[0]));
    expect(Math.max(...test)).toBeGreaterThan(test[0]!);
    expect(md).toContain('Ranked by mean validation accuracy, what the sweep selects on; the test columns are reported only');
    for (const r of rows) expect(r.slice(-2)).toEqual(['2', '0']);
    expect(md).toContain('lambda = 0.5, temperature = 4: test accuracy 78.00 ± 3.68 % at the best epoch over 2 seeds; selected on mean validation accuracy');
    expect(md).not.toContain('Interrupted');

    const svg = await readFile(join(folder, 'plots', 'accuracy-heatmap.svg'), 'utf8');
    for (const label of ['temperature (T)', 'lambda (λ)', '80.3', '± 4.1']) expect(svg).toContain(`>${label}<`);
    // The colour legend is as tall as the grid, with a label every 2 points (66.6 to 80.3), not two.
    expect(legendLabels(svg)).toEqual(['68.0', '70.0', '72.0', '74.0', '76.0', '78.0', '80.0']);
    const { width, height } = svgSize(svg);
    // 3 × 3 cells of 92 × 56 with two lines of 13 px text each (it was 424 × 197 with cells of 70 × 46).
    expect(width).toBeGreaterThan(500);
    expect(height).toBeGreaterThan(250);
    expect(pngSize(await readFile(join(folder, 'plots', 'accuracy-heatmap.png')))).toEqual({ width: 2 * width, height: 2 * height });
    const html = await readFile(join(folder, 'report.html'), 'utf8');
    expect(html).not.toMatch(EXTERNAL);
    expect(html.match(/<svg[\s>]/g)).toHaveLength(1);
  });

  it('says when a sweep was interrupted, and how to resume it', async () => {
    const folder = join(dir, 'interrupted');
    await writeReport(folder, interrupted(13));
    const md = await readFile(join(folder, 'report.md'), 'utf8');
    expect(md).toContain('> **Note:** Interrupted sweep: 5 of 18 trials have not run yet');
    expect(md).toContain('run `distillery sweep <config>` again on this same folder');
    // Trials finish combination by combination (seeds 1, 2): six whole, one with one seed, two not begun.
    const { rows } = markdownTable(md, 'rank');
    expect(rows).toHaveLength(7);
    expect(rows.filter((r) => r.at(-2) === '1')).toHaveLength(1);
    const html = await readFile(join(folder, 'report.html'), 'utf8');
    expect(html).toContain('<p class="note"><strong>Note:</strong> Interrupted sweep: 5 of 18 trials');
  });

  it('labels a narrow colour legend with enough decimals that no two labels read the same', async () => {
    // Every cell within 0.14 points (95.67 to 95.80 %): at one decimal the labels repeated (96.0 three times).
    const narrow = sweepFixture.records.map((r) => (r.status === 'ok' ? { ...r, best: { ...r.best, testAccuracy: 0.95 + r.best.testAccuracy / 100 } } : r)) as TrialRecord[];
    const folder = join(dir, 'narrow');
    await writeReport(folder, { ...sweepFixture, records: narrow, summary: summarizeTrials(narrow) });
    const labels = legendLabels(await readFile(join(folder, 'plots', 'accuracy-heatmap.svg'), 'utf8'));
    expect(labels.length).toBeGreaterThan(2);
    expect(new Set(labels).size).toBe(labels.length);
    expect(labels.every((l) => /^95\.\d\d$/.test(l))).toBe(true);
  });

  it('facets the heatmap by another grid key and says so', async () => {
    // Each trial again under form = convex: a third grid key with two values.
    const records = sweepFixture.records.flatMap((r) => [
      { ...r, params: { ...r.params, form: 'sum' } },
      { ...r, id: `${r.id}-convex`, params: { ...r.params, form: 'convex' } },
    ]);
    const data = { ...sweepFixture, grid: { ...sweepFixture.grid, form: ['sum', 'convex'] }, records, summary: summarizeTrials(records) };
    const folder = join(dir, 'faceted');
    await writeReport(folder, data);
    const md = await readFile(join(folder, 'report.md'), 'utf8');
    expect(md).toContain('The grid also varies form: one heatmap panel per value.');
    expect(markdownTable(md, 'rank').rows).toHaveLength(18);
    const svg = await readFile(join(folder, 'plots', 'accuracy-heatmap.svg'), 'utf8');
    for (const label of ['form = sum', 'form = convex']) expect(svg).toContain(`>${label}<`);
  });

  it('shows the best combination\'s slice when another grid key has too many values for panels', async () => {
    const rates = [1, 2, 3, 4, 5, 6, 7].map((k) => k / 1000);
    const records = sweepFixture.records.flatMap((r) => rates.map((learningRate) => ({ ...r, id: `${r.id}-${learningRate}`, params: { ...r.params, learningRate } })));
    const summary = summarizeTrials(records);
    const folder = join(dir, 'sliced');
    await writeReport(folder, { ...sweepFixture, grid: { ...sweepFixture.grid, learningRate: rates }, records, summary });
    const md = await readFile(join(folder, 'report.md'), 'utf8');
    expect(summary.best!.params['learningRate']).toBe(0.001);
    expect(md).toContain('The grid also varies learningRate (7 combinations, too many panels): the heatmap shows the slice learningRate = 0.001 of the best combination');
    const svg = await readFile(join(folder, 'plots', 'accuracy-heatmap.svg'), 'utf8');
    expect(svg.match(/>80\.3</g)).toHaveLength(1);
  });

  it('reports a sweep whose every trial failed', async () => {
    const records: TrialRecord[] = sweepFixture.records.map((r) => ({ id: r.id, params: r.params, seed: r.seed, status: 'failed', error: { name: 'DistilleryError', code: 'E_ABORTED', message: 'stopped' }, finishedAt: r.finishedAt }));
    const folder = join(dir, 'all-failed');
    await writeReport(folder, { ...sweepFixture, records, summary: summarizeTrials(records) });
    const md = await readFile(join(folder, 'report.md'), 'utf8');
    expect(md).toContain('No trial finished successfully, so there is no best combination.');
    expect(markdownTable(md, 'rank').rows.every((r) => r[3] === '—' && r.slice(-2).join() === '0,2')).toBe(true);
    expect(await readFile(join(folder, 'plots', 'accuracy-heatmap.svg'), 'utf8')).toContain('>failed<');
  });

  it('draws bars instead of a heatmap when the grid is not λ × T', async () => {
    const records = sweepFixture.records.filter((r) => r.params['lambda'] === 1).map((r) => ({ ...r, params: { temperature: r.params['temperature'] } }));
    const data = { ...sweepFixture, grid: { temperature: [1, 4, 8] }, records, summary: summarizeTrials(records) };
    const folder = join(dir, 'temperature-only');
    const { files } = await writeReport(folder, data);
    expect(files.map((f) => relative(folder, f))).toContain('plots/accuracy-by-combination.png');
    // A dot and whisker per combination, its value beside it; no bar (cut at an axis that does not start at 0).
    const svg = await readFile(join(folder, 'plots', 'accuracy-by-combination.svg'), 'utf8');
    for (const label of ['80.3 ± 4.1', '79.0 ± 4.5', 'temperature = 8']) expect(svg).toContain(`>${label}<`);
    expect(svg).toContain('mark-symbol');
    expect(svg).not.toContain('mark-rect');
    expect(await readFile(join(folder, 'report.md'), 'utf8')).toContain('No λ × T heatmap: the grid does not vary both lambda and temperature.');
  });
});

describe('inference speed', () => {
  it('is the median pass with its slowest–fastest range', () => {
    // 1,000 examples in 2, 4, 5, 8 and 10 ms: 500k, 250k, 200k, 125k and 100k per second.
    expect(speedFromTimes(1000, [10, 2, 5, 8, 4])).toEqual({ samplesPerSecond: 200_000, range: [100_000, 500_000], passes: 5 });
    expect(speedFromTimes(1000, [4, 5, 8, 10]).samplesPerSecond).toBeCloseTo((200_000 + 125_000) / 2, 6);
  });

  it('calls two speeds the same when their ranges overlap, and rounds to 2 significant digits', () => {
    // The identical students: 496,714 vs 549,893 samples/s.
    const a = { samplesPerSecond: 496_714, range: [451_000, 530_000] as const, passes: 7 };
    const b = { samplesPerSecond: 549_893, range: [505_000, 561_000] as const, passes: 7 };
    expect(sameSpeed(a, b)).toBe(true);
    expect(sameSpeed(a, { ...b, range: [531_000, 561_000] })).toBe(false);
    expect(speedText(a)).toBe('500,000 (450,000–530,000)');
    // Old run.json files have no range: the median alone, still rounded.
    expect(speedText({ samplesPerSecond: 496_714 })).toBe('500,000');
    expect(sameSpeed({ samplesPerSecond: 496_714 }, { samplesPerSecond: 549_893 })).toBe(false);
  });

  it('says when identical students differ by more than the noise that it is the machine, not the models', () => {
    const speed = { ...runFixture.speed, studentKd: { samplesPerSecond: 549_893, range: [540_000, 560_000] as const, passes: 7 } };
    expect(speedParagraph({ ...runFixture, speed })).toContain("the gap between their speeds is the machine's load changing during the measurement");
    const mlp32 = { ...runFixture.report.studentKd, name: 'mlp-32', params: 25_450 };
    expect(speedParagraph({ ...runFixture, speed, report: { ...runFixture.report, studentKd: mlp32 } })).not.toContain('share one architecture');
  });

  it('times models in turns, one tensor-free result per model', async () => {
    await setupBackend();
    const memory = () => tf.memory().numTensors;
    const test = embeddedMnistSplit().test.subset(Array.from({ length: 256 }, (_, i) => i));
    const shape = { inputShape: test.inputShape, numClasses: 10, seed: 1 };
    const a = createMlp({ ...shape, hidden: [8] });
    const b = createMlp({ ...shape, hidden: [8] });
    const before = memory();
    const speeds = await measureSpeeds({ a, b }, test, { passes: 3 });
    expect(memory()).toBe(before);
    for (const s of Object.values(speeds)) {
      expect(s.passes).toBe(3);
      expect(s.range![0]).toBeLessThanOrEqual(s.samplesPerSecond);
      expect(s.samplesPerSecond).toBeLessThanOrEqual(s.range![1]);
    }
    a.dispose();
    b.dispose();
  });
});

describe('sweep report text', () => {
  it('counts and lists failed trials', () => {
    // Seed 2 of λ = 1, T = 8 failed (the error as the runner records it).
    const records: TrialRecord[] = sweepFixture.records.map((r) =>
      r.params['lambda'] === 1 && r.params['temperature'] === 8 && r.seed === 2
        ? { id: r.id, params: r.params, seed: 2, status: 'failed', error: { name: 'DistilleryError', code: 'E_CONFIG', message: 'mlp.hidden[0]: expected a positive integer, got -3' }, finishedAt: r.finishedAt }
        : r,
    );
    const md = renderMarkdown(sweepReportBlocks({ ...sweepFixture, records, summary: summarizeTrials(records) }));
    const row = markdownTable(md, 'rank').rows.find((r) => r[1] === '1' && r[2] === '8')!;
    expect(row.slice(-2)).toEqual(['1', '1']);
    // One seed left: its accuracy alone, no std of 0.
    expect(row[3]).toMatch(/^\d+\.\d\d$/);
    expect(md).toContain('18 trials finished: 17 ok, 1 failed.');
    expect(md).toContain('| lambda = 1, temperature = 8 | 2 | failed | E_CONFIG: mlp.hidden[0]: expected a positive integer, got -3 |');
  });

  it('selected on another metric (data.selectOn ece): ranked on its validation column, lowest first, which the table shows', () => {
    // The fixture's trials, each with a validation ECE that orders the combinations against their accuracy.
    const records = sweepFixture.records.map((r) => {
      if (r.status !== 'ok') return r;
      const ece = r.best.validationAccuracy!;
      const scores = (accuracy: number) => ({ accuracy, macroF1: accuracy, balancedAccuracy: accuracy, expectedCalibrationError: ece });
      return { ...r, best: { ...r.best, validationScores: scores(r.best.validationAccuracy!), testScores: scores(r.best.testAccuracy) } };
    }) as TrialRecord[];
    const summary = summarizeTrials(records, 'ece');
    const md = renderMarkdown(sweepReportBlocks({ ...sweepFixture, records, summary }));
    const { header, rows } = markdownTable(md, 'rank');
    expect(header.slice(3, 6)).toEqual(['validation acc. %', 'validation ece %', 'test ece %']);
    const ece = rows.map((r) => Number(r[4]!.split(' ± ')[0]));
    expect(ece).toEqual([...ece].sort((a, b) => a - b));
    expect(rows[0]![0]).toBe('1 (selected)');
    expect(md).toContain('Ranked by mean validation ece, lowest first, what the sweep selects on');
  });

  it('never selects on test accuracy: trials without validation numbers give no best', () => {
    const records = sweepFixture.records.map((r) =>
      r.status === 'ok' ? { ...r, best: { ...r.last, validationAccuracy: undefined }, last: { ...r.last, validationAccuracy: undefined } } : r,
    ) as TrialRecord[];
    const summary = summarizeTrials(JSON.parse(JSON.stringify(records)) as TrialRecord[]);
    expect(summary.selectedOn).toBe('validation');
    expect(summary.best).toBeUndefined();
    const md = renderMarkdown(sweepReportBlocks({ ...sweepFixture, records, summary }));
    expect(md).toContain('No trial has validation numbers');
    expect(md).toContain('selection never uses the test set');
    expect(md).not.toContain('selected on mean');
    expect(markdownTable(md, 'rank').header).not.toContain('validation acc. %');
  });
});

describe('bundled font metrics', () => {
  it('reads advance widths from the font file, Greek included', async () => {
    const width = readTextWidth(await readFile(FONT_FILES.regular));
    // DejaVu Sans: 'M' advances 1767 and 'i' 569 of 2048 units per em.
    expect(width('M', 2048)).toBe(1767);
    expect(width('Mi', 20)).toBeCloseTo((20 * (1767 + 569)) / 2048, 10);
    expect(width('λ', 10)).not.toBe(width('\u{1F600}', 10));
    expect(readTextWidth(await readFile(FONT_FILES.bold))('M', 10)).toBeGreaterThan(width('M', 10));
  });
});
