/**
 * bench/feature-distillation — does matching the teacher's insides help a small student when
 * labels are few? A CNN teacher → small CNN student on Fashion-MNIST at 1% and 10% labels:
 * logit `kd` alone vs `kd` + `at` vs `kd` + `at` + `hint`, 3 seeds, teacher online for all three
 * (the same teacher pass feeds kd and the feature terms, so only the objective differs).
 *
 *   apt-get install -y dataset-fashion-mnist     # once
 *   pnpm tsx bench/feature-distillation/run.ts   # defaults below; resumable (results.jsonl)
 *
 * Feature weights are chosen on the validation split (never the test set) with the first seed,
 * per label fraction: at ∈ AT_WEIGHTS, then hint ∈ HINT_WEIGHTS on top of the chosen at; the chosen
 * setting then runs on the other seeds. CNN training is slow on wasm, so the defaults are a subset
 * of Fashion-MNIST (LIMIT_TRAIN / LIMIT_TEST) and a few epochs; every size is an env variable.
 */
import { DistillationTrainer, evaluateModel, loadModel, setupBackend, splitIndices, type Dataset, type Model, type ObjectiveTerm } from '@distillery/core';
import { FASHION_MNIST_DIR, loadMnistFamily } from '@distillery/datasets';
import { crossEntropyLoss, featureTerm, kdLoss, lossTerm, supervisedObjective } from '@distillery/losses';
import { meanStd } from '@distillery/runner';
import { createCnn } from '@distillery/students';
import { createTeacherCnn } from '@distillery/teachers';
import { access, appendFile, mkdir, readFile, writeFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';

const env = (name: string, fallback: string) => process.env[name] ?? fallback;
const numbers = (name: string, fallback: string) => env(name, fallback).split(',').map(Number);
const settings = {
  limitTrain: Number(env('LIMIT_TRAIN', '8000')),
  limitTest: Number(env('LIMIT_TEST', '2000')),
  validation: Number(env('VALIDATION', '1000')),
  teacherEpochs: Number(env('TEACHER_EPOCHS', '5')),
  epochs: Number(env('EPOCHS', '3')),
  seeds: numbers('SEEDS', '1,2,3'),
  fractions: numbers('FRACTIONS', '0.01,0.1'),
  atWeights: numbers('AT_WEIGHTS', '250,1000'),
  hintWeights: numbers('HINT_WEIGHTS', '0.05,0.5'),
  lambda: 1,
  temperature: 4,
  batchSize: 32,
  transferBatchSize: 64,
  learningRate: 3e-3,
};
const out = resolve(env('OUT', 'runs/feature-distillation'));
const log = (line: string) => process.stderr.write(`${line}\n`);
const pct = (x: number) => `${(100 * x).toFixed(2)}%`;

interface Result {
  readonly fraction: number;
  readonly method: string;
  readonly at: number;
  readonly hint: number;
  readonly seed: number;
  readonly validation: number;
  readonly test: number;
  readonly seconds: number;
}

const started = performance.now();
const backend = await setupBackend();
await mkdir(out, { recursive: true });
const first = (d: Dataset, n: number, name: string) => d.subset(Array.from({ length: Math.min(n, d.size) }, (_, i) => i), name);
const train = first(await loadMnistFamily(FASHION_MNIST_DIR, 'train', 'fashion-mnist'), settings.limitTrain, `fashion-mnist[0:${settings.limitTrain}]`);
const test = first(await loadMnistFamily(FASHION_MNIST_DIR, 'test', 'fashion-mnist'), settings.limitTest, `fashion-mnist-test[0:${settings.limitTest}]`);
log(`fashion-mnist: ${train.size} train (${settings.validation} of them validation) / ${test.size} test; backend ${backend.name}; ${JSON.stringify(settings)}`);

const teacher = await obtainTeacher();
log(`teacher ${teacher.name} (${teacher.countParams().toLocaleString('en-US')} params): test ${pct((await evaluateModel(teacher, test)).accuracy)}`);

const resultsFile = join(out, 'results.jsonl');
const done: Result[] = await readFile(resultsFile, 'utf8').then(
  (text) => text.split('\n').filter((l) => l !== '').map((l) => JSON.parse(l) as Result),
  () => [],
);

const rows: string[] = [];
for (const fraction of settings.fractions) {
  const [seed1, ...others] = settings.seeds as [number, ...number[]];
  const kd: Result[] = [];
  for (const seed of settings.seeds) kd.push(await run(fraction, 'kd', 0, 0, seed));
  // at's weight, then hint's on top of it, chosen on validation accuracy with the first seed.
  const atTrials = [];
  for (const w of settings.atWeights) atTrials.push(await run(fraction, 'kd+at', w, 0, seed1));
  const at = bestOf(atTrials);
  const hintTrials = [];
  for (const w of settings.hintWeights) hintTrials.push(await run(fraction, 'kd+at+hint', at.at, w, seed1));
  const hint = bestOf(hintTrials);
  const atRuns = [at];
  const hintRuns = [hint];
  for (const seed of others) {
    atRuns.push(await run(fraction, 'kd+at', at.at, 0, seed));
    hintRuns.push(await run(fraction, 'kd+at+hint', hint.at, hint.hint, seed));
  }
  for (const [name, runs] of [['kd', kd], [`kd + at (w ${at.at})`, atRuns], [`kd + at (w ${hint.at}) + hint (w ${hint.hint})`, hintRuns]] as const) {
    const v = meanStd(runs.map((r) => r.validation));
    const t = meanStd(runs.map((r) => r.test));
    rows.push(`| ${100 * fraction}% | ${name} | ${pct(v.mean)} ± ${(100 * v.std).toFixed(2)} | ${pct(t.mean)} ± ${(100 * t.std).toFixed(2)} | ${runs.map((r) => pct(r.test)).join(', ')} |`);
  }
}
const table = [
  `Fashion-MNIST (first ${train.size} train / ${test.size} test images), teacher ${teacher.name} online, student cnn-4-8 (dense 32), ${settings.epochs} epochs, seeds ${settings.seeds.join(', ')}, backend ${backend.name}`,
  '',
  '| labels | objective | validation | test (mean ± std) | test per seed |',
  '| --- | --- | --- | --- | --- |',
  ...rows,
  '',
  `${((performance.now() - started) / 60000).toFixed(1)} min in all`,
].join('\n');
await writeFile(join(out, 'results.md'), `${table}\n`);
process.stdout.write(`${table}\n`);
teacher.dispose();

function bestOf(results: Result[]): Result {
  return results.reduce((best, r) => (r.validation > best.validation ? r : best));
}

/** One student trained with one objective (or the record of it from an earlier, interrupted run). */
async function run(fraction: number, method: string, at: number, hint: number, seed: number): Promise<Result> {
  const known = done.find((r) => r.fraction === fraction && r.method === method && r.at === at && r.hint === hint && r.seed === seed);
  if (known !== undefined) return known;
  const runStarted = performance.now();
  const parts = splitIndices(train, { seed, labelledFraction: fraction, validationCount: settings.validation });
  const labelled = train.subset(parts.labelled, 'labelled');
  const transfer = train.subset(parts.transfer, 'transfer');
  const validation = train.subset(parts.validation, 'validation');
  const terms: ObjectiveTerm[] = [lossTerm(crossEntropyLoss()), lossTerm(kdLoss({ temperature: settings.temperature }), settings.lambda)];
  if (at > 0) terms.push(featureTerm({ student: 'conv2d_2', teacher: 'conv2d_2', loss: 'at', weight: at }));
  if (hint > 0) terms.push(featureTerm({ student: 'dense_1', teacher: 'dense_1', loss: 'hint', adapter: 'dense', weight: hint }));
  const student = createCnn({ inputShape: train.inputShape, numClasses: train.numClasses, filters: [4, 8], dense: [32], seed });
  await new DistillationTrainer().train({
    model: student,
    objective: { terms },
    data: { labelled, transfer: { dataset: transfer, teacher } },
    options: { epochs: settings.epochs, batchSize: settings.batchSize, transferBatchSize: settings.transferBatchSize, learningRate: settings.learningRate, seed },
  });
  const result: Result = {
    fraction,
    method,
    at,
    hint,
    seed,
    validation: (await evaluateModel(student, validation)).accuracy,
    test: (await evaluateModel(student, test)).accuracy,
    seconds: (performance.now() - runStarted) / 1000,
  };
  student.dispose();
  await appendFile(resultsFile, `${JSON.stringify(result)}\n`);
  log(`  ${100 * fraction}% ${method} at ${at} hint ${hint} seed ${seed}: val ${pct(result.validation)} test ${pct(result.test)} (${result.seconds.toFixed(0)}s)`);
  return result;
}

/** Trained once on every training label outside the first seed's validation split, then reused. */
async function obtainTeacher(): Promise<Model> {
  const dir = join(out, 'teacher');
  if (await access(join(dir, 'model.json')).then(() => true, () => false)) return loadModel(dir);
  const parts = splitIndices(train, { seed: settings.seeds[0]!, labelledFraction: 1, validationCount: settings.validation });
  const model = createTeacherCnn({ inputShape: train.inputShape, numClasses: train.numClasses, filters: [16, 32], dense: [64], seed: 1 });
  const trainer = new DistillationTrainer();
  trainer.events.on('epoch:end', (e) => log(`  [teacher] epoch ${e.epoch + 1}/${e.epochs} ce ${e.losses['ce']!.toFixed(4)} (${(e.elapsedMs / 1000).toFixed(0)}s)`));
  await trainer.train({ model, objective: supervisedObjective(), data: { labelled: train.subset(parts.transfer) }, options: { epochs: settings.teacherEpochs, batchSize: 64, learningRate: 2e-3, seed: 1 } });
  await model.save(dir);
  return model;
}
