// Timeouts and Ctrl-C across machines: a per-trial limit stops a remote trial at its next epoch;
// a remote trial stuck inside a step is recorded timed-out after the grace period while its
// worker ends its thread and goes on; an aborted queue sweep takes back its queued trials.
import { setupBackend, type Dataset, type TeacherLogits } from '@distillery/core';
import { createMlp } from '@distillery/students';
import { Queue } from 'bullmq';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createPluginRegistry } from '../src/builtin-registry.js';
import { QueueExecutor } from '../src/queue/queue-executor.js';
import { startQueueWorker, type QueueWorker, type QueueWorkerEvent } from '../src/queue/queue-worker.js';
import { generateSoftLabels } from '../src/soft-labels/generate-soft-labels.js';
import { sweep, type SweepOptions } from '../src/sweep/sweep.js';
import type { TrialRecord } from '../src/sweep/results-store.js';
import type { TrialSpecInput } from '../src/spec/run-spec.js';
import { startRedis, type TestRedis } from './support/redis-server.js';

const FAULT_LOSS = fileURLToPath(new URL('./fixtures/fault-loss.ts', import.meta.url));
const datasetSpec = { plugin: 'mnist-embedded', options: { limit: { train: 400, test: 100 } } };
const base: TrialSpecInput = {
  data: { labelledCount: 30, validationCount: 50 },
  student: { plugin: 'mlp', options: { hidden: [8] }, train: { epochs: 40, batchSize: 16, transferBatchSize: 64, learningRate: 3e-3 } },
  distillation: { loss: 'fault', options: { mode: 'ok' }, lambda: 1, temperature: 4 },
};

let redis: TestRedis;
let dir = '';
let train: Dataset;
let test: Dataset;
let teacherLogits: TeacherLogits;
let worker: QueueWorker;
const events: QueueWorkerEvent[] = [];

beforeAll(async () => {
  await setupBackend();
  redis = await startRedis();
  dir = await mkdtemp(join(tmpdir(), 'distillery-queue-timeouts-'));
  const registry = await createPluginRegistry();
  const source = registry.create('dataset', datasetSpec.plugin, datasetSpec.options, {});
  [train, test] = await Promise.all([source.load('train'), source.load('test')]);
  const teacher = createMlp({ inputShape: [28, 28, 1], numClasses: 10, hidden: [16], seed: 1 });
  teacherLogits = (await generateSoftLabels({ teacher, dataset: train })).logits;
  teacher.dispose();
  worker = await startQueueWorker({ url: redis.url, concurrency: 2, allowPlugins: [FAULT_LOSS], logitsDirectory: join(dir, 'worker-logits'), onEvent: (e) => events.push(e) });
});
afterAll(async () => {
  await worker?.close();
  await redis?.stop();
  await rm(dir, { recursive: true, force: true });
});

const onQueue = (grid: SweepOptions['grid'], extra: Partial<SweepOptions> = {}): SweepOptions => ({
  directory: join(dir, 'sweep'),
  base,
  grid,
  seeds: [1],
  train,
  test,
  teacher: { logits: teacherLogits },
  plugins: [FAULT_LOSS],
  executor: ({ sweep: fingerprint, teacherLogits: logits }) =>
    QueueExecutor.open({
      url: redis.url,
      sweep: fingerprint,
      dataset: { ...datasetSpec, fingerprints: { train: train.fingerprint, test: test.fingerprint } },
      plugins: [FAULT_LOSS],
      teacherLogits: { values: logits.values, numClasses: logits.numClasses },
      backoffMs: 10,
    }),
  ...extra,
});
const stoppedAt = (r: TrialRecord | undefined): number => (r as { stoppedAtEpoch?: number } | undefined)?.stoppedAtEpoch ?? -1;
const byMode = (records: readonly TrialRecord[]) => Object.fromEntries(records.map((r) => [String((r.params['distillation.options'] as { mode: string }).mode), r]));
const lines = async (folder: string) => (await readFile(join(folder, 'trials.jsonl'), 'utf8')).split('\n').filter((l) => l !== '').map((l) => JSON.parse(l) as TrialRecord);
const ended = (task: string) => events.filter((e) => e.type === 'end' && e.task === task);

