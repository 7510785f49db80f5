/**
 * bench/soft-labels — teacher logits for the Fashion-MNIST training set (60,000 images) through
 * an MLP 784-1200-1200-10 teacher, on TensorFlow.js (wasm) and on onnxruntime-node, in-thread,
 * with 1 worker and with N workers, side by side in one run; then the ratios. When PyTorch is
 * importable (optional, never required), the same teacher in PyTorch with all threads too.
 *
 *   apt-get install -y dataset-fashion-mnist     # once
 *   pnpm bench:soft-labels                       # N = number of cores
 *   WORKERS=1,2,4,8,16 pnpm bench:soft-labels    # a scaling curve on a bigger machine
 *   TEACHER=cnn pnpm bench:soft-labels           # the teacher CNN (filters 32, 64; dense 128) instead
 */
import { spawnSync } from 'node:child_process';
import { availableParallelism } from 'node:os';
import { fileURLToPath } from 'node:url';
import { DistilleryError, setupBackend, type Dataset, type LayersClassifier } from '@distillery/core';
import { FASHION_MNIST_DIR, loadMnistFamily } from '@distillery/datasets';
import { RunnerPool, generateSoftLabels, type SoftLabelResult } from '@distillery/runner';
import { isOnnxRuntimeAvailable } from '@distillery/onnx';
import { createTeacherCnn, createTeacherMlp } from '@distillery/teachers';

const counts = (process.env['WORKERS'] ?? `1,${availableParallelism()}`).split(',').map(Number);
const limit = Number(process.env['LIMIT'] ?? 60_000);
const cnn = process.env['TEACHER'] === 'cnn';

await setupBackend();
const full = await loadMnistFamily(FASHION_MNIST_DIR, 'train', 'fashion-mnist').catch((error: unknown) => {
  throw new DistilleryError('E_DATASET', `${(error as Error).message}\n(install it with: apt-get install -y dataset-fashion-mnist)`);
});
const dataset = limit < full.size ? full.subset(Array.from({ length: limit }, (_, i) => i), `fashion-mnist[0:${limit}]`) : full;
const shape = { inputShape: dataset.inputShape, numClasses: 10, seed: 1 };
const teacher: LayersClassifier = cnn ? createTeacherCnn(shape) : createTeacherMlp({ ...shape, hidden: [1200, 1200] });
const runtimes = (await isOnnxRuntimeAvailable()) ? (['tfjs', 'ort'] as const) : (['tfjs'] as const);
console.log(
  `bench/soft-labels: ${dataset.size} images, teacher ${teacher.name} (${teacher.countParams().toLocaleString('en-US')} params), batch 512, ${availableParallelism()} cores` +
    `${runtimes.length === 1 ? ' (onnxruntime-node not installed: tfjs only)' : ''}\n`,
);

const rate = (result: SoftLabelResult, data: Dataset) => data.size / (result.elapsedMs / 1000);
const single = await generateSoftLabels({ teacher, dataset });
console.log(`tfjs-wasm  in-thread (no pool)   ${rate(single, dataset).toFixed(0).padStart(8)} samples/s`);

const rates = new Map<string, number>();
for (const runtime of runtimes) {
  for (const workers of counts) {
    const poolStarted = performance.now();
    const pool = new RunnerPool({ workers });
    const probes = await pool.probe(); // start-up (import tfjs, wasm backend, registry) paid here, once per pool
    const startupMs = performance.now() - poolStarted;
    // Warm-up call: the teacher reaches each worker once (weights or ONNX bytes), then stays there.
    const warmUp = dataset.subset(Array.from({ length: 2048 }, (_, i) => i));
    await generateSoftLabels({ teacher, dataset: warmUp, pool, runtime, shardSize: 256 });
    const result = await generateSoftLabels({ teacher, dataset, pool, runtime });
    const diff = result.logits.values.reduce((m, v, i) => Math.max(m, Math.abs(v - single.logits.values[i]!)), 0);
    const samples = rate(result, dataset);
    rates.set(`${runtime}:${workers}`, samples);
    const heapMB = probes.reduce((n, p) => n + p.heapUsedBytes, 0) / probes.length / 2 ** 20;
    console.log(
      `${(runtime === 'ort' ? 'ORT' : 'tfjs-wasm').padEnd(10)} ${String(workers).padStart(2)} worker(s)          ${samples.toFixed(0).padStart(8)} samples/s   ` +
        `×${(samples / rates.get(`${runtime}:${counts[0]}`)!).toFixed(2)} vs ${counts[0]} worker   pool start-up ${startupMs.toFixed(0)} ms   ` +
        `JS heap/worker ${heapMB.toFixed(0)} MiB   max |Δ| vs in-thread tfjs ${diff.toExponential(1)}`,
    );
    await pool.destroy();
  }
}

const n = counts[counts.length - 1]!;
const ratio = (a: string, b: string) => (rates.get(a)! / rates.get(b)!).toFixed(2);
if (runtimes.length === 2) {
  console.log(`\nORT ${n} workers / ORT 1 worker        ×${ratio(`ort:${n}`, 'ort:1')}   (target ≥ 1.8 on 2 cores)`);
  console.log(`ORT ${n} workers / tfjs-wasm 1 worker  ×${ratio(`ort:${n}`, 'tfjs:1')}   (target ≥ 6 on 2 cores)`);
  console.log(`ORT 1 worker / tfjs-wasm 1 worker     ×${ratio('ort:1', 'tfjs:1')}   (per thread)`);
}

// PyTorch, when importable: the same architecture with all threads, on the same number of images.
const python = process.env['PYTHON'] ?? 'python3';
const torch = spawnSync(python, [fileURLToPath(new URL('./torch_teacher.py', import.meta.url)), cnn ? 'cnn' : 'mlp', String(dataset.size)], { encoding: 'utf8' });
if (torch.status === 0) {
  const { samplesPerSecond, threads, version } = JSON.parse(torch.stdout.trim().split('\n').pop()!) as { samplesPerSecond: number; threads: number; version: string };
  console.log(`\nPyTorch ${version} (${threads} threads)      ${samplesPerSecond.toFixed(0).padStart(8)} samples/s`);
  if (rates.has(`ort:${n}`)) console.log(`ORT ${n} workers / PyTorch            ×${(rates.get(`ort:${n}`)! / samplesPerSecond).toFixed(2)}   (target ≥ 1.0)`);
} else {
  console.log(`\n(PyTorch comparison skipped: ${python} cannot import torch; PYTHON=/usr/bin/python3 to pick another interpreter)`);
}
teacher.dispose();
