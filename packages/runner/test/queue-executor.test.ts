import { createServiceContainer, pluginServices, serializeModel, setupBackend, shareDataset, type Dataset } from '@distillery/core';
import { createMlp } from '@distillery/students';
import { Queue, QueueEvents } from 'bullmq';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createPluginRegistry } from '../src/builtin-registry.js';
import type { TrialSubmission } from '../src/executor/executor.js';
import { QueueExecutor, type QueueExecutorOptions } from '../src/queue/queue-executor.js';
import { startQueueWorker, type QueueWorker, type QueueWorkerEvent } from '../src/queue/queue-worker.js';
import { sweepFingerprint, trialJobId } from '../src/queue/trial-job.js';
import { generateSoftLabels } from '../src/soft-labels/generate-soft-labels.js';
import { sweep } from '../src/sweep/sweep.js';
import { runTrial } from '../src/trial/run-trial.js';
import { parseWith, trialSpecSchema, type TrialSpec } from '../src/spec/run-spec.js';
import { setPath } from '../src/spec/spec-paths.js';
import { startRedis, type TestRedis } from './support/redis-server.js';

const datasetSpec = { plugin: 'mnist-embedded', options: { limit: { train: 400, test: 100 } } };
const spec: TrialSpec = parseWith(trialSpecSchema, {
  data: { labelledCount: 30, validationCount: 50 },
  student: { plugin: 'mlp', options: { hidden: [8] }, train: { epochs: 2, batchSize: 16, transferBatchSize: 64, learningRate: 3e-3 } },
  distillation: { lambda: 1, temperature: 4 },
}, 'test spec');

let redis: TestRedis;
let dir = '';
let train: Dataset;
let test: Dataset;
let logits: Float32Array;
let worker: QueueWorker;
const events: QueueWorkerEvent[] = [];

beforeAll(async () => {
  await setupBackend();
  redis = await startRedis();
  dir = await mkdtemp(join(tmpdir(), 'distillery-queue-exec-'));
  const registry = await createPluginRegistry();
  const source = registry.create('dataset', datasetSpec.plugin, datasetSpec.options, {});
  [train, test] = await Promise.all([source.load('train'), source.load('test')]);
  const teacher = createMlp({ inputShape: [28, 28, 1], numClasses: 10, hidden: [16], seed: 1 });
  logits = (await generateSoftLabels({ teacher, dataset: train })).logits.values;
  teacher.dispose();
    // The stop key is read only when the coordinator announces a request (the hourly look never comes
  // within a test): the stop and pruning tests below pass only if that message reaches the worker.
  worker = await startQueueWorker({ url: redis.url, concurrency: 2, logitsDirectory: join(dir, 'worker-logits'), stopPollMs: 3_600_000, onEvent: (e) => events.push(e) });
});
afterAll(async () => {
  await worker?.close();
  await redis?.stop();
  await rm(dir, { recursive: true, force: true });
});

const executorFor = (sweep: string, extra: Partial<QueueExecutorOptions> = {}) =>
  QueueExecutor.open({
    url: redis.url,
    sweep,
    dataset: { ...datasetSpec, fingerprints: { train: train.fingerprint, test: test.fingerprint } },
    teacherLogits: { values: logits, numClasses: 10 },
    backoffMs: 10,
    ...extra,
  });

/** A trial of the base spec with values set at run-spec paths. */
const trialOf = (id: string, overrides: Record<string, unknown> = {}, seed = 1): TrialSubmission => ({
  id,
  params: {},
  seed,
  spec: Object.entries(overrides).reduce((s, [path, value]) => setPath(s, path, value), spec),
});

// Far more epochs than a stop or pruning request needs to land (the worker reads the stop key when
// the coordinator publishes the request; an epoch of these tiny trials takes a few ms with the native kernels): ending before the last
// epoch is then the request's doing, not the trial finishing first.
const LONG_EPOCHS = 1000;

