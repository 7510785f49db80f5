import { DistillationTrainer, evaluateModel, setupBackend, type Dataset, type TeacherLogits } from '@distillery/core';
import { embeddedMnistSplit } from '@distillery/datasets';
import { supervisedObjective } from '@distillery/losses';
import { generateSoftLabels, sweep, type TrialSpecInput } from '@distillery/runner';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createTeacherMlp } from '@distillery/teachers';

/** bench/sweep's sweep: a 3×3 λ×T grid on the embedded MNIST digits, its teacher and logits (shared by bench/distributed). */
export interface BenchSweep {
  readonly train: Dataset;
  readonly test: Dataset;
  readonly logits: TeacherLogits;
  readonly teacherAccuracy: number;
  readonly base: TrialSpecInput;
  readonly grid: { readonly lambda: number[]; readonly temperature: number[] };
}

export async function benchSweep(epochs: number): Promise<BenchSweep> {
  await setupBackend();
  const { train, test } = embeddedMnistSplit();
  const teacher = createTeacherMlp({ inputShape: train.inputShape, numClasses: 10, seed: 1, hidden: [256, 256] });
  await new DistillationTrainer().train({ model: teacher, objective: supervisedObjective(), data: { labelled: train }, options: { epochs: 4, batchSize: 128, learningRate: 1e-3, seed: 1 } });
  const teacherAccuracy = (await evaluateModel(teacher, test)).accuracy;
  const { logits } = await generateSoftLabels({ teacher, dataset: train });
  teacher.dispose();
  const base: TrialSpecInput = {
    data: { labelledFraction: 0.02, validationCount: 500 },
    student: { plugin: 'mlp', options: { hidden: [32] }, train: { epochs, batchSize: 64, learningRate: 1e-3 } },
    distillation: { lambda: 1, temperature: 4 },
  };
  return { train, test, logits, teacherAccuracy, base, grid: { lambda: [0.25, 0.5, 1], temperature: [2, 4, 8] } };
}

/**
 * One side of a machine-ceiling measurement (bench/sweep's threads, bench/distributed's
 * processes): set up now, then `run()` times the sweep's 9 trials of one seed in this thread, no
 * pool and no executor, in a folder of its own that it removes.
 */
export async function prepareCeilingRun(epochs: number, seed: number): Promise<{ run: () => Promise<number> }> {
  const { train, test, logits, base, grid } = await benchSweep(epochs);
  const folder = await mkdtemp(join(tmpdir(), 'distillery-bench-ceiling-'));
  return {
    run: async () => {
      const started = performance.now();
      await sweep({ directory: folder, base, grid, seeds: [seed], train, test, teacher: { logits }, workers: 0 });
      const elapsed = performance.now() - started;
      await rm(folder, { recursive: true, force: true });
      return elapsed;
    },
  };
}
