/**
 * Kernel census of a training step of one bench/train-speed model: how many kernels of each kind
 * run per step and their CPU time (a hook on the engine's kernel dispatch; kernels inside a
 * custom op count in both, and the hook's own cost is in the step time). See docs/engine.md.
 *   node_modules/.bin/tsx bench/train-speed/profile-step.ts            # student, native kernels
 *   NATIVE=0 MODEL=cnn STEPS=20 node_modules/.bin/tsx bench/train-speed/profile-step.ts
 */
import { DistillationTrainer, setupBackend, tf, warmUpBackend } from '@distillery/core';
import { BATCH, SPEED_CASES } from './models.js';

const native = process.env['NATIVE'] !== '0';
await setupBackend({ backend: 'wasm', native });
await warmUpBackend();
const c = SPEED_CASES.find((s) => s.key === (process.env['MODEL'] ?? 'student'))!;
const { model, objective, data } = c.build(1);
const trainer = new DistillationTrainer();
const train = (steps: number) => trainer.train({ model, objective, data, options: { epochs: 1, stepsPerEpoch: steps, batchSize: BATCH, learningRate: 1e-3, seed: 1 } });
await train(3);
const engine = tf.engine() as unknown as { runKernelFunc: (...a: unknown[]) => unknown };
const counts = new Map<string, { n: number; us: number }>();
const original = engine.runKernelFunc.bind(engine);
engine.runKernelFunc = (kernelParams: unknown) => {
  const name = (kernelParams as { kernelName?: string }).kernelName ?? 'custom';
  const t0 = process.cpuUsage();
  try {
    return original(kernelParams);
  } finally {
    const d = process.cpuUsage(t0);
    const e = counts.get(name) ?? { n: 0, us: 0 };
    e.n++;
    e.us += d.user + d.system;
    counts.set(name, e);
  }
};
const STEPS = Number(process.env['STEPS'] ?? 200);
const t0 = process.cpuUsage();
const wall0 = performance.now();
await train(STEPS);
const wall = (performance.now() - wall0) / STEPS;
const used = process.cpuUsage(t0);
const total = (used.user + used.system) / 1000 / STEPS;
const rows = [...counts.entries()].sort((a, b) => b[1].us - a[1].us);
let n = 0;
let kms = 0;
for (const [name, e] of rows) {
  n += e.n;
  kms += e.us / 1000;
  console.log(`${name.padEnd(28)} ${(e.n / STEPS).toFixed(1).padStart(6)}/step ${(e.us / 1000 / STEPS).toFixed(3).padStart(8)} ms/step`);
}
console.log(`kernels/step ${(n / STEPS).toFixed(1)}; kernel ms/step ${(kms / STEPS).toFixed(3)}; step ms (cpu) ${total.toFixed(3)}, (wall) ${wall.toFixed(3)} (with hook)`);
model.dispose();