describe('trials on the queue', () => {
  it('gives the numbers the local trial code gives, with per-epoch progress labelled by worker', async () => {
    const executor = await executorFor(sweepFingerprint({ test: 'same numbers' }));
    try {
      const trials = [trialOf('t-lambda-1'), trialOf('t-lambda-0', { 'distillation.lambda': 0 }, 2)];
      const progress: Array<{ id: string; done: number; worker: string }> = [];
      const outcomes = await Promise.all(trials.map((t) => executor.submit({ type: 'trial', trial: t }, { onProgress: (p) => progress.push(p) }).outcome));
      const registry = await createPluginRegistry();
      const context = { services: pluginServices(createServiceContainer()) };
      for (const [i, outcome] of outcomes.entries()) {
        expect(outcome.ok).toBe(true);
        const t = trials[i]!;
        const local = await runTrial({ ...t, train: shareDataset(train), test: shareDataset(test), teacherLogits: logits }, registry, context);
        if (outcome.ok) {
          expect(outcome.value.epochs).toEqual(local.epochs);
          expect(outcome.value.best).toEqual(local.best);
        }
      }
      expect(progress.filter((p) => p.id === 't-lambda-1').map((p) => p.done)).toEqual([1, 2]);
      expect(new Set(progress.map((p) => p.worker))).toEqual(new Set([worker.name]));
      expect(worker.name).toMatch(/\/\d+$/);
    } finally {
      await executor.close();
    }
  });

  it('a trial submitted twice (or by a coordinator run again) is one job with one result', async () => {
    const sweep = sweepFingerprint({ test: 'twice' });
    const first = await executorFor(sweep);
    const again = await executorFor(sweep);
    try {
      const before = events.filter((e) => e.type === 'start').length;
      const [a, b] = await Promise.all([first.submit({ type: 'trial', trial: trialOf('once') }).outcome, again.submit({ type: 'trial', trial: trialOf('once') }).outcome]);
      expect(a).toEqual(b);
      // A later coordinator finds the finished job's result without running it again.
      const later = await again.submit({ type: 'trial', trial: trialOf('once') }).outcome;
      expect(later).toEqual(a);
      expect(events.filter((e) => e.type === 'start').length - before).toBe(1);
    } finally {
      await Promise.all([first.close(), again.close()]);
    }
  });

  it('a trial that throws fails after its attempts, with its error and code recorded', async () => {
    const executor = await executorFor(sweepFingerprint({ test: 'throws' }), { attempts: 3 });
    try {
      const outcome = await executor.submit({ type: 'trial', trial: trialOf('bad-student', { 'student.plugin': 'no-such-student' }) }).outcome;
      expect(outcome.ok).toBe(false);
      if (!outcome.ok) {
        expect(outcome.error.code).toBe('E_PLUGIN_NOT_FOUND');
        expect(outcome.error.message).toContain('no-such-student');
        expect(outcome.attempts).toBe(3);
      }
    } finally {
      await executor.close();
    }
  });

  it('a dataset whose fingerprint differs on the worker fails at once, not retried, saying why', async () => {
    const executor = await QueueExecutor.open({
      url: redis.url,
      sweep: sweepFingerprint({ test: 'fingerprint' }),
      dataset: { ...datasetSpec, fingerprints: { train: 'f'.repeat(64), test: test.fingerprint } },
      teacherLogits: { values: logits, numClasses: 10 },
      attempts: 3,
    });
    try {
      const outcome = await executor.submit({ type: 'trial', trial: trialOf('other-data') }).outcome;
      expect(outcome.ok).toBe(false);
      if (!outcome.ok) {
        expect(outcome.error.code).toBe('E_DATASET');
        expect(outcome.error.message).toContain(`worker ${worker.name} loaded dataset "mnist-embedded"`);
        expect(outcome.error.message).toContain(`train ${train.fingerprint.slice(0, 12)}`);
        expect(outcome.attempts).toBe(1);
      }
    } finally {
      await executor.close();
    }
  });

  it('a stop request reaches the remote trial between epochs: it ends early, ok, with the epochs it trained', async () => {
    const executor = await executorFor(sweepFingerprint({ test: 'stop' }));
    try {
      const handle = executor.submit({ type: 'trial', trial: trialOf('long', { 'student.train.epochs': LONG_EPOCHS }) }, { onProgress: (p) => p.done === 1 && handle.stop() });
      const outcome = await handle.outcome;
      expect(outcome.ok).toBe(true);
      if (outcome.ok) {
        expect(outcome.value.epochs.length).toBeGreaterThanOrEqual(1);
        expect(outcome.value.epochs.length).toBeLessThan(LONG_EPOCHS);
      }
    } finally {
      await executor.close();
    }
  });

  it('a pruning decision reaches the remote trial: it decides on the epoch metrics the worker sent, and the trial ends early', async () => {
    const executor = await executorFor(sweepFingerprint({ test: 'prune' }));
    try {
      const seen: Array<number | undefined> = [];
      const outcome = await executor.submit(
        { type: 'trial', trial: trialOf('pruned', { 'student.train.epochs': LONG_EPOCHS }) },
        { decide: (p) => (seen.push(p.epoch?.validationAccuracy), p.done >= 1 ? 'stop' : 'continue') },
      ).outcome;
      expect(outcome.ok).toBe(true);
      expect(seen[0]).toBeGreaterThan(0);
      if (outcome.ok) {
        expect(outcome.value.epochs.length).toBeLessThan(LONG_EPOCHS);
        expect(outcome.value.epochs[0]!.validationAccuracy).toBe(seen[0]);
      }
    } finally {
      await executor.close();
    }
  });

  it('a job that is not a valid trial, or names a plugin the worker does not allow, is refused without a retry', async () => {
    const sweep = sweepFingerprint({ test: 'refused' });
    const queue = new Queue('distillery-trials', { connection: { host: '127.0.0.1', port: redis.port } });
    const executor = await executorFor(sweep, { plugins: ['some-plugin-package'], attempts: 3 });
    try {
      const job = await queue.add('trial', { format: 'distillery-trial', version: 1, code: 'process.exit(1)' }, { jobId: 'hand-made', attempts: 3 });
      const queueEvents = new QueueEvents('distillery-trials', { connection: { host: '127.0.0.1', port: redis.port } });
      const reason = await job.waitUntilFinished(queueEvents).then(
        () => 'completed',
        (e: Error) => e.message,
      );
      await queueEvents.close();
      expect(reason).toContain('job hand-made is not a valid Distillery trial job');
      expect((await queue.getJob('hand-made'))!.attemptsMade).toBe(1);
      const outcomes = await Promise.all(['plugin', 'plugin-2'].map((id) => executor.submit({ type: 'trial', trial: trialOf(id) }).outcome));
      for (const outcome of outcomes) {
        expect(outcome.ok).toBe(false);
        if (!outcome.ok) {
          expect(outcome.error.message).toContain('was not started with plugin "some-plugin-package", which the run\'s config names');
          expect(outcome.error.message).toContain('--plugin some-plugin-package where that package is installed');
          expect(outcome.attempts).toBe(1);
        }
      }
      // The worker's log says each refusal's reason once (the two plugin jobs share one), not silently.
      const refusals = events.filter((e): e is Extract<QueueWorkerEvent, { type: 'refused' }> => e.type === 'refused');
      expect(refusals.find((e) => e.jobId === 'hand-made')?.first).toBe(true);
      expect(refusals.filter((e) => /-plugin(-2)?$/.test(e.jobId)).map((e) => e.message)).toHaveLength(2);
      expect(refusals.filter((e) => e.message.includes('some-plugin-package')).map((e) => e.first).sort()).toEqual([false, true]);
      expect(trialJobId(sweep, 'plugin')).toMatch(/^trial-[0-9a-f]{16}-plugin$/);
    } finally {
      await executor.close();
      await queue.close();
    }
  });
});

