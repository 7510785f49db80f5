import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { startRedis, type TestRedis } from '../packages/runner/test/support/redis-server.js';
import { runCli } from './cli-helpers.js';
import { startWorker, stopWorker, trialLine, type WorkerProcess } from './worker-processes.js';

const FAULT_LOSS = fileURLToPath(new URL('../packages/runner/test/fixtures/fault-loss.ts', import.meta.url));

/** A seconds-long sweep (4 trials) on 600 embedded digits; `seeds` makes it another sweep (other job ids). */
const config = (seeds: number[], epochs = 3) => `name: queued
seed: 1
workers: 1
data:
  dataset: mnist-embedded
  options: { limit: { train: 600, test: 200 } }
  labelledCount: 40
  validationCount: 60
teacher:
  plugin: mlp
  options: { hidden: [32] }
  train: { epochs: 2, batchSize: 64 }
student:
  plugin: mlp
  options: { hidden: [8] }
  train: { epochs: ${epochs}, batchSize: 16, transferBatchSize: 64, learningRate: 0.003 }
distillation: { loss: kd, lambda: 1, temperature: 4 }
sweep:
  grid: { distillation.lambda: [0.5, 1], distillation.temperature: [2, 4] }
  seeds: [${seeds.join(', ')}]
`;

interface Record_ {
  readonly id: string;
  readonly status: string;
  readonly epochs?: unknown[];
  readonly error?: { code: string; message: string };
}
const records = async (folder: string): Promise<Record_[]> =>
  (await readFile(join(folder, 'trials.jsonl'), 'utf8'))
    .trim()
    .split('\n')
    .map((l) => JSON.parse(l) as Record_);
const byId = (rs: Record_[]) => Object.fromEntries(rs.map((r) => [r.id, r.epochs]));
const countLines = (text: string, pattern: RegExp) => text.split('\n').filter((l) => pattern.test(l)).length;
const startedCount = (workers: WorkerProcess[], trial: string) => workers.reduce((n, w) => n + countLines(w.stderr, trialLine(trial, 'started')), 0);

let redis: TestRedis;
let dir = '';
let workers: WorkerProcess[] = [];

beforeAll(async () => {
  redis = await startRedis();
  dir = await mkdtemp(join(tmpdir(), 'distillery-cli-queue-'));
});
afterEach(async () => {
  await Promise.all(workers.map(stopWorker));
  workers = [];
});
afterAll(async () => {
  await redis?.stop();
  await rm(dir, { recursive: true, force: true });
});

/** Starts two workers, sweeps `file` through them and in the local pool; both must exit 0. */
async function remoteAndLocal(file: string, name: string) {
  workers = [await startWorker(redis.url, { cwd: dir }), await startWorker(redis.url, { cwd: dir })];
  const remote = await runCli(['sweep', file, '--executor', redis.url, '--out', join(dir, `${name}-remote`)], { cwd: dir });
  expect(remote.code, remote.stderr).toBe(0);
  const local = await runCli(['sweep', file, '--out', join(dir, `${name}-local`)], { cwd: dir });
  expect(local.code, local.stderr).toBe(0);
  return { remote, q: await records(join(dir, `${name}-remote`)), l: await records(join(dir, `${name}-local`)) };
}

