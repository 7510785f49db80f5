/**
 * A λ × T sweep over all cores: the teacher's logits are computed once (sharded over the
 * workers, cached on disk), then every trial runs in the worker pool and is appended to
 * runs/example-sweep/trials.jsonl as it finishes. Stop it (Ctrl-C) and run it again: it resumes.
 *
 *   pnpm tsx examples/parallel-sweep.ts
 */
import { DistillationTrainer, setupBackend } from '@distillery/core';
import { embeddedMnistSplit } from '@distillery/datasets';
import { supervisedObjective } from '@distillery/losses';
import { RunnerPool, formatSweepTable, generateSoftLabels, sweep } from '@distillery/runner';
import { createTeacherMlp } from '@distillery/teachers';

await setupBackend();
const { train, test } = embeddedMnistSplit();
const pool = new RunnerPool(); // one worker per core, reused by every call below

const teacher = createTeacherMlp({ inputShape: train.inputShape, numClasses: 10, seed: 1, hidden: [512, 512] });
await new DistillationTrainer().train({
  model: teacher,
  objective: supervisedObjective(),
  data: { labelled: train },
  options: { epochs: 8, batchSize: 128, learningRate: 1e-3, seed: 1 },
});

// Raw logits, sharded over the pool and cached: a second run of this script skips the teacher.
const soft = await generateSoftLabels({
  teacher,
  dataset: train,
  pool,
  cache: 'runs/logit-cache',
  onProgress: (p) => process.stderr.write(`\rsoft labels ${p.done}/${p.total}`),
});
console.error(`\nsoft labels: cache ${soft.cache}, ${soft.teacherPasses} teacher pass(es)`);

const controller = new AbortController();
process.once('SIGINT', () => controller.abort()); // finish running trials, keep the folder resumable

const result = await sweep({
  directory: 'runs/example-sweep',
  // The run spec's sections a trial needs; grid keys are paths into it (`lambda` = `distillation.lambda`).
  base: {
    data: { labelledFraction: 0.02, validationCount: 500 }, // chosen on validation, never on test
    student: { plugin: 'mlp', options: { hidden: [32] }, train: { epochs: 6, batchSize: 64, learningRate: 1e-3 } },
    distillation: { lambda: 1, temperature: 4 },
  },
  grid: { lambda: [0, 0.5, 1], temperature: [2, 4, 8] },
  seeds: [1, 2],
  train,
  test,
  teacher: { logits: soft.logits },
  pool,
  signal: controller.signal,
  onProgress: (e) => e.type === 'trial:end' && console.error(`trial ${e.finished}/${e.total} ${e.record.status}`),
});

console.log(formatSweepTable(result.summary));
await pool.destroy();
teacher.dispose();
