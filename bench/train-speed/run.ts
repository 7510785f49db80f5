/**
 * bench/train-speed — training throughput (rows through the network per second; batch 128,
 * Adam, one thread) of the three models of the speed table: Distillery on wasm, Distillery with
 * the native kernels, and PyTorch with one thread, side by side in one run. Rounds alternate
 * wasm and native so machine noise hits both alike; the median round counts. Time is the
 * process's CPU time (both sides), so a busy shared machine slows the measurement, not the result.
 *
 *   pnpm bench:train-speed                       # ~1.5 minutes on 2 cores
 *   TORCH_VENV=/work/venv-torch pnpm bench:train-speed
 *   ROUNDS=5 MODELS=student,cnn pnpm bench:train-speed
 *   MODELS=cnn-teacher pnpm bench:train-speed     # bench/quality's CNN teacher (batch-norm, dropout)
 *   MODELS=cnn-student pnpm bench:train-speed     # bench/quality's small CNN student (conv 8-16, ce + kd)
 *
 * PyTorch runs when `python3 -c 'import torch'` works in $TORCH_VENV (or on PATH); never required.
 */
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { DistillationTrainer, setupBackend, tf, warmUpBackend, type NativeStatus } from '@distillery/core';
import { BATCH, SPEED_CASES, type SpeedCase } from './models.js';

const ROUNDS = Number(process.env['ROUNDS'] ?? 3);
const chosen = (process.env['MODELS'] ?? 'student,teacher,cnn').split(',');
const cases = SPEED_CASES.filter((c) => chosen.includes(c.key));
/** Steps per timed run: each takes ~1-2 s on wasm here. */
const STEPS: Record<SpeedCase['key'], number> = { student: 200, teacher: 24, cnn: 24, 'cnn-teacher': 12, 'cnn-student': 24 };

type Path = 'wasm' | 'native';

async function samplesPerSecond(c: SpeedCase, path: Path, seed: number): Promise<number> {
  await setupBackend({ backend: 'wasm', native: path === 'native' });
  const { model, objective, data } = c.build(seed);
  const trainer = new DistillationTrainer();
  const train = (steps: number) =>
    trainer.train({ model, objective, data, options: { epochs: 1, stepsPerEpoch: steps, batchSize: BATCH, learningRate: 1e-3, seed } });
  try {
    await train(3); // first calls of each kernel and shape
    const started = process.cpuUsage();
    await train(STEPS[c.key]);
    const used = process.cpuUsage(started);
    return (STEPS[c.key] * c.rowsPerStep) / ((used.user + used.system) / 1e6);
  } finally {
    model.dispose();
  }
}

function torchPython(): string | undefined {
  const venv = process.env['TORCH_VENV'];
  const candidates = [venv === undefined ? undefined : join(venv, 'bin', 'python3'), 'python3'].filter((p): p is string => p !== undefined);
  return candidates.find((python) => (python === 'python3' || existsSync(python)) && spawnSync(python, ['-c', 'import torch'], { stdio: 'ignore' }).status === 0);
}

function torchSpeeds(): { speeds: Record<string, number>; note: string } | undefined {
  const python = torchPython();
  if (python === undefined) return undefined;
  const script = join(dirname(fileURLToPath(import.meta.url)), 'torch_speed.py');
  const run = spawnSync(python, [script, String(ROUNDS), cases.map((c) => c.key).join(',')], { encoding: 'utf8', env: { ...process.env, OMP_NUM_THREADS: '1', MKL_NUM_THREADS: '1' } });
  if (run.status !== 0) {
    console.log(`PyTorch run failed: ${run.stderr.trim().split('\n').pop()}`);
    return undefined;
  }
  const parsed = JSON.parse(run.stdout.trim().split('\n').pop()!) as Record<string, number | string>;
  const speeds = Object.fromEntries(Object.entries(parsed).filter(([, v]) => typeof v === 'number')) as Record<string, number>;
  return { speeds, note: `PyTorch ${String(parsed['torch'])} (${python})` };
}

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
const fmt = (x: number | undefined) => (x === undefined ? '—' : Math.round(x).toLocaleString('en-US'));
const ratio = (a: number | undefined, b: number | undefined) => (a === undefined || b === undefined ? '—' : `${(a / b).toFixed(2)}×`);

const started = performance.now();
const probe = await setupBackend({ backend: 'wasm', native: true });
const native: NativeStatus = probe.native;
await warmUpBackend();
console.log(`bench/train-speed: batch ${BATCH}, Adam, 1 thread, ${ROUNDS} alternating rounds (median); native: ${native.active ? `${native.blas} (${native.core})` : `unavailable — ${native.reason}`}\n`);
const results = new Map<string, { wasm: number; native?: number }>();
for (const c of cases) {
  const wasm: number[] = [];
  const nat: number[] = [];
  for (let round = 0; round < ROUNDS; round++) {
    wasm.push(await samplesPerSecond(c, 'wasm', round + 1));
    if (native.active) nat.push(await samplesPerSecond(c, 'native', round + 1));
  }
  results.set(c.key, { wasm: median(wasm), ...(nat.length > 0 ? { native: median(nat) } : {}) });
  console.log(`  ${c.label}: wasm ${wasm.map(fmt).join(', ')}${nat.length > 0 ? ` · native ${nat.map(fmt).join(', ')}` : ''}`);
}
if (tf.memory().numTensors > 0) await setupBackend();
const torch = torchSpeeds();

console.log(`\n| model | Distillery wasm | Distillery native | ${torch ? 'PyTorch, 1 thread' : 'PyTorch (not found)'} | native / wasm | wasm / PyTorch | native / PyTorch |`);
console.log('|---|---|---|---|---|---|---|');
for (const c of cases) {
  const r = results.get(c.key)!;
  const t = torch?.speeds[c.key];
  console.log(`| ${c.label} | ${fmt(r.wasm)} | ${fmt(r.native)} | ${fmt(t)} | ${ratio(r.native, r.wasm)} | ${ratio(r.wasm, t)} | ${ratio(r.native, t)} |`);
}
console.log(`\nsamples/s = rows through the network per CPU-second of the process (ce + kd: ${BATCH} labelled + ${BATCH} transfer per step). ${torch?.note ?? 'PyTorch: set TORCH_VENV to a venv with torch to compare.'} Wall ${((performance.now() - started) / 1000).toFixed(0)} s.`);
