/**
 * bench/default-job — the default job (embedded MNIST, 2% labels) over several seeds:
 * mean ± std test accuracy of teacher, student alone and distilled student.
 *
 *   pnpm bench:default             # seeds 1,2,3 (~2.5 minutes on 2 cores)
 *   SEEDS=1,2,3,4,5 pnpm bench:default
 */
import { DEFAULT_JOB, gapClosed, runDefaultJob } from '@distillery/cli';

const seeds = (process.env['SEEDS'] ?? '1,2,3').split(',').map(Number);
const rows: { seed: number; teacher: number; alone: number; kd: number; gap: number }[] = [];
const started = performance.now();
let backend = '';
for (const seed of seeds) {
  const result = await runDefaultJob({ ...DEFAULT_JOB, seed });
  backend = result.backend;
  const r = result.report;
  rows.push({ seed, teacher: r.teacher.accuracy, alone: r.studentAlone.accuracy, kd: r.studentKd.accuracy, gap: gapClosed(r) ?? NaN });
  console.log(`seed ${seed}: teacher ${pct(r.teacher.accuracy)} · student alone ${pct(r.studentAlone.accuracy)} · student + kd ${pct(r.studentKd.accuracy)}`);
  result.teacher.dispose();
  result.studentAlone.dispose();
  result.studentKd.dispose();
}

function pct(x: number): string {
  return `${(100 * x).toFixed(2)}%`;
}
function meanStd(xs: number[]): string {
  const mean = xs.reduce((a, b) => a + b, 0) / xs.length;
  const std = Math.sqrt(xs.reduce((a, b) => a + (b - mean) ** 2, 0) / Math.max(1, xs.length - 1));
  return `${(100 * mean).toFixed(2)} ± ${(100 * std).toFixed(2)}`;
}

const s = DEFAULT_JOB;
console.log(`\nDefault job, ${seeds.length} seeds (${seeds.join(', ')}), backend ${backend}, ` +
  `${s.labelledFraction * 100}% labels, ce + ${s.lambda}·kd at T=${s.temperature}; wall ${((performance.now() - started) / 1000).toFixed(0)} s\n`);
console.log('| model | test accuracy (%, mean ± std) |');
console.log('|---|---|');
console.log(`| teacher (MLP 784-512-512-10) | ${meanStd(rows.map((r) => r.teacher))} |`);
console.log(`| student alone (MLP 784-32-10, 160 labels) | ${meanStd(rows.map((r) => r.alone))} |`);
console.log(`| student + kd (same, + soft labels on 8,004 images) | ${meanStd(rows.map((r) => r.kd))} |`);
console.log(`\ngap closed by distillation: ${meanStd(rows.map((r) => r.gap))} %`);
const wins = rows.filter((r) => r.kd > r.alone).length;
console.log(`distilled beats alone on ${wins}/${rows.length} seeds`);