describe('timeouts on the queue', () => {
  it('a slow remote trial stops at its next epoch (timed-out); one stuck in a step is recorded timed-out after the grace, its worker ends the thread and goes on', async () => {
    const folder = join(dir, 'timeouts');
    // Both worker threads warm first: a limit counts from submission, so start-up would count too.
    const warm = await sweep(onQueue({ 'distillation.options': [{ mode: 'ok', n: 1 }, { mode: 'ok', n: 2 }] }, { directory: join(dir, 'warm'), base: { ...base, student: { ...base.student, train: { ...base.student.train, epochs: 1 } } } }));
    expect(warm.records.map((r) => r.status)).toEqual(['ok', 'ok']);
    const started = Date.now();
    // 60 ms a step keeps the slow trial's epochs (~0.5 s) inside the 1 s grace; at 150 ms (~1 s
    // epochs, with the stop key then read every 250 ms) it missed the grace about one run in three.
    const result = await sweep(
      onQueue({ 'distillation.options': [{ mode: 'hang' }, { mode: 'slow', ms: 60 }, { mode: 'ok' }] }, { directory: folder, timeout: 8000, graceMs: 1000 }),
    );
    expect(Date.now() - started).toBeLessThan(60_000);
    const { hang, slow, ok } = byMode(result.records);
    // Stopped cooperatively: the epochs it trained, no grace needed.
    expect(slow).toMatchObject({ status: 'timed-out', reason: expect.stringMatching(/^ran past the trial time limit of 8\.0 s$/) });
    expect(stoppedAt(slow)).toBeGreaterThanOrEqual(1);
    expect(stoppedAt(slow)).toBeLessThan(40);
    expect(slow!.epochs).toHaveLength(stoppedAt(slow));
    // Never reached an epoch: the coordinator stopped waiting and asked the worker to end it.
    expect(hang).toMatchObject({ status: 'timed-out', stoppedAtEpoch: 0, reason: expect.stringMatching(/time limit of 8\.0 s; it did not stop at an epoch within the grace period, so the coordinator stopped waiting for it and asked its worker/) });
    expect(ok!.status).toBe('ok');
    expect(result.statuses).toMatchObject({ ok: 1, 'timed-out': 2 });
    // The worker terminated the stuck thread itself (the job failed, never handed back as a result).
    const deadline = Date.now() + 15_000;
    while (ended(`trial ${hang!.id}`).length === 0 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 100));
    expect(ended(`trial ${hang!.id}`)).toEqual([expect.objectContaining({ ok: false, message: expect.stringContaining('ended by its coordinator (a timeout, or the sweep was stopped) inside a step: its thread was terminated and replaced') })]);
    const queue = new Queue('distillery-trials', { connection: { host: '127.0.0.1', port: redis.port } });
    try {
      const job = (await queue.getJobs(['failed'])).find((j) => j.data.trial?.id === hang!.id);
      expect(job?.failedReason).toContain('E_ABORTED');
    } finally {
      await queue.close();
    }
    // Its thread was replaced: the worker still runs trials at full width.
    const after = await sweep(onQueue({ 'distillation.options': [{ mode: 'ok', n: 3 }, { mode: 'ok', n: 4 }] }, { directory: join(dir, 'after'), base: { ...base, student: { ...base.student, train: { ...base.student.train, epochs: 1 } } } }));
    expect(after.records.map((r) => r.status)).toEqual(['ok', 'ok']);
    // A resumed sweep runs neither timed-out trial again.
    const again = await sweep(onQueue({ 'distillation.options': [{ mode: 'hang' }, { mode: 'slow', ms: 60 }, { mode: 'ok' }] }, { directory: folder, timeout: 8000, graceMs: 1000 }));
    expect(again.ran).toBe(0);
    expect(await lines(folder)).toHaveLength(3);
  }, 120_000);
});

describe('Ctrl-C on a queue sweep', () => {
  it('stops within seconds: queued trials are taken back, running ones ended unrecorded; run again, nothing is lost or recorded twice', async () => {
    const folder = join(dir, 'abort');
    const grid = { 'distillation.options': [1, 2, 3, 4, 5, 6].map((n) => ({ mode: 'slow', ms: 5, n })) };
    const controller = new AbortController();
    let abortedAt = 0;
    const first = sweep(
      onQueue(grid, {
        directory: folder,
        base: { ...base, student: { ...base.student, train: { ...base.student.train, epochs: 6 } } },
        abortGraceMs: 500,
        signal: controller.signal,
        onProgress: (e) => {
          if (e.type === 'trial:end' && abortedAt === 0) {
            abortedAt = Date.now();
            controller.abort();
          }
        },
      }),
    );
    await expect(first).rejects.toMatchObject({ code: 'E_ABORTED' });
    expect(Date.now() - abortedAt).toBeLessThan(5000);
    const kept = await lines(folder);
    expect(kept.length).toBeGreaterThanOrEqual(1);
    expect(kept.length).toBeLessThan(6);
    expect(kept.every((r) => r.status === 'ok' && r.epochs!.length === 6)).toBe(true);
    const startedBefore = events.filter((e) => e.type === 'start').length;
    // Nothing more starts on the worker for the stopped sweep.
    await new Promise((r) => setTimeout(r, 3000));
    expect(events.filter((e) => e.type === 'start').length).toBe(startedBefore);
    const again = await sweep(onQueue(grid, { directory: folder, base: { ...base, student: { ...base.student, train: { ...base.student.train, epochs: 6 } } } }));
    expect(again.skipped).toBe(kept.length);
    const all = await lines(folder);
    expect(all).toHaveLength(6);
    expect(new Set(all.map((r) => r.id)).size).toBe(6);
    expect(all.slice(0, kept.length)).toEqual(kept);
    // Every trial ran its epochs in full: none of the ended ones came back as a partial result.
    expect(all.every((r) => r.status === 'ok' && r.epochs!.length === 6)).toBe(true);
  }, 120_000);
});
