import { DistillationTrainer, serializeModel, setupBackend, shareDataset, tf, type Dataset, type Model, type TeacherLogits } from '@distillery/core';
import { embeddedMnistSplit } from '@distillery/datasets';
import { supervisedObjective } from '@distillery/losses';
import { createMlp } from '@distillery/students';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createPluginRegistry } from '../src/builtin-registry.js';
import { RunnerPool, distill, generateSoftLabels, studentFactory, sweep, type TrialSpecInput } from '../src/index.js';
import { featureOptionsOf } from '../src/run/feature-terms.js';
import { parseWith, trainingSettings, trialSpecSchema } from '../src/spec/run-spec.js';
import { runTrial } from '../src/trial/run-trial.js';

/** MLP teacher (hidden 16) → MLP student (hidden 8) with a hint between their dense_1 through a dense adapter: the cheapest feature term. */
const HINT = { student: 'dense_1', teacher: 'dense_1', loss: 'hint', adapter: 'dense' as const, weight: 0.5 };
const base: TrialSpecInput = {
  data: { labelledCount: 30, validationCount: 60 },
  student: { plugin: 'mlp', options: { hidden: [8] }, train: { epochs: 2, batchSize: 16, transferBatchSize: 64, learningRate: 3e-3 } },
  distillation: { lambda: 1, temperature: 4, features: [HINT] },
};
const HINT_TERM = 'hint(dense_1→dense_1)';

let dir = '';
let train: Dataset;
let test: Dataset;
let teacher: Model;
let logits: TeacherLogits;

beforeAll(async () => {
  await setupBackend();
  dir = await mkdtemp(join(tmpdir(), 'distillery-sweep-features-'));
  const split = embeddedMnistSplit();
  train = split.train.subset(Array.from({ length: 400 }, (_, i) => i), 'mnist-400');
  test = split.test.subset(Array.from({ length: 100 }, (_, i) => i), 'mnist-100');
  teacher = createMlp({ inputShape: [28, 28, 1], numClasses: 10, hidden: [16], seed: 1, name: 'teacher' });
  await new DistillationTrainer().train({ model: teacher, objective: supervisedObjective(), data: { labelled: train }, options: { epochs: 1, batchSize: 32, learningRate: 3e-3, seed: 1 } });
  logits = (await generateSoftLabels({ teacher, dataset: train })).logits;
}, 120_000);
afterAll(async () => {
  teacher?.dispose();
  await rm(dir, { recursive: true, force: true });
});

describe('a sweep trial with feature terms', () => {
  it('runs the teacher online and gives the numbers distill() gives for the same spec and seed', async () => {
    const registry = await createPluginRegistry();
    const spec = parseWith(trialSpecSchema, base, 'test spec');
    const seed = 3;
    const { histories, report, studentAlone, studentKd } = await distill({
      train,
      test,
      teacher: { model: teacher },
      student: { create: studentFactory(spec.student, registry, train), train: trainingSettings(spec.student.train) },
      labelledCount: 30,
      validationCount: 60,
      lambda: 1,
      temperature: 4,
      features: featureOptionsOf(spec.distillation.features),
      seed,
      registry,
    });
    studentAlone.dispose();
    studentKd.dispose();
    const before = tf.memory().numTensors;
    // Logits of NaN: a trial with feature terms must not read them (the online teacher gives its logits).
    const nan = new Float32Array(new SharedArrayBuffer(train.size * 10 * 4)).fill(NaN);
    const payload = await serializeModel(teacher);
    const trial = await runTrial({ id: 't', params: {}, seed, spec, train: shareDataset(train), test: shareDataset(test), teacherLogits: nan, teacher: payload }, registry);
    expect(tf.memory().numTensors).toBe(before);
    const kd = histories['student-kd']!;
    expect(trial.epochs.map((e) => e.losses)).toEqual(kd.map((e) => e.losses));
    expect(Object.keys(trial.last.losses)).toEqual(['ce', 'kd', HINT_TERM]);
    expect(trial.epochs.map((e) => e.validationAccuracy)).toEqual(kd.map((e) => e.validation?.accuracy));
    expect(trial.last.testAccuracy).toBe(report.studentKd.accuracy);
  }, 120_000);

  it('without the teacher in its task, fails with what to do', async () => {
    const registry = await createPluginRegistry();
    const spec = parseWith(trialSpecSchema, base, 'test spec');
    const task = { id: 't', params: {}, seed: 1, spec, train: shareDataset(train), test: shareDataset(test), teacherLogits: new Float32Array(train.size * 10) };
    await expect(runTrial(task, registry)).rejects.toThrow(/distillation\.features: this trial has feature terms, which run the teacher online, but its task carries no teacher/);
  });
});

