import { fileURLToPath } from 'node:url';
import { evaluateModel, setupBackend, type Dataset, type TeacherLogits } from '@distillery/core';
import { embeddedMnistSplit } from '@distillery/datasets';
import { createMlp } from '@distillery/students';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { RemoteTrainer, RunnerPool, SweepResultsStore, generateSoftLabels, sweep, type TrialSpecInput } from '../src/index.js';

let dir = '';
let pool: RunnerPool;
let train: Dataset;
let test: Dataset;
let teacherLogits: TeacherLogits;

const base: TrialSpecInput = {
  data: { labelledCount: 30, validationCount: 60 },
  student: { plugin: 'mlp', options: { hidden: [8] }, train: { epochs: 2, batchSize: 16, transferBatchSize: 64, learningRate: 3e-3 } },
  distillation: { lambda: 1, temperature: 4 },
};

beforeAll(async () => {
  await setupBackend();
  dir = await mkdtemp(join(tmpdir(), 'distillery-sweep-'));
  pool = new RunnerPool({ workers: 2 });
  const split = embeddedMnistSplit();
  train = split.train.subset(Array.from({ length: 600 }, (_, i) => i), 'mnist-600');
  test = split.test.subset(Array.from({ length: 200 }, (_, i) => i), 'mnist-200');
  const teacher = createMlp({ inputShape: [28, 28, 1], numClasses: 10, hidden: [16], seed: 1 });
  teacherLogits = (await generateSoftLabels({ teacher, dataset: train })).logits;
  teacher.dispose();
});
afterAll(async () => {
  await pool.destroy();
  await rm(dir, { recursive: true, force: true });
});

const here = fileURLToPath(new URL('.', import.meta.url));
/** A sweep whose loss (a test plugin, named by a relative path) fails at temperature 4. */
const pickySweep = () => ({
  base: { ...base, distillation: { ...base.distillation, loss: 'picky' } },
  grid: { temperature: [2, 4] },
  seeds: [1],
  train,
  test,
  teacher: { logits: teacherLogits },
  plugins: ['./fixtures/picky-loss.ts'],
  baseDir: here,
});
const lines = async (folder: string) => (await readFile(join(folder, 'trials.jsonl'), 'utf8')).split('\n').filter((l) => l !== '');

