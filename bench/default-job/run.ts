/**
 * bench/default-job — the default job (embedded MNIST, 2% labels) over several seeds:
 * mean ± std test accuracy of teacher, student alone and distilled student.
 *
 *   pnpm bench:default             # seeds 1,2,3 (~2.5 minutes on 2 cores)
 *   SEEDS=1,2,3,4,5 pnpm bench:default
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gapClosed, runCommand } from '@distillery/cli';
import { meanStd } from '@distillery/runner';

const seeds = (process.env['SEEDS'] ?? '1,2,3').split(',').map(Number);
const folder = await mkdtemp(join(tmpdir(), 'distillery-bench-default-'));
const rows: { seed: number; teacher: number; alone: number; kd: number; gap: number }[] = [];
const started = performance.now();
let backend = '';
let settings = '';
for (const seed of seeds) {
  const { data } = await runCommand(undefined, { seed, quiet: true, out: join(folder, `seed-${seed}`) });
  backend = data.backend;
  const r = data.report;
  settings = `${r.settings.labelled} labels, ${r.settings.transfer} transfer images, ce + ${r.settings.lambda}·${r.settings.distillationLoss} at T=${r.settings.temperature}`;
  rows.push({ seed, teacher: r.teacher.accuracy, alone: r.studentAlone.accuracy, kd: r.studentKd.accuracy, gap: gapClosed(r) ?? NaN });
  console.log(`seed ${seed}: teacher ${pct(r.teacher.accuracy)} · student alone ${pct(r.studentAlone.accuracy)} · student + kd ${pct(r.studentKd.accuracy)}`);
}
await rm(folder, { recursive: true, force: true });

function pct(x: number): string {
  return `${(100 * x).toFixed(2)}%`;
}
function percentMeanStd(xs: number[]): string {
  const { mean, std } = meanStd(xs);
  return `${(100 * mean).toFixed(2)} ± ${(100 * std).toFixed(2)}`;
}

console.log(`\nDefault job, ${seeds.length} seeds (${seeds.join(', ')}), backend ${backend}, ${settings}; wall ${((performance.now() - started) / 1000).toFixed(0)} s\n`);
console.log('| model | test accuracy (%, mean ± std) |');
console.log('|---|---|');
console.log(`| teacher (MLP 784-512-512-10) | ${percentMeanStd(rows.map((r) => r.teacher))} |`);
console.log(`| student alone (MLP 784-32-10, 160 labels) | ${percentMeanStd(rows.map((r) => r.alone))} |`);
console.log(`| student + kd (same, + soft labels on 8,004 images) | ${percentMeanStd(rows.map((r) => r.kd))} |`);
console.log(`\ngap closed by distillation: ${percentMeanStd(rows.map((r) => r.gap))} %`);
console.log(`distilled beats alone on ${rows.filter((r) => r.kd > r.alone).length}/${rows.length} seeds`);
