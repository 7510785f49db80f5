import { setupBackend, type Dataset } from '@distillery/core';
import { QueueExecutor, createPluginRegistry, generateSoftLabels, parseWith, sweep, trialSpecSchema, type TrialSpec } from '@distillery/runner';
import { createMlp } from '@distillery/students';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startRedis, type TestRedis } from '../packages/runner/test/support/redis-server.js';
import { startWorker, stopWorker, trialLine, type WorkerProcess } from './worker-processes.js';

const datasetSpec = { plugin: 'mnist-embedded', options: { limit: { train: 400, test: 100 } } };
const base: TrialSpec = parseWith(
  trialSpecSchema,
  {
    data: { labelledCount: 30, validationCount: 50 },
    student: { plugin: 'mlp', options: { hidden: [8] }, train: { epochs: 8, batchSize: 16, transferBatchSize: 64, learningRate: 3e-3 } },
    distillation: { lambda: 1, temperature: 4 },
  },
  'test spec',
);

let redis: TestRedis;
let dir = '';
let train: Dataset;
let test: Dataset;
let logits: Float32Array;
const workers: WorkerProcess[] = [];

beforeAll(async () => {
  await setupBackend();
  redis = await startRedis();
  dir = await mkdtemp(join(tmpdir(), 'distillery-faults-'));
  const source = (await createPluginRegistry()).create('dataset', datasetSpec.plugin, datasetSpec.options, {});
  [train, test] = await Promise.all([source.load('train'), source.load('test')]);
  const teacher = createMlp({ inputShape: [28, 28, 1], numClasses: 10, hidden: [16], seed: 1 });
  logits = (await generateSoftLabels({ teacher, dataset: train })).logits.values;
  teacher.dispose();
});
afterAll(async () => {
  await Promise.all(workers.map(stopWorker));
  await redis?.stop();
  await rm(dir, { recursive: true, force: true });
});

describe('distillery worker processes', () => {
  it('kill -9 of a worker mid-trial: its lock expires, the trial reruns on the other worker, recorded exactly once', async () => {
    workers.push(await startWorker(redis.url, { cwd: dir }), await startWorker(redis.url, { cwd: dir }));
    const common = { base, grid: { lambda: [0.5, 1] }, seeds: [1, 2], train, test, teacher: { logits: { size: train.size, numClasses: 10, values: logits } } };
    let killed: { trial: string; worker: WorkerProcess } | undefined;
    const remote = await sweep({
      ...common,
      directory: join(dir, 'remote'),
      executor: ({ sweep: fingerprint }) =>
        QueueExecutor.open({
          url: redis.url,
          sweep: fingerprint,
          dataset: { ...datasetSpec, fingerprints: { train: train.fingerprint, test: test.fingerprint } },
          teacherLogits: { values: logits, numClasses: 10 },
        }),
      onProgress: (event) => {
        if (event.type !== 'trial:epoch' || killed !== undefined || event.epoch !== 1) return;
        const victim = workers.find((w) => w.name === event.worker)!;
        killed = { trial: event.id, worker: victim };
        victim.child.kill('SIGKILL');
      },
    });
    expect(killed).toBeDefined();
    expect((await killed!.worker.exited).signal).toBe('SIGKILL');
    const survivor = workers.find((w) => w !== killed!.worker)!;
    // The killed trial started on the victim and again on the survivor.
    expect(killed!.worker.stderr).toMatch(trialLine(killed!.trial, 'started'));
    expect(survivor.stderr).toMatch(trialLine(killed!.trial, 'started'));
    expect(survivor.stderr).toMatch(trialLine(killed!.trial, 'done'));
    expect(remote.ran).toBe(4);
    expect(remote.failed).toBe(0);
    const lines = (await readFile(join(dir, 'remote', 'trials.jsonl'), 'utf8')).trim().split('\n');
    expect(lines).toHaveLength(4);
    expect(lines.filter((l) => l.includes(`"id":"${killed!.trial}"`))).toHaveLength(1);
    // Rerun from the start, not resumed from a half-trained student: the numbers of a local sweep.
    const local = await sweep({ ...common, directory: join(dir, 'local'), workers: 0 });
    const strip = (r: (typeof local.records)[number]) => (r.status === 'ok' ? { id: r.id, epochs: r.epochs } : r);
    expect(remote.records.map(strip)).toEqual(local.records.map(strip));
  });

  it('SIGTERM: the worker finishes its running trial (all epochs, reported), then exits 0', async () => {
    // Alone on the queue, so the trial is this worker's. BullMQ's usual 30 s lock: on a loaded
    // machine a seconds-long one can lapse while the trial finishes, and the job would go back.
    await Promise.all(workers.map(stopWorker));
    const worker = await startWorker(redis.url, { cwd: dir, quickLocks: false });
    workers.push(worker);
    const executor = await QueueExecutor.open({
      url: redis.url,
      sweep: 'f'.repeat(32),
      dataset: { ...datasetSpec, fingerprints: { train: train.fingerprint, test: test.fingerprint } },
      teacherLogits: { values: logits, numClasses: 10 },
    });
    try {
      let signalled = false;
      const handle = executor.submit(
        { type: 'trial', trial: { id: 'sigterm', params: {}, seed: 1, spec: base } },
        {
          onProgress: (p) => {
            if (signalled || p.worker !== worker.name) return;
            signalled = true;
            worker.child.kill('SIGTERM');
          },
        },
      );
      const outcome = await handle.outcome;
      expect(signalled).toBe(true);
      expect(outcome.ok && outcome.value.epochs.length).toBe(base.student.train.epochs);
      const exit = await Promise.race([worker.exited, new Promise((r) => setTimeout(r, 30_000, 'still running'))]);
      expect(exit, worker.stderr).toEqual({ code: 0, signal: null });
      expect(worker.stderr).toContain('SIGTERM: finishing the running trials');
      expect(worker.stderr).toContain(`${worker.name}: stopped`);
    } finally {
      await executor.close();
    }
  });

  it('Redis lost: said once and its return once, not a line per retry; stopped while Redis is away, the worker exits after 10 s saying why', async () => {
    const own = await startRedis();
    const worker = await startWorker(own.url, { cwd: dir });
    workers.push(worker);
    const lost = () => worker.stderr.split('\n').filter((l) => l.startsWith(`warning: lost Redis at ${own.url} (connect ECONNREFUSED`)).length;
    const until = async (ok: () => boolean, what: string) => {
      const deadline = Date.now() + 20_000;
      while (!ok()) {
        if (Date.now() > deadline) throw new Error(`${what} not seen: ${worker.stderr}`);
        await new Promise((r) => setTimeout(r, 100));
      }
    };
    await own.stop();
    await until(() => lost() === 1, 'the lost line');
    // ioredis retries every 0.2–2 s and BullMQ reported each failure: several seconds say nothing more.
    await new Promise((r) => setTimeout(r, 4000));
    expect(worker.stderr.split('\n').filter((l) => l.startsWith('warning:')), worker.stderr).toHaveLength(1);
    const back = await startRedis([], own.port);
    try {
      await until(() => worker.stderr.includes(`warning: Redis at ${own.url} is back: taking jobs again`), 'the return');
    } finally {
      await back.stop();
    }
    await until(() => lost() === 2, 'the second lost line');
    worker.child.kill('SIGTERM');
    const exit = await Promise.race([worker.exited, new Promise((r) => setTimeout(r, 30_000, 'still running'))]);
    expect(exit, worker.stderr).toEqual({ code: 1, signal: null });
    expect(worker.stderr).toContain(`${worker.name}: Redis has been out of reach for 10 s while stopping: exiting without it`);
  });
});
