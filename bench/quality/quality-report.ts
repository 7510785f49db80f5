import { renderPlot, type RenderedPlot } from '@distillery/cli';
import { meanStd } from '@distillery/runner';
import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';

export interface QualityRow {
  readonly fraction: number;
  readonly labelled: number;
  readonly method: 'student alone' | 'kd' | 'dkd';
  /** The grid values chosen on validation. */
  readonly chosen: Readonly<Record<string, unknown>>;
  /** Test accuracy (at the epoch chosen on validation) of each seed. */
  readonly testAccuracies: readonly number[];
}

export interface QualityResult {
  readonly dataset: string;
  readonly scale: string;
  readonly teacherName: string;
  readonly studentName: string;
  /** How every student is trained and what it minimises, for the table's note. */
  readonly studentRecipe: string;
  readonly teacherAccuracy: number;
  readonly rows: readonly QualityRow[];
  readonly minutes: number;
  readonly workers: number;
  readonly backend: string;
}

const pct = (x: number) => (100 * x).toFixed(2);
/** The table's accuracy columns, in order: quality.md is written and read back with this list. */
const TABLE_METHODS: readonly QualityRow['method'][] = ['student alone', 'kd', 'dkd'];

/** quality.md (the table), quality.json (every number) and quality.svg/png (accuracy vs labels). */
export async function writeQualityReport(out: string, result: QualityResult): Promise<string[]> {
  await mkdir(out, { recursive: true });
  const lines = [
    `### ${result.dataset}: ${result.studentName} student, ${result.teacherName} teacher (test accuracy ${pct(result.teacherAccuracy)}%)`,
    '',
    '| labels | student alone | kd | dkd | gap closed (kd) | gap closed (dkd) | chosen on validation |',
    '|---|---|---|---|---|---|---|',
  ];
  const fractions = [...new Set(result.rows.map((r) => r.fraction))];
  for (const fraction of fractions) {
    const at = (m: QualityRow['method']) => result.rows.find((r) => r.fraction === fraction && r.method === m)!;
    const alone = meanStd(at('student alone').testAccuracies);
    const cell = (m: QualityRow['method']) => {
      const s = meanStd(at(m).testAccuracies);
      return `${pct(s.mean)} ± ${pct(s.std)}`;
    };
    const gap = (m: QualityRow['method']) => {
      const s = meanStd(at(m).testAccuracies);
      // With the teacher less than a point above the student alone, the share is noise.
      if (result.teacherAccuracy - alone.mean < 0.01) return '— (teacher ≈ alone)';
      const g = (s.mean - alone.mean) / (result.teacherAccuracy - alone.mean);
      return `${(100 * g).toFixed(0)}%`;
    };
    const chosen = (m: QualityRow['method']) => Object.entries(at(m).chosen).map(([k, v]) => `${k.replace(/^(distillation|loss)\.options\./, '')}=${JSON.stringify(v)}`).join(' ');
    lines.push(
      `| ${100 * fraction}% (${at('kd').labelled.toLocaleString('en-US')}) | ${TABLE_METHODS.map(cell).join(' | ')} | ${gap('kd')} | ${gap('dkd')} | kd: ${chosen('kd')}; dkd: ${chosen('dkd')} |`,
    );
  }
  const seeds = result.rows[0]?.testAccuracies.length ?? 0;
  lines.push('', `Test accuracy in %, mean ± std over ${seeds} seeds, each at the epoch chosen on validation; gap closed = (distilled − alone) / (teacher − alone). Students: ${result.studentRecipe}. ${result.minutes.toFixed(1)} min for this invocation on ${result.workers} workers (${result.backend}; finished trials of earlier invocations are reused, not rerun).`);
  const md = join(out, 'quality.md');
  await writeFile(md, `${lines.join('\n')}\n`);
  const json = join(out, 'quality.json');
  await writeFile(json, `${JSON.stringify(result, null, 2)}\n`);

  const points: QualityPoint[] = result.rows.map((r) => {
    const s = meanStd(r.testAccuracies);
    return { labels: r.fraction * 100, method: r.method, accuracy: 100 * s.mean, std: 100 * s.std };
  });
  const plot = await renderQualityPlot({ dataset: result.dataset, studentName: result.studentName, seeds, teacherAccuracy: result.teacherAccuracy, points });
  const svg = join(out, 'quality.svg');
  const png = join(out, 'quality.png');
  await writeFile(svg, plot.svg);
  await writeFile(png, plot.png);
  return [md, json, svg, png];
}

