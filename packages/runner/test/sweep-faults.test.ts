import { setupBackend, type Dataset, type TeacherLogits } from '@distillery/core';
import { embeddedMnistSplit } from '@distillery/datasets';
import { createMlp } from '@distillery/students';
import { rmSync } from 'node:fs';
import { mkdtemp, readFile, readdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { RunnerPool, generateSoftLabels, sweep, type SweepProgress, type TrialRecord, type TrialSpecInput } from '../src/index.js';

const FAULT_LOSS = fileURLToPath(new URL('./fixtures/fault-loss.ts', import.meta.url));

let dir = '';
let pool: RunnerPool;
let train: Dataset;
let test: Dataset;
let teacherLogits: TeacherLogits;

const base: TrialSpecInput = {
  data: { labelledCount: 30, validationCount: 60 },
  student: { plugin: 'mlp', options: { hidden: [8] }, train: { epochs: 2, batchSize: 16, transferBatchSize: 64, learningRate: 3e-3 } },
  distillation: { loss: 'fault', options: { mode: 'ok' }, lambda: 1, temperature: 4 },
};

beforeAll(async () => {
  await setupBackend();
  dir = await mkdtemp(join(tmpdir(), 'distillery-sweep-faults-'));
  // A heap limit per worker, so a trial that exhausts memory kills its worker, not this process.
  pool = new RunnerPool({ workers: 2, plugins: [FAULT_LOSS], resourceLimits: { maxOldGenerationSizeMb: 256 } });
  const split = embeddedMnistSplit();
  train = split.train.subset(Array.from({ length: 400 }, (_, i) => i), 'mnist-400');
  test = split.test.subset(Array.from({ length: 100 }, (_, i) => i), 'mnist-100');
  const teacher = createMlp({ inputShape: [28, 28, 1], numClasses: 10, hidden: [16], seed: 1 });
  teacherLogits = (await generateSoftLabels({ teacher, dataset: train })).logits;
  teacher.dispose();
  // Workers started before the timed tests: a limit counts from submission, start-up included.
  await pool.probe();
});
afterAll(async () => {
  await pool.destroy();
  await rm(dir, { recursive: true, force: true });
});

const common = () => ({ base, seeds: [1], train, test, teacher: { logits: teacherLogits }, pool }) as const;
const stoppedAt = (r: TrialRecord | undefined): number => (r as { stoppedAtEpoch?: number } | undefined)?.stoppedAtEpoch ?? -1;
const byMode = (records: readonly TrialRecord[]) => Object.fromEntries(records.map((r) => [String(r.params['distillation.options.mode']), r]));
const lines = async (folder: string) => (await readFile(join(folder, 'trials.jsonl'), 'utf8')).split('\n').filter((l) => l !== '');

describe('sweeps that survive their trials', () => {
  it('a trial that cannot be recorded (its folder removed mid-sweep) stops the sweep with one clear error, not a crash', async () => {
    const folder = join(dir, 'removed');
    let removed = false;
    const run = sweep({
      ...common(),
      directory: folder,
      grid: { lambda: [0.25, 0.5, 0.75, 1] },
      onProgress: (event) => {
        // After the first record is written, the folder goes: every later append finds no folder.
        if (event.type === 'trial:end' && !removed) {
          removed = true;
          rmSync(folder, { recursive: true, force: true });
        }
      },
    });
    // Before the fix this rejection was unhandled (a stack trace, the process gone); vitest fails on one.
    await expect(run).rejects.toMatchObject({
      code: 'E_IO',
      message: expect.stringMatching(/^trial \S+ finished but could not be recorded in .*removed\/trials\.jsonl \(ENOENT: the sweep folder was removed while the sweep ran\); the sweep stopped\. Run it again to start over$/),
    });
    expect(removed).toBe(true);
  });

  it('a hanging trial times out: stopped, its worker replaced after the grace period, the sweep goes on', async () => {
    const folder = join(dir, 'hang');
    const started = Date.now();
    const result = await sweep({ ...common(), directory: folder, grid: { 'distillation.options.mode': ['hang', 'ok', 'ok-again'] }, timeout: 8000, graceMs: 500 });
    expect(Date.now() - started).toBeLessThan(40_000);
    const { hang, ok } = byMode(result.records);
    expect(hang).toMatchObject({ status: 'timed-out', stoppedAtEpoch: 0, reason: expect.stringMatching(/time limit of 8\.0 s; .* its worker was replaced/) });
    expect(ok!.status).toBe('ok');
    // 'ok-again' is not a fault mode: it trains normally, on whichever worker is free — the replaced one included.
    expect(byMode(result.records)['ok-again']!.status).toBe('ok');
    expect(result.statuses).toMatchObject({ ok: 2, 'timed-out': 1 });
    // A resumed sweep does not run the timed-out trial again.
    const again = await sweep({ ...common(), directory: folder, grid: { 'distillation.options.mode': ['hang', 'ok', 'ok-again'] }, timeout: 8000, graceMs: 500 });
    expect(again.ran).toBe(0);
    expect(await lines(folder)).toHaveLength(3);
  });

  it('in this thread (workers: 0) a trial past its limit stops at its next epoch and is recorded timed-out; there is no worker to replace', async () => {
    const long = { ...base, student: { ...base.student, train: { ...base.student.train, epochs: 40 } } };
    const result = await sweep({
      base: long,
      seeds: [1],
      train,
      test,
      teacher: { logits: teacherLogits },
      workers: 0,
      plugins: [FAULT_LOSS],
      directory: join(dir, 'in-thread'),
      grid: { 'distillation.options': [{ mode: 'slow', ms: 40 }] },
      timeout: 1500,
      graceMs: 200,
    });
    const [slow] = result.records;
    // Cooperative only: the reason has no "worker was replaced" (a hung step here would hold the whole process).
    expect(slow).toMatchObject({ status: 'timed-out', reason: 'ran past the trial time limit of 1.5 s' });
    expect(stoppedAt(slow)).toBeGreaterThanOrEqual(1);
    expect(stoppedAt(slow)).toBeLessThan(40);
    expect(slow!.epochs).toHaveLength(stoppedAt(slow));
  });

  it('a worker that exits is retried once on a fresh worker; one that dies every time, or runs out of memory, fails after its retry', async () => {
    const marker = join(dir, 'exit-once.marker');
    const result = await sweep({
      ...common(),
      directory: join(dir, 'deaths'),
      grid: { 'distillation.options': [{ mode: 'exit-once', marker }, { mode: 'exit' }, { mode: 'oom' }] },
    });
    const [once, always, oom] = result.records;
    expect(once).toMatchObject({ status: 'ok', retried: true });
    expect(always).toMatchObject({ status: 'failed', retried: true, error: { code: 'E_WORKER_DIED' }, reason: expect.stringMatching(/exited/) });
    expect(oom).toMatchObject({ status: 'failed', retried: true, error: { code: 'E_WORKER_DIED' }, reason: expect.stringMatching(/ran out of memory/) });
    expect(await readFile(marker, 'utf8')).toBe('exited once');
  });

  it('a loss returning NaN ends its trial as diverged (naming the term, epoch and rate), not retried and not a data error', async () => {
    const result = await sweep({ ...common(), directory: join(dir, 'nan'), grid: { 'distillation.options.mode': ['nan', 'ok'], 'student.train.learningRate': [3e-3] } });
    const { nan, ok } = byMode(result.records);
    expect(nan).toMatchObject({ status: 'diverged', error: { code: 'E_DIVERGED' }, reason: expect.stringMatching(/epoch 1, step 1: loss term fault is NaN .*learning rate 0\.003/) });
    expect(nan!.retried).toBeUndefined();
    expect(ok!.status).toBe('ok');
    expect(result.statuses).toMatchObject({ ok: 1, diverged: 1 });
    expect(await readFile(join(dir, 'nan', 'results.md'), 'utf8')).toContain('trials: 1 ok, 1 diverged');
  });

  it('a learning rate that explodes the loss is diverged, not an ok trial at chance', async () => {
    const result = await sweep({ ...common(), directory: join(dir, 'lr'), grid: { 'student.train.learningRate': [3e-3, 1e6] } });
    const [fine, exploded] = result.records;
    expect(fine!.status).toBe('ok');
    expect(exploded).toMatchObject({ status: 'diverged', error: { code: 'E_DIVERGED' }, reason: expect.stringContaining('learning rate 1000000') });
  });

  it('Ctrl-C stops a sweep with a hung trial within seconds, keeping the finished trials', async () => {
    const folder = join(dir, 'ctrl-c');
    const controller = new AbortController();
    const events: SweepProgress[] = [];
    const started = Date.now();
    let stoppedAt = 0;
    const run = sweep({
      ...common(),
      directory: folder,
      grid: { 'distillation.options.mode': ['ok', 'hang', 'ok-2', 'ok-3', 'ok-4'] },
      abortGraceMs: 1000,
      signal: controller.signal,
      onProgress: (e) => {
        events.push(e);
        // Stop once one trial is in: the hang holds one worker, the other trains.
        if (e.type === 'trial:end' && stoppedAt === 0) {
          stoppedAt = Date.now();
          controller.abort();
        }
      },
    });
    await expect(run).rejects.toMatchObject({ code: 'E_ABORTED' });
    expect(Date.now() - stoppedAt).toBeLessThan(5000);
    expect(Date.now() - started).toBeLessThan(60_000);
    const kept = (await lines(folder)).map((l) => JSON.parse(l) as TrialRecord);
    expect(kept.length).toBeGreaterThanOrEqual(1);
    expect(kept.every((r) => r.status === 'ok')).toBe(true);
    // The pool is usable afterwards: the hung worker was replaced.
    const after = await sweep({ ...common(), directory: join(dir, 'after-ctrl-c'), grid: { 'distillation.options.mode': ['ok'] } });
    expect(after.records[0]!.status).toBe('ok');
  });

  it('two sweeps on one folder: the second is refused naming the first; the folder holds each trial once', async () => {
    const folder = join(dir, 'two');
    const grid = { 'distillation.options.mode': ['ok', 'ok-2', 'ok-3', 'ok-4'] };
    const [first, second] = await Promise.allSettled([sweep({ ...common(), directory: folder, grid }), sweep({ ...common(), directory: folder, grid })]);
    const outcomes = [first, second];
    expect(outcomes.filter((o) => o.status === 'fulfilled')).toHaveLength(1);
    const refused = outcomes.find((o) => o.status === 'rejected') as PromiseRejectedResult;
    expect(refused.reason).toMatchObject({ code: 'E_LOCKED', message: expect.stringContaining(`in use by sweep pid ${process.pid}`) });
    expect(await lines(folder)).toHaveLength(4);
    expect((await readdir(folder)).includes('.distillery.lock')).toBe(false);
  });

  it('a corrupt cache shard found by a sweep is reported (what, why, regenerated), not recomputed silently', async () => {
    const cache = join(dir, 'cache');
    const teacher = createMlp({ inputShape: [28, 28, 1], numClasses: 10, hidden: [16], seed: 2 });
    const grid = { 'distillation.options.mode': ['ok'] };
    await sweep({ ...common(), teacher: { model: teacher, cache }, directory: join(dir, 'cache-1'), grid });
    const [entry] = await readdir(cache);
    const shard = (await readdir(join(cache, entry!))).find((f) => f.endsWith('.npy'))!;
    const bytes = new Uint8Array(await readFile(join(cache, entry!, shard)));
    bytes[bytes.length - 3]! ^= 0xff;
    await writeFile(join(cache, entry!, shard), bytes);
    const events: SweepProgress[] = [];
    await sweep({ ...common(), teacher: { model: teacher, cache }, directory: join(dir, 'cache-2'), grid, onProgress: (e) => events.push(e) });
    teacher.dispose();
    const rejected = events.filter((e) => e.type === 'cache:rejected');
    expect(rejected).toEqual([{ type: 'cache:rejected', rejection: { file: join(cache, entry!, shard), reason: expect.stringMatching(/checksum mismatch/) } }]);
  });
});
