/**
 * bench/pruning — does ASHA find what a full random search finds, for less training?
 *
 * Fashion-MNIST at 1% labels: one teacher, one random search of SAMPLES (default 27) trials over
 * λ, T, the learning rate and DKD's β, run twice side by side on the same trials — in full, and
 * with the `asha` pruner (rungs at 1, 3, 9 and 27 epochs; the top third go on). Prints each search's
 * validation-chosen best, its test accuracy, and the student-epochs each spent.
 *
 *   apt-get install -y dataset-fashion-mnist     # once
 *   pnpm bench:pruning                           # TRAIN=12000 TEST=2000 SAMPLES=27 EPOCHS=27 SEARCH_SEED=1 by default
 *
 * Folders land in runs/pruning/ (OUT=… to change); both sweeps resume when run again.
 */
import { evaluateModel, setupBackend, type Dataset, type Model } from '@distillery/core';
import { FASHION_MNIST_DIR, loadMnistFamily } from '@distillery/datasets';
import { AshaPruner, RunnerPool, createBuiltinRegistry, generateSoftLabels, obtainTeacher, splitRun, sweep, type SweepResult, type TrialRecord, type TrialSpecInput } from '@distillery/runner';
import { createTeacherMlp } from '@distillery/teachers';
import { availableParallelism } from 'node:os';
import { join, resolve } from 'node:path';

const env = (key: string, fallback: number) => Number(process.env[key] ?? fallback);
const TRAIN = env('TRAIN', 12_000);
const TEST = env('TEST', 2_000);
const SAMPLES = env('SAMPLES', 27);
const EPOCHS = env('EPOCHS', 27);
const SEARCH_SEED = env('SEARCH_SEED', 1);
const VALIDATION = env('VALIDATION', 1_000);
const workers = env('WORKERS', availableParallelism());
const out = resolve(process.env['OUT'] ?? join('runs', 'pruning'));
const log = (line: string) => process.stderr.write(`${line}\n`);

const backend = await setupBackend();
const first = (d: Dataset, n: number) => d.subset(Array.from({ length: Math.min(n, d.size) }, (_, i) => i), `${d.name}[0:${n}]`);
const train = first(await loadMnistFamily(FASHION_MNIST_DIR, 'train', 'fashion-mnist'), TRAIN);
const test = first(await loadMnistFamily(FASHION_MNIST_DIR, 'test', 'fashion-mnist'), TEST);
log(`fashion-mnist: ${train.size} train (1% labelled, ${VALIDATION} validation) / ${test.size} test · ${SAMPLES} trials × ${EPOCHS} epochs · ${workers} workers · ${backend.name}`);

