import { renderPlot } from '@distillery/cli';
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
      `| ${100 * fraction}% (${at('kd').labelled.toLocaleString('en-US')}) | ${cell('student alone')} | ${cell('kd')} | ${cell('dkd')} | ${gap('kd')} | ${gap('dkd')} | kd: ${chosen('kd')}; dkd: ${chosen('dkd')} |`,
    );
  }
  const seeds = result.rows[0]?.testAccuracies.length ?? 0;
  lines.push('', `Test accuracy in %, mean ± std over ${seeds} seeds, each at the epoch chosen on validation; gap closed = (distilled − alone) / (teacher − alone). Students: ${result.studentRecipe}. ${result.minutes.toFixed(1)} min for this invocation on ${result.workers} workers (${result.backend}; finished trials of earlier invocations are reused, not rerun).`);
  const md = join(out, 'quality.md');
  await writeFile(md, `${lines.join('\n')}\n`);
  const json = join(out, 'quality.json');
  await writeFile(json, `${JSON.stringify(result, null, 2)}\n`);

  const points: Array<{ labels: number; method: string; accuracy: number; std: number }> = result.rows.map((r) => ({ labels: r.fraction * 100, method: r.method, accuracy: 100 * meanStd(r.testAccuracies).mean, std: 100 * meanStd(r.testAccuracies).std }));
  points.push(...fractions.map((f) => ({ labels: f * 100, method: 'teacher', accuracy: 100 * result.teacherAccuracy, std: 0 })));
  const plot = await renderPlot({
    $schema: 'https://vega.github.io/schema/vega-lite/v6.json',
    title: { text: `${result.dataset}: test accuracy vs labels`, subtitle: `${result.studentName} student; mean ± std over ${seeds} seeds` },
    width: 420,
    height: 260,
    data: { values: points },
    encoding: {
      x: { field: 'labels', type: 'quantitative', scale: { type: 'log' }, title: 'labelled share of the training set (%)', axis: { values: fractions.map((f) => f * 100) } },
      color: { field: 'method', type: 'nominal', title: null, sort: ['teacher', 'dkd', 'kd', 'student alone'] },
    },
    layer: [
      { mark: { type: 'line', point: true }, encoding: { y: { field: 'accuracy', type: 'quantitative', title: 'test accuracy (%)', scale: { zero: false } } } },
      { mark: { type: 'errorbar' }, encoding: { y: { field: 'lo', type: 'quantitative', title: 'test accuracy (%)' }, y2: { field: 'hi' } }, transform: [{ calculate: 'datum.accuracy - datum.std', as: 'lo' }, { calculate: 'datum.accuracy + datum.std', as: 'hi' }] },
    ],
  });
  const svg = join(out, 'quality.svg');
  const png = join(out, 'quality.png');
  await writeFile(svg, plot.svg);
  await writeFile(png, plot.png);
  return [md, json, svg, png];
}