/** One point of the plot: a method's mean test accuracy (%) and its std at a labelled share (%). */
export interface QualityPoint {
  readonly labels: number;
  readonly method: string;
  readonly accuracy: number;
  readonly std: number;
}

export interface QualityPlotInput {
  readonly dataset: string;
  readonly studentName: string;
  readonly seeds: number;
  /** 0..1; drawn as a flat line over the fractions. */
  readonly teacherAccuracy: number;
  readonly points: readonly QualityPoint[];
}

/** Test accuracy vs labelled share, one line per method, std as error bars, the teacher flat. */
export async function renderQualityPlot(input: QualityPlotInput): Promise<RenderedPlot> {
  const shares = [...new Set(input.points.map((p) => p.labels))];
  const values = [...input.points, ...shares.map((labels) => ({ labels, method: 'teacher', accuracy: 100 * input.teacherAccuracy, std: 0 }))];
  return renderPlot({
    $schema: 'https://vega.github.io/schema/vega-lite/v6.json',
    title: { text: `${input.dataset}: test accuracy vs labels`, subtitle: `${input.studentName} student; mean ± std over ${input.seeds} seeds` },
    width: 420,
    height: 260,
    data: { values },
    encoding: {
      x: { field: 'labels', type: 'quantitative', scale: { type: 'log' }, title: 'labelled share of the training set (%)', axis: { values: shares } },
      color: { field: 'method', type: 'nominal', title: null, sort: ['teacher', 'dkd', 'kd', 'student alone'] },
    },
    layer: [
      { mark: { type: 'line', point: true }, encoding: { y: { field: 'accuracy', type: 'quantitative', title: 'test accuracy (%)', scale: { zero: false } } } },
      { mark: { type: 'errorbar' }, encoding: { y: { field: 'lo', type: 'quantitative', title: 'test accuracy (%)' }, y2: { field: 'hi' } }, transform: [{ calculate: 'datum.accuracy - datum.std', as: 'lo' }, { calculate: 'datum.accuracy + datum.std', as: 'hi' }] },
    ],
  });
}

/**
 * The plot's input back from a table in the form quality.md writes (its heading and its rows; other
 * lines are ignored), so that rows of several invocations — some fractions in one session, the
 * rest in another — can be put in one file and drawn together. A malformed table is an error that
 * names the line.
 */
export function parseQualityTable(markdown: string, source: string): QualityPlotInput {
  const heading = /^### (.+): (.+) student, .+ teacher \(test accuracy (\d+(?:\.\d+)?)%\)\s*$/m.exec(markdown);
  if (heading === null) throw new Error(`${source}: expected a heading like "### fashion: CNN conv 8-16 student, … teacher (test accuracy 91.85%)", as quality.md writes it`);
  const seeds = /mean ± std over (\d+) seeds/.exec(markdown);
  if (seeds === null) throw new Error(`${source}: expected the note under the table, "… mean ± std over N seeds …", as quality.md writes it`);
  const points: QualityPoint[] = [];
  const cell = /^(\d+(?:\.\d+)?) ± (\d+(?:\.\d+)?)$/;
  markdown.split('\n').forEach((line, i) => {
    const row = /^\| (\d+(?:\.\d+)?)% \([\d,]+\) \|(.*)$/.exec(line.trim());
    if (row === null) return;
    const cells = row[2]!.split('|').map((c) => c.trim().replace(/\*\*/g, ''));
    TABLE_METHODS.forEach((method, k) => {
      const text = cells[k] ?? '';
      const m = cell.exec(text);
      if (m === null) throw new Error(`${source}:${i + 1}: the ${method} cell must read "mean ± std" (e.g. "89.71 ± 0.12"), got "${text}"`);
      points.push({ labels: Number(row[1]), method, accuracy: Number(m[1]), std: Number(m[2]) });
    });
  });
  if (points.length === 0) throw new Error(`${source}: no table rows like "| 1% (550) | 79.46 ± 0.75 | … |" under the heading`);
  return { dataset: heading[1]!, studentName: heading[2]!, teacherAccuracy: Number(heading[3]) / 100, seeds: Number(seeds[1]), points };
}