describe('a plugin named by a path', () => {
  it("runs on a worker that was given the same file by another path (the config's ./picky-loss.ts, the worker's absolute one)", async () => {
    const fixtures = fileURLToPath(new URL('./fixtures/', import.meta.url));
    const queue = 'distillery-path-plugins';
    const own = await startQueueWorker({ url: redis.url, queue, concurrency: 1, allowPlugins: [join(fixtures, 'picky-loss.ts')], baseDir: fixtures, logitsDirectory: join(dir, 'path-logits') });
    const executor = await executorFor(sweepFingerprint({ test: 'path plugin' }), { queue, plugins: ['./picky-loss.ts'] });
    try {
      const outcome = await executor.submit({ type: 'trial', trial: trialOf('picky', { 'distillation.loss': 'picky', 'distillation.temperature': 2 }) }).outcome;
      expect(outcome.ok ? 'ok' : outcome.error.message).toBe('ok');
    } finally {
      await executor.close();
      await own.close();
    }
  });
});

describe('trials with feature terms on the queue', () => {
  // A hint between the MLPs' dense_1 through a dense adapter: the teacher runs online on the worker.
  const withHint = (weight: number) => ({ 'distillation.features': [{ student: 'dense_1', teacher: 'dense_1', loss: 'hint', adapter: 'dense', weight }] });

  it('the worker gets the teacher by content address and gives the local trial code’s numbers; the weight changes them', async () => {
    const teacher = createMlp({ inputShape: [28, 28, 1], numClasses: 10, hidden: [16], seed: 1, name: 'teacher' });
    const payload = await serializeModel(teacher);
    teacher.dispose();
    const executor = await executorFor(sweepFingerprint({ test: 'features' }), { teacher: { payload } });
    try {
      const trials = [trialOf('hint-small', withHint(0.05)), trialOf('hint-large', withHint(5))];
      const outcomes = await Promise.all(trials.map((t) => executor.submit({ type: 'trial', trial: t }).outcome));
      const registry = await createPluginRegistry();
      const results = [];
      for (const [i, outcome] of outcomes.entries()) {
        if (!outcome.ok) throw new Error(outcome.error.message);
        const local = await runTrial({ ...trials[i]!, train: shareDataset(train), test: shareDataset(test), teacherLogits: logits, teacher: payload }, registry);
        expect(outcome.value.epochs).toEqual(local.epochs);
        results.push(outcome.value.last.losses['hint(dense_1→dense_1)']!);
      }
      expect(results[1]!).toBeLessThan(results[0]!);
    } finally {
      await executor.close();
    }
  }, 120_000);

  it('a worker that cannot reach the teacher fails the trial with why, and goes on', async () => {
    const gone = { format: 'plugin' as const, plugin: 'saved', options: { directory: join(dir, 'no-such-teacher'), inputShape: [28, 28, 1], numClasses: 10 }, name: 'gone', fingerprint: 'gone' };
    const executor = await executorFor(sweepFingerprint({ test: 'teacher gone' }), { teacher: { payload: gone } });
    const without = await executorFor(sweepFingerprint({ test: 'no teacher' }));
    try {
      const outcome = await executor.submit({ type: 'trial', trial: trialOf('gone', withHint(1)) }).outcome;
      expect(outcome.ok).toBe(false);
      if (!outcome.ok) expect(outcome.error.message).toMatch(/teacher gone: saved\.directory: teacher folder .*no-such-teacher does not exist/);
      const refused = await without.submit({ type: 'trial', trial: trialOf('no-teacher', withHint(1)) }).outcome;
      expect(refused.ok).toBe(false);
      if (!refused.ok) expect(refused.error.message).toContain('opened without teacher: it cannot run trials with feature terms');
      // The worker is still there: a plain trial runs.
      expect((await executor.submit({ type: 'trial', trial: trialOf('after-gone') }).outcome).ok).toBe(true);
    } finally {
      await executor.close();
      await without.close();
    }
  }, 120_000);
});