const pool = new RunnerPool({ workers, backend: backend.name });
try {
  const teacher = await trainTeacher();
  log(`teacher: test accuracy ${pct((await evaluateModel(teacher, test)).accuracy)}`);
  const soft = await generateSoftLabels({ teacher, dataset: train, pool, cache: join(out, 'logit-cache') });
  teacher.dispose();

  const base: TrialSpecInput = {
    data: { labelledFraction: 0.01, validationCount: VALIDATION },
    student: { plugin: 'mlp', options: { hidden: [64] }, train: { epochs: EPOCHS, batchSize: 64, transferBatchSize: 256, learningRate: 2e-3 } },
    distillation: { loss: 'dkd', lambda: 1, temperature: 4 },
  };
  const space = {
    'distillation.lambda': { uniform: [0.2, 1] },
    'distillation.temperature': { uniform: [1, 8] },
    'student.train.learningRate': { logUniform: [3e-4, 1e-2] },
    'distillation.options.beta': { uniform: [1, 8] },
  } as const;
  const common = { base, grid: space, seeds: [1], search: { kind: 'random', samples: SAMPLES, seed: SEARCH_SEED }, train, test, teacher: { logits: soft.logits }, pool } as const;
  const timed = async (name: string, run: () => Promise<SweepResult>) => {
    const started = performance.now();
    const result = await run();
    log(`${name}: ${((performance.now() - started) / 1000).toFixed(1)} s, ${JSON.stringify(result.statuses)}`);
    return result;
  };
  const full = await timed('full', () => sweep({ ...common, directory: join(out, 'full') }));
  const asha = await timed('asha', () => sweep({ ...common, directory: join(out, 'asha'), pruner: { kind: 'asha' } }));

  const row = (name: string, r: SweepResult) => {
    const best = r.summary.best!;
    return `| ${name} | ${fmt(best.params)} | ${pct(best.validationAccuracy!.mean)} | ${pct(best.bestEpochAccuracy.mean)} | ${studentEpochs(r.records)} |`;
  };
  const fullEpochs = studentEpochs(full.records);
  const ashaEpochs = studentEpochs(asha.records);
  const gap = 100 * (full.summary.best!.bestEpochAccuracy.mean - asha.summary.best!.bestEpochAccuracy.mean);
  process.stdout.write(
    [
      '',
      `| search | validation-chosen best | validation acc | test acc | student-epochs |`,
      '| --- | --- | --- | --- | --- |',
      row(`full (${SAMPLES} trials)`, full),
      row(`asha (${asha.statuses.pruned} pruned)`, asha),
      '',
      `asha / full student-epochs: ${(ashaEpochs / fullEpochs).toFixed(3)} (${ashaEpochs} / ${fullEpochs}); test accuracy of the chosen best: full − asha = ${gap.toFixed(2)} points`,
      `asha's rungs (trials that reached each, and went on past it): ${rungCounts(asha.records)}`,
      '',
    ].join('\n'),
  );
} finally {
  await pool.destroy();
}

/** For each of ASHA's rungs (1, 3, 9, … below the last epoch): how many trials reached it and how many trained past it. */
function rungCounts(records: readonly TrialRecord[]): string {
  const trained = records.map((r) => (r.status === 'ok' ? r.epochs.length : r.status === 'pruned' || r.status === 'timed-out' ? r.stoppedAtEpoch : 0));
  const rungs = new AshaPruner({ maxEpochs: EPOCHS }).rungs.filter((r) => r < EPOCHS).reverse();
  return rungs.map((r) => `epoch ${r}: ${trained.filter((n) => n >= r).length} → ${trained.filter((n) => n > r).length}`).join(' · ');
}

/** Epochs each trial trained: all of them for a finished trial, up to its rung for a pruned one. */
function studentEpochs(records: readonly TrialRecord[]): number {
  return records.reduce((n, r) => n + (r.status === 'ok' ? r.epochs.length : r.status === 'pruned' || r.status === 'timed-out' ? r.stoppedAtEpoch : 0), 0);
}

/** A 256-unit MLP teacher on every training label outside validation, saved in runs/pruning/teacher and reused. */
async function trainTeacher(): Promise<Model> {
  const split = splitRun(train, { labelledFraction: 1, validationCount: VALIDATION }, 1);
  const { model } = await obtainTeacher({
    source: {
      create: (seed) => createTeacherMlp({ inputShape: train.inputShape, numClasses: train.numClasses, seed, hidden: [256], dropout: 0.2, inputDropout: 0 }),
      train: { epochs: 4, batchSize: 128, learningRate: 1e-3 },
    },
    trainOn: split.transfer,
    shape: { inputShape: train.inputShape, numClasses: train.numClasses },
    seed: 1,
    registry: createBuiltinRegistry(),
    folder: join(out, 'teacher'),
    onEpoch: (e) => log(`  [teacher] epoch ${e.epoch + 1}/${e.epochs} ce ${e.losses['ce']!.toFixed(4)}`),
  });
  return model;
}

function pct(x: number): string {
  return `${(100 * x).toFixed(2)}%`;
}

function fmt(params: Readonly<Record<string, unknown>>): string {
  return Object.entries(params)
    .map(([k, v]) => `${k.split('.').pop()} ${typeof v === 'number' ? Number(v.toPrecision(3)) : String(v)}`)
    .join(', ');
}
