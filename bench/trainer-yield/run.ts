/**
 * bench/trainer-yield — what the trainer's pauses for the event loop (a setImmediate turn every
 * 50 ms of steps, so progress bars redraw and Ctrl-C is handled during training) cost: the
 * default student's training with pauses (default), with a pause after every step (the worst
 * case), and with none (`yieldEveryMs: Infinity`), alternated over rounds in one run.
 *
 *   pnpm bench:trainer-yield          # about a minute on 2 cores; ROUNDS=7 for steadier medians
 */
import { DistillationTrainer, setupBackend } from '@distillery/core';
import { embeddedMnistSplit } from '@distillery/datasets';
import { supervisedObjective } from '@distillery/losses';
import { createMlp } from '@distillery/students';

const ROUNDS = Number(process.env['ROUNDS'] ?? 5);
const backend = await setupBackend();
const { train } = embeddedMnistSplit();
const labelled = train.subset(Array.from({ length: 4000 }, (_, i) => i));
const variants = [
  { label: 'no pauses (Infinity)', yieldEveryMs: Infinity },
  { label: 'default (every 50 ms)', yieldEveryMs: undefined },
  { label: 'every step (0 ms)', yieldEveryMs: 0 },
] as const;

async function trainOnce(yieldEveryMs: number | undefined): Promise<number> {
  const model = createMlp({ inputShape: train.inputShape, numClasses: train.numClasses, hidden: [32], seed: 1 });
  const started = performance.now();
  await new DistillationTrainer().train({
    model,
    objective: supervisedObjective(),
    data: { labelled },
    options: { epochs: 2, batchSize: 64, learningRate: 1e-3, seed: 1, ...(yieldEveryMs === undefined ? {} : { yieldEveryMs }) },
  });
  const ms = performance.now() - started;
  model.dispose();
  return ms;
}

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
const times = variants.map(() => [] as number[]);
await trainOnce(Infinity); // warm-up: compiled kernels, first allocations
for (let round = 0; round < ROUNDS; round++) {
  for (const [i, v] of variants.entries()) times[i]!.push(await trainOnce(v.yieldEveryMs));
}
console.log(`bench/trainer-yield: MLP 784-32-10, 4,000 examples, batch 64, 2 epochs (126 steps), backend ${backend.name}, median of ${ROUNDS} rounds\n`);
const base = median(times[0]!);
for (const [i, v] of variants.entries()) {
  const m = median(times[i]!);
  console.log(`  ${v.label.padEnd(24)} ${m.toFixed(0).padStart(6)} ms   × ${(m / base).toFixed(3)} vs no pauses`);
}