describe('a sweep on the queue executor', () => {
  it('records every trial once, with the numbers of a local sweep; run again, it runs nothing', async () => {
    const grid = { lambda: [0, 1], temperature: [2, 4] };
    const common = { base: spec, grid, seeds: [1], train, test, teacher: { logits: { size: train.size, numClasses: 10, values: logits } } };
    const epochs: Array<{ id: string; worker?: string }> = [];
    const remote = await sweep({
      ...common,
      directory: join(dir, 'remote'),
      executor: ({ sweep: fingerprint }) => executorFor(fingerprint),
      onProgress: (e) => e.type === 'trial:epoch' && epochs.push({ id: e.id, ...(e.worker === undefined ? {} : { worker: e.worker }) }),
    });
    const local = await sweep({ ...common, directory: join(dir, 'local'), workers: 0 });
    // λ = 0 runs once (T does not change the student alone): 3 trials.
    expect(remote.ran).toBe(3);
    expect(remote.failed).toBe(0);
    const strip = (r: (typeof local.records)[number]) => (r.status === 'ok' ? { id: r.id, epochs: r.epochs, best: r.best } : r);
    expect(remote.records.map(strip)).toEqual(local.records.map(strip));
    expect(remote.summary).toEqual(local.summary);
    const lines = (await readFile(join(dir, 'remote', 'trials.jsonl'), 'utf8')).trim().split('\n');
    expect(new Set(lines.map((l) => (JSON.parse(l) as { id: string }).id)).size).toBe(3);
    expect(lines).toHaveLength(3);
    expect(epochs.filter((e) => e.worker !== worker.name)).toEqual([]);
    const contexts: Array<{ sweep: string; supersedes?: string }> = [];
    const executor = (context: { sweep: string; supersedes?: string }) => (contexts.push(context), executorFor(context.sweep, context.supersedes === undefined ? {} : { supersedes: [context.supersedes] }));
    const again = await sweep({ ...common, directory: join(dir, 'remote'), executor });
    expect(again.ran).toBe(0);
    expect(again.skipped).toBe(3);
    // Extended by a seed: its own job ids, and the sweep it extends named, whose waiting jobs the queue drops.
    const extended = await sweep({ ...common, seeds: [1, 2], directory: join(dir, 'remote'), executor });
    expect([extended.skipped, extended.ran]).toEqual([3, 3]);
    expect(contexts[1]!.supersedes).toBe(contexts[0]!.sweep);
    expect(contexts[1]!.sweep).not.toBe(contexts[0]!.sweep);
    expect(contexts[0]!.supersedes).toBeUndefined();
  });
});

