/**
 * bench/soft-labels — teacher logits for the Fashion-MNIST training set (60,000 images) through
 * an MLP 784-1200-1200-10 teacher: in-thread, 1 worker and N workers, side by side in one run.
 *
 *   apt-get install -y dataset-fashion-mnist     # once
 *   pnpm bench:soft-labels                       # N = number of cores
 *   WORKERS=1,2,4,8,16 pnpm bench:soft-labels    # a scaling curve on a bigger machine
 */
import { availableParallelism } from 'node:os';
import { DistilleryError, setupBackend } from '@distillery/core';
import { FASHION_MNIST_DIR, loadMnistFamily } from '@distillery/datasets';
import { RunnerPool, generateSoftLabels } from '@distillery/runner';
import { createTeacherMlp } from '@distillery/teachers';

const counts = (process.env['WORKERS'] ?? `1,${availableParallelism()}`).split(',').map(Number);
const limit = Number(process.env['LIMIT'] ?? 60_000);

await setupBackend();
const full = await loadMnistFamily(FASHION_MNIST_DIR, 'train', 'fashion-mnist').catch((error: unknown) => {
  throw new DistilleryError('E_DATASET', `${(error as Error).message}\n(install it with: apt-get install -y dataset-fashion-mnist)`);
});
const dataset = limit < full.size ? full.subset(Array.from({ length: limit }, (_, i) => i), `fashion-mnist[0:${limit}]`) : full;
const teacher = createTeacherMlp({ inputShape: dataset.inputShape, numClasses: 10, seed: 1, hidden: [1200, 1200] });
console.log(`bench/soft-labels: ${dataset.size} images, teacher ${teacher.name} (${teacher.countParams().toLocaleString('en-US')} params), batch 512, ${availableParallelism()} cores\n`);

const single = await generateSoftLabels({ teacher, dataset });
const inThread = dataset.size / (single.elapsedMs / 1000);
console.log(`in-thread (no pool)   ${inThread.toFixed(0).padStart(8)} samples/s`);

const rows: { workers: number; rate: number; startupMs: number; heapMB: number }[] = [];
for (const workers of counts) {
  const poolStarted = performance.now();
  const pool = new RunnerPool({ workers });
  const probes = await pool.probe(); // start-up (import tfjs, wasm backend, registry) paid here, once per pool
  const startupMs = performance.now() - poolStarted;
  // Warm-up call (teacher weights reach each worker once, then stay there).
  await generateSoftLabels({ teacher, dataset: dataset.subset(Array.from({ length: 2048 }, (_, i) => i)), pool, shardSize: 256 });
  const result = await generateSoftLabels({ teacher, dataset, pool });
  const diff = result.logits.values.reduce((m, v, i) => Math.max(m, Math.abs(v - single.logits.values[i]!)), 0);
  const rate = dataset.size / (result.elapsedMs / 1000);
  const heapMB = probes.reduce((n, p) => n + p.heapUsedBytes, 0) / probes.length / 2 ** 20;
  rows.push({ workers, rate, startupMs, heapMB });
  console.log(
    `${String(workers).padStart(2)} worker(s)           ${rate.toFixed(0).padStart(8)} samples/s   ` +
      `×${(rate / rows[0]!.rate).toFixed(2)} vs 1 worker   pool start-up ${startupMs.toFixed(0)} ms   ` +
      `JS heap/worker ${heapMB.toFixed(0)} MiB   max |Δ| vs in-thread ${diff.toExponential(1)}`,
  );
  await pool.destroy();
}
teacher.dispose();
