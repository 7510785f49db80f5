/**
 * bench/sweep — a 3×3 λ×T sweep × 2 seeds (18 trials) on the embedded MNIST digits, run one trial after
 * another in this thread and then in a pool of N workers, side by side in one run.
 *
 *   pnpm bench:sweep               # N = number of cores
 *   WORKERS=16 pnpm bench:sweep
 *   CEILING=0 pnpm bench:sweep     # without the machine-ceiling measurement
 *
 * With N > 1 it also measures what N threads can reach on this machine at all (thread-ceiling.ts:
 * N plain threads each running 9 trials in-thread, against one alone) and prints the pool's share.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { availableParallelism, tmpdir } from 'node:os';
import { join } from 'node:path';
import { RunnerPool, sweep } from '@distillery/runner';
import { benchSweep } from './sweep-setup.js';
import { threadCeiling } from './thread-ceiling.js';

const workers = Number(process.env['WORKERS'] ?? availableParallelism());
const epochs = Number(process.env['EPOCHS'] ?? 3);
// 2 seeds: 18 trials, so N = 2 workers can split them evenly (9 trials would bound the ratio at 5/9).
const seeds = (process.env['SEEDS'] ?? '1,2').split(',').map(Number);

const { train, test, logits, teacherAccuracy, base, grid } = await benchSweep(epochs);
const folder = await mkdtemp(join(tmpdir(), 'distillery-bench-sweep-'));
console.log(`bench/sweep: 3×3 λ×T × ${seeds.length} seeds = ${9 * seeds.length} trials, ${epochs} epochs per trial, teacher accuracy ${(100 * teacherAccuracy).toFixed(2)}%, ${availableParallelism()} cores\n`);

// CPU seconds of the whole process beside wall time: on a busy machine wall time mostly measures
// the neighbours, while CPU time tells whether a trial costs more in a worker than here.
const cpuSeconds = () => {
  const used = process.cpuUsage();
  return (used.user + used.system) / 1e6;
};
const serialCpuStart = cpuSeconds();
const serial = await sweep({ directory: join(folder, 'serial'), base, grid, seeds, train, test, teacher: { logits }, workers: 0 });
const serialCpu = cpuSeconds() - serialCpuStart;
console.log(`serial (this thread):  ${(serial.elapsedMs / 1000).toFixed(1)} s (${serialCpu.toFixed(1)} CPU-s)`);

const poolStarted = performance.now();
const pool = new RunnerPool({ workers });
await pool.probe();
const startupMs = performance.now() - poolStarted;
const parallelCpuStart = cpuSeconds();
const parallel = await sweep({ directory: join(folder, 'parallel'), base, grid, seeds, train, test, teacher: { logits }, pool });
const parallelCpu = cpuSeconds() - parallelCpuStart;
await pool.destroy();
const withStartup = parallel.elapsedMs + startupMs;
console.log(`${workers} workers:            ${(parallel.elapsedMs / 1000).toFixed(1)} s (+ ${(startupMs / 1000).toFixed(1)} s pool start-up)`);
console.log(`\nparallel / serial = ${(parallel.elapsedMs / serial.elapsedMs).toFixed(2)} (${(withStartup / serial.elapsedMs).toFixed(2)} with start-up)`);
console.log(`CPU-seconds in the pool / serial = ${(parallelCpu / serialCpu).toFixed(2)} (1.00: a trial costs the same in a worker)`);
const same = serial.records.every((r, i) => JSON.stringify(r.status === 'ok' && r.epochs) === JSON.stringify(parallel.records[i]!.status === 'ok' && (parallel.records[i] as typeof r & { epochs: unknown }).epochs));
console.log(`same per-trial results serial vs parallel: ${same}`);
console.log(`best (on ${parallel.summary.selectedOn}): ${JSON.stringify(parallel.summary.best?.params)}`);
await rm(folder, { recursive: true, force: true });
if (workers > 1 && process.env['CEILING'] !== '0') {
  const c = await threadCeiling(workers, epochs, seeds);
  const speedUp = serial.elapsedMs / parallel.elapsedMs;
  console.log(`machine ceiling, ${workers} plain threads (9 trials each, in-thread) vs 1 alone: ${c.ceiling.toFixed(2)}× (${(c.aloneMs / 1000).toFixed(1)} s alone; ${c.togetherMs.map((t) => (t / 1000).toFixed(1)).join(' s, ')} s together)`);
  console.log(`pool speed-up ${speedUp.toFixed(2)}× = ${((100 * speedUp) / c.ceiling).toFixed(0)}% of that ceiling`);
}
const meanTrial = (r: typeof serial) => r.records.reduce((n, x) => n + (x.status === 'ok' ? x.elapsedMs : 0), 0) / r.records.length / 1000;
console.log(`mean trial time: serial ${meanTrial(serial).toFixed(2)} s, in a worker ${meanTrial(parallel).toFixed(2)} s`);