describe('a sweep over feature terms', () => {
  it('varies a feature weight and a layer pair as grid keys: the pool (2 workers) gives this thread’s numbers, and the weights differ', async () => {
    const grid = { 'distillation.features.0.weight': [0.05, 5], 'distillation.features.0.teacher': ['dense_1', 'dense_2'] };
    const common = { base, grid, seeds: [1], train, test, teacher: { logits, model: teacher } };
    const pool = new RunnerPool({ workers: 2 });
    try {
      const inPool = await sweep({ ...common, directory: join(dir, 'pool'), pool });
      const here = await sweep({ ...common, directory: join(dir, 'here'), workers: 0 });
      expect(inPool.ran).toBe(4);
      expect(inPool.failed).toBe(0);
      const strip = (r: (typeof here.records)[number]) => (r.status === 'ok' ? { id: r.id, params: r.params, epochs: r.epochs } : r);
      expect(inPool.records.map(strip)).toEqual(here.records.map(strip));
      const hint = (weight: number, layer: string) => {
        const r = inPool.records.find((t) => t.params['distillation.features.0.weight'] === weight && t.params['distillation.features.0.teacher'] === layer)!;
        expect(r.status).toBe('ok');
        return r.epochs!.map((e) => e.losses[`hint(dense_1→${layer})`]!);
      };
      // The term's own loss is named by its layers; a weight 100× larger pulls the student's layer much closer to the teacher's.
      expect(hint(5, 'dense_1').at(-1)!).toBeLessThan(hint(0.05, 'dense_1').at(-1)!);
      expect(hint(5, 'dense_2').every(Number.isFinite)).toBe(true);
      expect(inPool.summary.best).toBeDefined();
    } finally {
      await pool.destroy();
    }
  }, 240_000);

  it('the whole list as a grid key compares with and without feature terms; the trial without them trains on the cached logits as before', async () => {
    const grid = { 'distillation.features': [[], [HINT]] };
    const mixed = await sweep({ base, grid, seeds: [2], train, test, teacher: { logits, model: teacher }, directory: join(dir, 'mixed'), workers: 0 });
    const plainBase = { ...base, distillation: { lambda: 1, temperature: 4 } };
    const plain = await sweep({ base: plainBase, grid: { lambda: [1] }, seeds: [2], train, test, teacher: { logits }, directory: join(dir, 'plain'), workers: 0 });
    const without = mixed.records.find((r) => (r.params['distillation.features'] as unknown[]).length === 0)!;
    const withHint = mixed.records.find((r) => (r.params['distillation.features'] as unknown[]).length === 1)!;
    expect(without.epochs).toEqual(plain.records[0]!.epochs);
    expect(Object.keys(withHint.epochs![0]!.losses)).toEqual(['ce', 'kd', HINT_TERM]);
    expect(mixed.summary.combinations).toHaveLength(2);
  }, 120_000);

  it('checks feature grid keys before anything runs: an index the base lacks, a misspelt field, a layer the teacher lacks', async () => {
    const run = (grid: Record<string, unknown[]>, teacherOption: { logits: TeacherLogits; model?: Model } = { logits, model: teacher }) =>
      sweep({ directory: join(dir, 'bad'), base, grid, seeds: [1], train, test, teacher: teacherOption, workers: 0 });
    await expect(run({ 'distillation.features.1.weight': [1, 2] })).rejects.toThrow(
      "sweep.grid.distillation.features.1.weight: distillation.features.1 is not in the sweep's base: distillation.features has one (index 0)",
    );
    await expect(run({ 'distillation.features.0.wieght': [1, 2] })).rejects.toThrow(
      'sweep.grid.distillation.features.0.wieght: distillation.features.0.wieght is not a path into the run spec (did you mean distillation.features.0.weight?)',
    );
    await expect(run({ 'distillation.features.first.weight': [1] })).rejects.toThrow(
      'sweep.grid.distillation.features.first.weight: distillation.features is a list: the segment after it is an index (0, 1, …), got "first"',
    );
    await expect(run({ 'distillation.features.0.teacher': ['dense_1', 'dense_9'] })).rejects.toThrow(
      /sweep\.grid: the trial \{"distillation\.features\.0\.teacher":"dense_9"\}: distillation\.features: feature term hint\(dense_1→dense_9\): teacher teacher has no layer "dense_9"/,
    );
    await expect(run({ 'distillation.features.0.weight': [1] }, { logits })).rejects.toThrow(
      'sweep: trials with feature terms (distillation.features) run the teacher online, and this sweep was given only its logits',
    );
  });
});