describe('soft-label shards on the queue', () => {
  it('label the dataset on a worker (teacher by content address, logits back checksummed), equal to the local pool’s', async () => {
    const teacher = createMlp({ inputShape: [28, 28, 1], numClasses: 10, hidden: [12], seed: 5 });
    try {
      // The local pool with the same shards: the queue must give its very numbers.
      const here = await generateSoftLabels({ teacher, dataset: train, runtime: 'tfjs', workers: 1, shardSize: 150 });
      const before = events.filter((e) => e.type === 'end' && e.task.startsWith('shard') && e.ok).length;
      const remote = await generateSoftLabels({
        teacher,
        dataset: train,
        runtime: 'tfjs',
        shardSize: 150,
        executor: ({ teacher: payload, key }) =>
          QueueExecutor.open({
            url: redis.url,
            sweep: sweepFingerprint(key),
            dataset: { ...datasetSpec, fingerprints: { train: train.fingerprint, test: test.fingerprint } },
            teacher: { payload },
          }),
      });
      expect(remote.examplesComputed).toBe(train.size);
      expect(remote.logits.values).toEqual(here.logits.values);
      expect(events.filter((e) => e.type === 'end' && e.task.startsWith('shard') && e.ok).length - before).toBe(3);
    } finally {
      teacher.dispose();
    }
  });

  it('stopped (Ctrl-C) with no worker connected: the queued shards are taken back and it ends at once, instead of waiting for ever', async () => {
    const queue = 'distillery-shards-nobody';
    const teacher = createMlp({ inputShape: [28, 28, 1], numClasses: 10, hidden: [12], seed: 6 });
    const waiting = new Queue(queue, { connection: { host: '127.0.0.1', port: redis.port } });
    try {
      const controller = new AbortController();
      const labelled = generateSoftLabels({
        teacher,
        dataset: train,
        runtime: 'tfjs',
        shardSize: 150,
        signal: controller.signal,
        executor: ({ teacher: payload, key }) =>
          QueueExecutor.open({ url: redis.url, queue, sweep: sweepFingerprint({ ...key, test: 'aborted' }), dataset: { ...datasetSpec, fingerprints: { train: train.fingerprint, test: test.fingerprint } }, teacher: { payload } }),
      });
      const deadline = Date.now() + 10_000;
      while ((await waiting.getWaitingCount()) < 3 && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 50));
      expect(await waiting.getWaitingCount()).toBe(3);
      const stopped = Date.now();
      controller.abort();
      await expect(labelled).rejects.toMatchObject({ code: 'E_ABORTED' });
      expect(Date.now() - stopped).toBeLessThan(5_000);
      expect(await waiting.getWaitingCount()).toBe(0);
    } finally {
      await waiting.close();
      teacher.dispose();
    }
  });
});