describe('sweep', () => {
  it('runs every combination × seed in the pool, appends each trial, and summarises per combination', async () => {
    const folder = join(dir, 'grid');
    const result = await sweep({ directory: folder, base, grid: { lambda: [0, 1], temperature: [2, 4] }, seeds: [1, 2], train, test, teacher: { logits: teacherLogits }, pool });
    // λ = 0 is the student alone: T cannot change it, so it runs once per seed, not once per T.
    expect(result.ran).toBe(6);
    expect(result.failed).toBe(0);
    expect(await lines(folder)).toHaveLength(6);
    expect(result.summary.combinations.map((c) => c.params)).toEqual([{ lambda: 0 }, { lambda: 1, temperature: 2 }, { lambda: 1, temperature: 4 }]);
    for (const c of result.summary.combinations) {
      expect(c.seeds).toBe(2);
      expect(c.bestEpochAccuracy.mean).toBeGreaterThan(0);
      expect(c.validationAccuracy).toBeDefined();
    }
    expect(result.summary.selectedOn).toBe('validation');
    const best = result.summary.best!;
    const bestValidation = Math.max(...result.summary.combinations.map((c) => c.validationAccuracy!.mean));
    expect(best.validationAccuracy!.mean).toBe(bestValidation);
    expect(await readFile(join(folder, 'results.md'), 'utf8')).toContain('| lambda | temperature | seeds |');
  });

  it('gives the same numbers serially in this thread as in the worker pool', async () => {
    const grid = { lambda: [0.5] };
    const parallel = await sweep({ directory: join(dir, 'par'), base, grid, seeds: [3], train, test, teacher: { logits: teacherLogits }, pool });
    const serial = await sweep({ directory: join(dir, 'ser'), base, grid, seeds: [3], train, test, teacher: { logits: teacherLogits }, workers: 0 });
    const strip = (r: (typeof serial.records)[number]) => (r.status === 'ok' ? r.epochs : r);
    expect(serial.records.map(strip)).toEqual(parallel.records.map(strip));
  });

  it('resumes a killed sweep: finished trials are skipped, none is lost or run twice', async () => {
    const folder = join(dir, 'resume');
    const options = { directory: folder, base, grid: { temperature: [1, 2, 4] }, seeds: [1, 2], train, test, teacher: { logits: teacherLogits }, pool } as const;
    const controller = new AbortController();
    let finishedBeforeStop = 0;
    await expect(
      sweep({
        ...options,
        signal: controller.signal,
        onProgress: (e) => {
          if (e.type === 'trial:end') {
            finishedBeforeStop = e.finished;
            controller.abort();
          }
        },
      }),
    ).rejects.toMatchObject({ code: 'E_ABORTED', message: expect.stringContaining('run it again to finish') });
    const afterKill = await lines(folder);
    expect(afterKill.length).toBeGreaterThanOrEqual(finishedBeforeStop);
    expect(afterKill.length).toBeLessThan(6);
    // A crash in the middle of a write leaves half a line: it must not break the resume.
    await writeFile(join(folder, 'trials.jsonl'), `${afterKill.join('\n')}\n{"id":"half`);
    const resumed = await sweep(options);
    expect(resumed.skipped).toBe(afterKill.length);
    expect(resumed.ran).toBe(6 - afterKill.length);
    const { records, unreadableLines } = await new SweepResultsStore(folder).read();
    expect(unreadableLines).toBe(1);
    expect(records.size).toBe(6);
    const ids = (await lines(folder)).filter((l) => l.startsWith('{"id":"') && l.endsWith('}')).map((l) => JSON.parse(l).id as string);
    expect(new Set(ids).size).toBe(ids.length);
  });

  it('refuses a grid value a plugin rejects before any trial runs, naming the trial', async () => {
    const folder = join(dir, 'bad-value');
    await expect(
      sweep({ directory: folder, base, grid: { 'student.options.hidden': [[8], [-3]] }, seeds: [1], train, test, teacher: { logits: teacherLogits }, pool }),
    ).rejects.toThrow('sweep.grid: the trial {"student.options.hidden":[-3]}: student.options: mlp.hidden[0]: expected a positive integer, got -3');
    await expect(readFile(join(folder, 'sweep.json'))).rejects.toThrow(/ENOENT/);
  });

  it('refuses a grid key that is not a path into the run spec, with the closest valid one', async () => {
    const run = (key: string) => sweep({ directory: join(dir, 'bad-key'), base, grid: { [key]: [[8]] }, seeds: [1], train, test, teacher: { logits: teacherLogits }, workers: 0 });
    await expect(run('student.optoins.hidden')).rejects.toThrow('sweep.grid.student.optoins.hidden: student.optoins.hidden is not a path into the run spec (did you mean student.options.hidden?)');
    await expect(run('teacher.options.hidden')).rejects.toThrow('teacher.options.hidden cannot vary in a sweep');
  });

  it('records a trial that fails while training with its error and goes on', async () => {
    const result = await sweep({ ...pickySweep(), directory: join(dir, 'failing'), workers: 0 });
    expect(result.failed).toBe(1);
    const failed = result.records.find((r) => r.status === 'failed')!;
    expect(failed.params).toEqual({ temperature: 4 });
    expect(failed.status === 'failed' && failed.error).toMatchObject({ name: 'DistilleryError', code: 'E_CONFIG', message: 'picky: cannot train at temperature 4' });
    expect(result.records.filter((r) => r.status === 'ok')).toHaveLength(1);
  });

  it('refuses plugins that the given pool was not started with, and runs them in a pool that loaded them (named another way)', async () => {
    const options = pickySweep();
    const refused = join(dir, 'pool-without-plugin');
    // The shared pool has no plugins: every trial would fail in it as `unknown loss "picky"`.
    await expect(sweep({ ...options, directory: refused, pool })).rejects.toThrow(
      `sweep plugins: the given pool's workers were not started with "./fixtures/picky-loss.ts" (a RunnerPool's workers load their plugin modules once, at start-up): create the pool with them, new RunnerPool({ plugins: ["./fixtures/picky-loss.ts"] }), or leave out pool and the sweep makes its own`,
    );
    await expect(readFile(join(refused, 'sweep.json'))).rejects.toThrow(/ENOENT/);
    const withPlugin = new RunnerPool({ workers: 1, plugins: [join(here, 'fixtures', 'picky-loss.ts')] });
    try {
      const result = await sweep({ ...options, directory: join(dir, 'pool-with-plugin'), pool: withPlugin });
      expect(result.records.map((r) => [r.params, r.status])).toEqual([
        [{ temperature: 2 }, 'ok'],
        [{ temperature: 4 }, 'failed'],
      ]);
    } finally {
      await withPlugin.destroy();
    }
  });

  it('refuses a workers count that is not one, or that the given pool or executor would override, before the folder is made', async () => {
    const common = { base, grid: { lambda: [1] }, seeds: [1], train, test, teacher: { logits: teacherLogits } };
    const folder = join(dir, 'where-trials-run');
    // -1 ran every trial in this thread; 3 beside a 2-worker pool ran them on 2; beside an executor, on its workers.
    await expect(sweep({ ...common, directory: folder, workers: -1 })).rejects.toThrow('sweep workers: expected 0 (trials one after another in this thread) or a positive integer, got -1');
    await expect(sweep({ ...common, directory: folder, pool, workers: 3 })).rejects.toThrow(
      'sweep workers: the given pool has 2 workers, so workers (3) would be ignored: leave it out, or leave out pool for a pool of 3 made for this call',
    );
    const executor = () => Promise.reject(new Error('not reached'));
    await expect(sweep({ ...common, directory: folder, executor, workers: 0 })).rejects.toThrow(
      "sweep workers: the given executor's own workers do the work, so workers (0) would be ignored: leave it out",
    );
    await expect(readFile(join(folder, 'sweep.json'))).rejects.toThrow(/ENOENT/);
    // The pool's own count, said again, is no conflict.
    expect((await sweep({ ...common, directory: folder, pool, workers: 2 })).ran).toBe(1);
  });

  it('extends a grid sweep in place by more grid values or seeds, keeping its finished trials; taking one out is another sweep', async () => {
    const folder = join(dir, 'extended');
    const common = { directory: folder, base, train, test, teacher: { logits: teacherLogits }, workers: 0 } as const;
    const first = await sweep({ ...common, grid: { lambda: [1], temperature: [2] }, seeds: [1] });
    expect(first.ran).toBe(1);
    // It said "holds a different sweep" and ran nothing.
    const wider = await sweep({ ...common, grid: { lambda: [1, 0.5], temperature: [2] }, seeds: [1, 2] });
    expect([wider.skipped, wider.ran]).toEqual([1, 3]);
    expect(wider.records.find((r) => r.id === first.records[0]!.id)).toEqual(first.records[0]);
    expect(await lines(folder)).toHaveLength(4);
    expect(JSON.parse(await readFile(join(folder, 'sweep.json'), 'utf8'))).toMatchObject({ grid: { lambda: [1, 0.5], temperature: [2] }, seeds: [1, 2] });
    await expect(sweep({ ...common, grid: { lambda: [0.5], temperature: [2] }, seeds: [1, 2] })).rejects.toThrow(
      'holds a different sweep: sweep.grid.lambda is [1,0.5] in the folder, [0.5] now (1 taken out). Its trials belong to those settings: use another folder, or delete it to start over (a sweep is extended in place by more seeds, and a grid search by more values in its grid lists: its finished trials are kept)',
    );
    await expect(sweep({ ...common, grid: { lambda: [1, 0.5], temperature: [2], 'student.train.epochs': [2] }, seeds: [1, 2] })).rejects.toThrow('sweep.grid.student.train.epochs is unset in the folder, [2] now');

    // A random search draws the same combinations for more seeds; more samples are other draws.
    const random = { ...common, directory: join(dir, 'extended-random'), grid: { lambda: { uniform: [0.1, 1] } } } as const;
    const drawn = await sweep({ ...random, seeds: [1], search: { kind: 'random', samples: 2, seed: 5 } });
    const more = await sweep({ ...random, seeds: [1, 2], search: { kind: 'random', samples: 2, seed: 5 } });
    expect([more.skipped, more.ran]).toEqual([2, 2]);
    expect(new Set(more.records.map((r) => JSON.stringify(r.params)))).toEqual(new Set(drawn.records.map((r) => JSON.stringify(r.params))));
    await expect(sweep({ ...random, seeds: [1, 2], search: { kind: 'random', samples: 3, seed: 5 } })).rejects.toThrow('sweep.search.samples is 2 in the folder, 3 now');
  });

  it('refuses a folder that holds another sweep', async () => {
    const folder = join(dir, 'other');
    await sweep({ directory: folder, base, grid: { lambda: [1] }, seeds: [1], train, test, teacher: { logits: teacherLogits }, workers: 0 });
    await expect(sweep({ directory: folder, base, grid: { lambda: [0.5] }, seeds: [1], train, test, teacher: { logits: teacherLogits }, workers: 0 })).rejects.toThrow(
      /holds a different sweep/,
    );
  });
});

describe('RemoteTrainer (comlink)', () => {
  it('trains in a worker, reports epochs back, stops early on request, and hands back the student', async () => {
    const trainer = RemoteTrainer.start();
    try {
      const seen: number[] = [];
      const result = await trainer.train({ spec: { ...base, student: { ...base.student, train: { ...base.student.train, epochs: 6 } } }, seed: 1, train, test, teacherLogits }, (done) => {
        seen.push(done);
        if (done === 2) void trainer.stop();
      });
      expect(seen.length).toBeGreaterThanOrEqual(2);
      expect(seen.length).toBeLessThan(6);
      expect(result.epochs).toHaveLength(seen.length);
      const student = await trainer.trainedModel();
      expect((await evaluateModel(student, test)).accuracy).toBeCloseTo(result.last.testAccuracy, 10);
      student.dispose();
    } finally {
      await trainer.close();
    }
  });
});