describe('distillery sweep --executor redis://… with distillery worker processes', () => {
  it('two workers and a coordinator finish the sweep with the local pool’s results; label runs its shards on them too', async () => {
    const file = join(dir, 'two.yaml');
    await writeFile(file, config([1]));
    const { remote, q, l } = await remoteAndLocal(file, 'two');
    expect(q).toHaveLength(4);
    expect(q.every((r) => r.status === 'ok')).toBe(true);
    expect(byId(q)).toEqual(byId(l));
    // Progress on the coordinator names the worker of each remote epoch.
    expect(remote.stderr).toMatch(new RegExp(`epoch 1/3 on (${workers.map((w) => w.name.replace('/', '\\/')).join('|')})`));
    const done = workers.map((w) => countLines(w.stderr, trialLine('\\S+', 'done')));
    const logs = workers.map((w) => w.stderr).join('\n----\n');
    expect(done.reduce((a, b) => a + b), logs).toBe(4);
    // Each trial's lines name its grid values and seed, and its end says its time and result.
    expect(logs).toMatch(/^trial \S+ \(λ=0\.5 T=2 seed 1\): started$/m);
    expect(logs).toMatch(/^trial \S+ \(λ=1 T=4 seed 1\): done in \d+\.\d s · 3 epochs · best val \d+\.\d\d %$/m);
    // Seconds-long trials: no line per epoch (the log said `epoch 1/3`, `epoch 2/3`, … for every trial).
    expect(logs).not.toMatch(/: epoch \d+\/3$/m);
    // On one machine the workers see the coordinator's logit cache: they read the logits from
    // that folder, once each, and never fetch them from Redis.
    for (const w of workers.filter((_, i) => done[i]! > 0)) {
      expect(w.stderr.match(/^teacher logits \S+: .*$/gm), w.stderr).toEqual([expect.stringMatching(/: read from the shared logit cache \(\d+ KiB\)$/)]);
    }

    const label = await runCli(['label', file, '--executor', redis.url, '--out', join(dir, 'label-remote')], { cwd: dir });
    expect(label.code, label.stderr).toBe(0);
    expect(workers.some((w) => /^shard \d+-\d+: done in \d+\.\d s$/m.test(w.stderr))).toBe(true);
    // The coordinator names the workers that took its shards, in its progress and closing line (they said "this thread" and the local thread count).
    const shardWorkers = workers.filter((w) => /^shard \d+-\d+: done in \d+\.\d s$/m.test(w.stderr)).map((w) => w.name).sort();
    const names = `(${workers.map((w) => w.name.replace('/', '\\/')).join('|')})`;
    expect(label.stderr).toMatch(new RegExp(`\\[soft-labels\\] 600/600 examples \\(${names}: \\d+`));
    expect(label.stderr).not.toContain('this thread');
    expect(label.stdout).toContain(`examples/s on ${shardWorkers.length} queue worker(s): `);
    // Again into another folder: the same shard jobs, found finished in the queue, still name their workers.
    const again = await runCli(['label', file, '--executor', redis.url, '--out', join(dir, 'label-remote-2'), '--json'], { cwd: dir });
    expect(again.code, again.stderr).toBe(0);
    const labelled = JSON.parse(again.stdout) as { examples: number; examplesComputed: number; queueWorkers: string[] };
    expect(labelled).toMatchObject({ examples: 600, examplesComputed: 600 });
    expect(labelled).not.toHaveProperty('workers');
    expect([...labelled.queueWorkers].sort()).toEqual(shardWorkers);
  });

  it('a feature weight in the grid: the workers run the teacher online (sent by content address) and give the local pool’s results', async () => {
    const file = join(dir, 'features.yaml');
    const features = `distillation:
  loss: kd
  lambda: 1
  temperature: 4
  features: [{ student: dense_1, teacher: dense_1, loss: hint, adapter: dense, weight: 1 }]
sweep:
  grid: { distillation.features.0.weight: [0.1, 10] }
  seeds: [3]
`;
    await writeFile(file, config([3], 2).replace(/distillation: \{[^\n]*\n[\s\S]*$/, features));
    const { q, l } = await remoteAndLocal(file, 'features');
    expect(q.map((r) => r.status)).toEqual(['ok', 'ok']);
    expect(byId(q)).toEqual(byId(l));
    const hint = q.map((r) => (r.epochs as { losses: Record<string, number> }[]).at(-1)!.losses['hint(dense_1→dense_1)']);
    expect(hint.every(Number.isFinite)).toBe(true);
    expect(hint[0]).not.toBe(hint[1]);
    const done = workers.map((w) => countLines(w.stderr, trialLine('\\S+', 'done')));
    expect(done.reduce((a, b) => a + b)).toBe(2);
  });

  it('kill -9 of a worker mid-trial: the trial reruns on the other worker and is recorded once', async () => {
    const file = join(dir, 'kill-worker.yaml');
    await writeFile(file, config([2], 6));
    workers = [await startWorker(redis.url, { cwd: dir }), await startWorker(redis.url, { cwd: dir })];
    let killed: { trial: string; worker: WorkerProcess } | undefined;
    const run = await runCli(['sweep', file, '--executor', redis.url, '--out', join(dir, 'kill-worker')], {
      cwd: dir,
      onStderr: (chunk) => {
        const at = /trial (\S+) epoch 1\/6 on (\S+)/.exec(chunk);
        if (killed !== undefined || at === null) return;
        const worker = workers.find((w) => w.name === at[2])!;
        killed = { trial: at[1]!, worker };
        worker.child.kill('SIGKILL');
      },
    });
    expect(run.code, run.stderr).toBe(0);
    expect(killed, run.stderr).toBeDefined();
    expect((await killed!.worker.exited).signal).toBe('SIGKILL');
    const rs = await records(join(dir, 'kill-worker'));
    expect(rs).toHaveLength(4);
    expect(rs.every((r) => r.status === 'ok')).toBe(true);
    expect(rs.filter((r) => r.id === killed!.trial)).toHaveLength(1);
    const survivor = workers.find((w) => w !== killed!.worker)!;
    expect(killed!.worker.stderr).toMatch(trialLine(killed!.trial, 'started'));
    expect(survivor.stderr).toMatch(trialLine(killed!.trial, 'done'));
  });

  it('a coordinator killed with kill -9 and run again resumes: nothing lost, nothing run twice', async () => {
    const file = join(dir, 'kill-coordinator.yaml');
    await writeFile(file, config([3], 4));
    workers = [await startWorker(redis.url, { cwd: dir }), await startWorker(redis.url, { cwd: dir })];
    const out = join(dir, 'kill-coordinator');
    let killedAt = '';
    const first = await runCli(['sweep', file, '--executor', redis.url, '--out', out], {
      cwd: dir,
      onStderr: (chunk, child) => {
        if (killedAt === '' && /\[sweep\] 1\/4 /.test(chunk)) {
          killedAt = chunk;
          child.kill('SIGKILL');
        }
      },
    });
    expect(first.signal, first.stderr).toBe('SIGKILL');
    const before = await records(out);
    expect(before.length).toBeGreaterThanOrEqual(1);
    expect(before.length).toBeLessThan(4);
    const second = await runCli(['sweep', file, '--executor', redis.url, '--out', out], { cwd: dir });
    expect(second.code, second.stderr).toBe(0);
    const after = await records(out);
    expect(after).toHaveLength(4);
    expect(new Set(after.map((r) => r.id)).size).toBe(4);
    expect(after.slice(0, before.length)).toEqual(before);
    // Trials that finished while no coordinator ran were collected from the queue, not run again.
    for (const r of after) expect(startedCount(workers, r.id)).toBe(1);
  });

  it('Ctrl-C on the coordinator stops the sweep within seconds, keeps what finished, and the same command resumes it: nothing lost or recorded twice', async () => {
    const file = join(dir, 'ctrl-c.yaml');
    await writeFile(file, config([5], 12));
    workers = [await startWorker(redis.url, { cwd: dir })];
    const out = join(dir, 'ctrl-c');
    let signalledAt = 0;
    const first = await runCli(['sweep', file, '--executor', redis.url, '--out', out], {
      cwd: dir,
      onStderr: (chunk, child) => {
        if (signalledAt === 0 && /\[sweep\] 1\/4 /.test(chunk)) {
          signalledAt = Date.now();
          child.kill('SIGINT');
        }
      },
    });
    expect(signalledAt, first.stderr).toBeGreaterThan(0);
    expect(first.code, first.stderr).toBe(130);
    // The abort grace (5 s) for the running trial, then the coordinator lets go.
    expect(Date.now() - signalledAt, first.stderr).toBeLessThan(10_000);
    expect(first.stderr).toContain('run the same command again to resume');
    expect(first.stderr).toMatch(/sweep stopped: \d of 4 trials are in .*trials\.jsonl; run it again to finish/);
    const before = await records(out);
    expect(before.length).toBeGreaterThanOrEqual(1);
    expect(before.length).toBeLessThan(4);
    // The queued trials were taken back: nothing more starts on the worker once the coordinator is gone.
    const starts = () => workers[0]!.stderr.split('\n').filter((l) => / started/.test(l)).length;
    const startedAtStop = starts();
    expect(startedAtStop).toBeLessThanOrEqual(2);
    await new Promise((r) => setTimeout(r, 2500));
    expect(starts()).toBe(startedAtStop);
    // A trial still running at the end of the grace was ended on the worker, not finished as a partial result.
    if (before.length === 1 && startedAtStop === 2) expect(workers[0]!.stderr).toMatch(/ended by its coordinator \(a timeout, or the sweep was stopped\)/);
    const second = await runCli(['sweep', file, '--executor', redis.url, '--out', out], { cwd: dir });
    expect(second.code, second.stderr).toBe(0);
    const after = await records(out);
    expect(after).toHaveLength(4);
    expect(new Set(after.map((r) => r.id)).size).toBe(4);
    expect(after.slice(0, before.length)).toEqual(before);
    expect(after.every((r) => r.status === 'ok' && r.epochs!.length === 12)).toBe(true);
    // What was recorded before Ctrl-C was not run again.
    for (const r of before) expect(startedCount(workers, r.id)).toBe(1);
  });

  it('--trial-timeout on the queue: a remote trial stuck in a step is recorded timed-out after the grace; its worker ends the thread and runs the next trial', async () => {
    const file = join(dir, 'hang.yaml');
    await writeFile(
      file,
      `plugins: [${JSON.stringify(FAULT_LOSS)}]\n${config([6], 2)
        .replace('distillation: { loss: kd, lambda: 1, temperature: 4 }', 'distillation: { loss: fault, options: { mode: ok }, lambda: 1, temperature: 4 }')
        .replace('grid: { distillation.lambda: [0.5, 1], distillation.temperature: [2, 4] }', 'grid: { distillation.options: [{ mode: hang }, { mode: ok }] }')}`,
    );
    workers = [await startWorker(redis.url, { cwd: dir, args: ['--plugin', FAULT_LOSS] })];
    const out = join(dir, 'hang');
    const run = await runCli(['sweep', file, '--executor', redis.url, '--out', out, '--trial-timeout', '6'], { cwd: dir });
    expect(run.code, run.stderr).toBe(0);
    const rs = await records(out);
    const [hang, ok] = rs as Array<Record_ & { reason?: string; stoppedAtEpoch?: number }>;
    expect(rs.map((r) => r.status)).toEqual(['timed-out', 'ok']);
    expect(hang!.reason).toMatch(/^ran past the trial time limit of 6\.0 s; it did not stop at an epoch within the grace period, so the coordinator stopped waiting for it and asked its worker/);
    expect(hang!.stoppedAtEpoch).toBe(0);
    // The one worker (one trial at a time) ended the stuck thread itself, then ran the other trial.
    expect(workers[0]!.stderr).toMatch(new RegExp(`trial ${hang!.id} \\(.*\\): failed after \\d+\\.\\d s: .*ended by its coordinator .* inside a step: its thread was terminated and replaced`));
    expect(workers[0]!.stderr).toMatch(trialLine(ok!.id, 'done'));
    expect(workers[0]!.child.exitCode).toBeNull();
  });

  it('a worker whose dataset differs (another file under the same name) fails the trials clearly, without retries', async () => {
    const csv = (shift: number) =>
      ['a,b,c,y', ...Array.from({ length: 120 }, (_, i) => `${(i % 7) + shift},${i % 5},${(i * 3) % 11},${i % 3}`)].join('\n');
    const here = join(dir, 'csv-here');
    const there = join(dir, 'csv-there');
    await mkdir(here, { recursive: true });
    await mkdir(there, { recursive: true });
    await writeFile(join(here, 'table.csv'), csv(0));
    await writeFile(join(there, 'table.csv'), csv(1));
    const file = join(here, 'csv.yaml');
    await writeFile(
      file,
      config([4], 2)
        .replace('  dataset: mnist-embedded\n  options: { limit: { train: 600, test: 200 } }\n  labelledCount: 40\n  validationCount: 60', '  dataset: csv\n  options: { train: table.csv, label: y }\n  labelledCount: 12\n  validationCount: 12')
        .replace('grid: { distillation.lambda: [0.5, 1], distillation.temperature: [2, 4] }', 'grid: { distillation.lambda: [1] }'),
    );
    workers = [await startWorker(redis.url, { cwd: there })];
    const run = await runCli(['sweep', file, '--executor', redis.url, '--out', join(here, 'out')], { cwd: here });
    const [record] = await records(join(here, 'out'));
    expect(record!.status, run.stderr).toBe('failed');
    expect(record!.error!.code).toBe('E_DATASET');
    expect(record!.error!.message).toContain(`worker ${workers[0]!.name} loaded dataset "csv"`);
    expect(record!.error!.message).toContain('The files differ on this machine');
    expect(startedCount(workers, record!.id)).toBe(1);
  });

  it('a named queue: a sweep with --queue runs on the workers started with that --queue; --queue without a Redis executor is refused', async () => {
    const file = join(dir, 'named-queue.yaml');
    await writeFile(file, config([7]).replace('grid: { distillation.lambda: [0.5, 1], distillation.temperature: [2, 4] }', 'grid: { distillation.lambda: [0.5, 1] }'));
    workers = [await startWorker(redis.url, { cwd: dir, args: ['--queue', 'team-a'] })];
    expect(workers[0]!.stderr).toContain('waiting for trials and soft-label shards on queue team-a');
    const run = await runCli(['sweep', file, '--executor', redis.url, '--queue', 'team-a', '--out', join(dir, 'named-queue')], { cwd: dir });
    expect(run.code, run.stderr).toBe(0);
    const trials = await records(join(dir, 'named-queue'));
    expect(trials.map((r) => r.status)).toEqual(['ok', 'ok']);
    for (const r of trials) expect(startedCount(workers, r.id)).toBe(1);
    const local = await runCli(['sweep', file, '--queue', 'team-a', '--out', join(dir, 'named-queue-local')], { cwd: dir });
    expect(local.code).toBe(1);
    expect(local.stderr).toContain('--queue team-a: names a queue on Redis, but the trials run in the local pool; add --executor redis://host:port');
  });

  it('a worker whose --plugin is not there (a typo) exits 1 at once naming it, instead of waiting for jobs to refuse', async () => {
    const run = await runCli(['worker', '--redis', redis.url, '--plugin', './ringz.mjs'], { cwd: dir });
    expect(run.code).toBe(1);
    expect(run.stderr).toBe(`distillery: --plugin: plugin module ./ringz.mjs not found (looked for ${join(dir, 'ringz.mjs')})\n`);
  });

  it('an unreachable Redis is one clear line, before any teacher trains', async () => {
    const started = Date.now();
    const run = await runCli(['sweep', join(dir, 'two.yaml'), '--executor', 'redis://127.0.0.1:1', '--out', join(dir, 'nowhere')], { cwd: dir });
    expect(run.code).toBe(1);
    expect(run.stderr.trim()).toMatch(/^distillery: cannot reach Redis at redis:\/\/127\.0\.0\.1:1: .*ECONNREFUSED/);
    expect(run.stderr.trim().split('\n')).toHaveLength(1);
    expect(Date.now() - started).toBeLessThan(60_000);
  });
});