describe('jobs waiting with no worker', () => {
  it('says once that no worker is connected, naming the command to start one; the trial runs when one connects', async () => {
    // A queue of its own: the worker of this file listens to the default one.
    const queue = 'distillery-nobody-yet';
    const said: string[] = [];
    const executor = await executorFor(sweepFingerprint({ test: 'no worker yet' }), { queue, onNotice: (m) => said.push(m), waitingNoticeMs: 200 });
    let late: QueueWorker | undefined;
    try {
      const handle = executor.submit({ type: 'trial', trial: trialOf('waits') });
      // Several watch periods with nobody on the queue: said once, not once a period.
      await new Promise((resolve) => setTimeout(resolve, 1_000));
      expect(said).toHaveLength(1);
      expect(said[0]).toBe(
        `no worker is connected to ${redis.url} (queue ${queue}): 1 trial(s) wait in the queue. Start one on any machine that has the data and plugins — ` +
          `distillery worker --redis ${redis.url} --queue ${queue} — and they run (nothing is lost meanwhile)`,
      );
      late = await startQueueWorker({ url: redis.url, queue, concurrency: 1, logitsDirectory: join(dir, 'late-worker-logits') });
      const outcome = await handle.outcome;
      expect(outcome.ok).toBe(true);
      expect(said).toHaveLength(1);
    } finally {
      await executor.close();
      await late?.close();
    }
  });

  it("removes the jobs still waiting of the sweep it supersedes (the folder's, before it was extended), and only those", async () => {
    // A queue no worker listens to: jobs that coordinators closed (as if killed) left waiting, of the old sweep and of another.
    const queue = 'distillery-superseded';
    const [old, other] = [sweepFingerprint({ test: 'before extension' }), sweepFingerprint({ test: 'another sweep' })];
    const leave = async (sweepId: string, trials: string[]) => {
      const executor = await executorFor(sweepId, { queue });
      const handles = trials.map((id) => executor.submit({ type: 'trial', trial: trialOf(id) }));
      await new Promise((resolve) => setTimeout(resolve, 300));
      await executor.close();
      return handles;
    };
    await leave(old, ['a', 'b']);
    await leave(other, ['c']);
    const raw = new Queue(queue, { connection: { host: '127.0.0.1', port: redis.port } });
    const waiting = async () => (await raw.getJobs(['waiting', 'prioritized', 'delayed'])).map((j) => j.data as { trial: { id: string } }).map((d) => d.trial.id).sort();
    try {
      expect(await waiting()).toEqual(['a', 'b', 'c']);
      // Without it, workers ran a and b for results no coordinator collects.
      const said: string[] = [];
      const executor = await executorFor(sweepFingerprint({ test: 'extended' }), { queue, supersedes: [old], onNotice: (m) => said.push(m) });
      await executor.close();
      expect(said).toEqual([`removed 2 job(s) of this folder's sweep before it was extended that were still waiting in the queue (the extended sweep submits its own)`]);
      expect(await waiting()).toEqual(['c']);
    } finally {
      await raw.obliterate({ force: true });
      await raw.close();
    }
  });

  it('says nothing while a worker is connected, even with jobs queued behind a busy one', async () => {
    const said: string[] = [];
    const executor = await executorFor(sweepFingerprint({ test: 'a worker is there' }), { onNotice: (m) => said.push(m), waitingNoticeMs: 200 });
    try {
      const handles = [1, 2, 3, 4].map((seed) => executor.submit({ type: 'trial', trial: trialOf(`busy-${seed}`, { 'student.train.epochs': 40 }, seed) }));
      await Promise.all(handles.map((h) => h.outcome));
      await new Promise((resolve) => setTimeout(resolve, 500));
      expect(said).toEqual([]);
    } finally {
      await executor.close();
    }
  });

  it('Redis lost and back empty (no persistence): said once each, the lost job and its logits are submitted again and run', async () => {
    const own = await startRedis();
    const said: string[] = [];
    const executor = await QueueExecutor.open({
      url: own.url,
      sweep: sweepFingerprint({ test: 'redis restarted empty' }),
      dataset: { ...datasetSpec, fingerprints: { train: train.fingerprint, test: test.fingerprint } },
      teacherLogits: { values: logits, numClasses: 10 },
      onNotice: (m) => said.push(m),
      waitingNoticeMs: 3_600_000,
    });
    let back: TestRedis | undefined;
    let late: QueueWorker | undefined;
    const until = async (ok: () => boolean | Promise<boolean>, what: string) => {
      const deadline = Date.now() + 20_000;
      while (!(await ok())) {
        if (Date.now() > deadline) throw new Error(`${what}: ${said.join(' | ')}`);
        await new Promise((r) => setTimeout(r, 100));
      }
    };
    try {
      const handle = executor.submit({ type: 'trial', trial: trialOf('survives-a-restart') });
      const queue = new Queue('distillery-trials', { connection: { host: '127.0.0.1', port: own.port } });
      try {
        await until(async () => (await queue.getWaitingCount()) === 1, 'the job in Redis');
      } finally {
        await queue.close();
      }
      await own.stop();
      await until(() => said.some((m) => m.startsWith(`lost Redis at ${own.url}`)), 'the lost notice');
      back = await startRedis([], own.port);
      await until(() => said.some((m) => m.startsWith('Redis came back without 1 of the job(s)')), 'the resubmission');
      expect(said.filter((m) => m.startsWith('lost Redis'))).toHaveLength(1);
      expect(said).toContain(`Redis at ${own.url} is back`);
      // A worker that never saw the first Redis: the logits it needs must be there again.
      late = await startQueueWorker({ url: back.url, concurrency: 1, logitsDirectory: join(dir, 'restart-worker-logits') });
      const outcome = await handle.outcome;
      expect(outcome.ok, JSON.stringify(outcome)).toBe(true);
    } finally {
      await late?.close();
      await executor.close();
      await back?.stop();
      await own.stop();
    }
  });
});
