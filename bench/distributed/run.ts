/**
 * bench/distributed — bench/sweep's 18 trials (3×3 λ×T × 2 seeds) through a Redis queue with 1
 * and 2 `distillery worker` processes (one trial at a time each), and through the local pool
 * with 1 and 2 threads, side by side in one run; with the Redis operations and bytes per trial
 * (INFO commandstats and stats, read before and after each queue sweep). Last, the machine's own
 * ceiling: two independent processes running 9 of the trials each in-thread at the same time, against
 * one alone — what 2 workers could reach here at best, with no executor at all.
 *
 *   pnpm bench:distributed                 # starts its own redis-server on a free port
 *   EPOCHS=3 SEEDS=1,2 pnpm bench:distributed
 */
import { QueueExecutor, RunnerPool, createPluginRegistry, sweep, type SweepResult } from '@distillery/runner';
import { Redis } from 'ioredis';
import { spawn } from 'node:child_process';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { availableParallelism, tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { startRedis } from '../../packages/runner/test/support/redis-server.js';
import { startWorker, stopWorker } from '../../test/worker-processes.js';
import { benchSweep } from '../sweep/sweep-setup.js';

const epochs = Number(process.env['EPOCHS'] ?? 3);
const seeds = (process.env['SEEDS'] ?? '1,2').split(',').map(Number);
const setup = await benchSweep(epochs);
const { train, test, logits, base, grid } = setup;
const trials = 9 * seeds.length;
// The workers re-create the dataset from its plugin: check that it is the very one used here.
const source = (await createPluginRegistry()).create('dataset', 'mnist-embedded', {}, {});
if ((await source.load('train')).fingerprint !== train.fingerprint) throw new Error('mnist-embedded does not give bench/sweep’s training set');
const folder = await mkdtemp(join(tmpdir(), 'distillery-bench-distributed-'));
const redis = await startRedis();
const client = new Redis(redis.url);
console.log(`bench/distributed: ${trials} trials, ${epochs} epochs each, ${availableParallelism()} cores, redis-server ${(await client.info('server')).match(/redis_version:(\S+)/)?.[1]}\n`);

const common = { base, grid, seeds, train, test, teacher: { logits } };

/** When each sweep began (Date.now()), for the start-up / between-trials split below. */
const began = new Map<SweepResult, number>();

async function localPool(threads: number): Promise<SweepResult> {
  const pool = new RunnerPool({ workers: threads });
  await pool.probe(); // start-up outside the timing, as the workers below are started before
  try {
    const at = Date.now();
    const result = await sweep({ ...common, directory: join(folder, `pool-${threads}`), pool });
    began.set(result, at);
    return result;
  } finally {
    await pool.destroy();
  }
}

interface RedisCounters {
  readonly calls: number;
  readonly bytes: number;
  /** redis-server's CPU time (user + system), ms. */
  readonly cpuMs: number;
}
async function counters(): Promise<RedisCounters> {
  const commands = await client.info('commandstats');
  const calls = [...commands.matchAll(/calls=(\d+)/g)].reduce((n, m) => n + Number(m[1]), 0);
  const stats = await client.info('stats');
  const bytes = ['total_net_input_bytes', 'total_net_output_bytes'].reduce((n, k) => n + Number(new RegExp(`${k}:(\\d+)`).exec(stats)?.[1] ?? 0), 0);
  const cpu = await client.info('cpu');
  const cpuMs = ['used_cpu_user', 'used_cpu_sys'].reduce((n, k) => n + 1000 * Number(new RegExp(`${k}:([\\d.]+)`).exec(cpu)?.[1] ?? 0), 0);
  return { calls, bytes, cpuMs };
}

/**
 * CPU time (ms) of a process's main thread and of the whole process, from /proc (Linux; zeros
 * elsewhere). A `distillery worker`'s main thread runs BullMQ, progress writes and the stop
 * watch; its pool thread trains.
 */
async function processCpu(pid: number): Promise<{ mainMs: number; allMs: number }> {
  const ticks = async (path: string) => {
    const fields = (await readFile(path, 'utf8').catch(() => '')).replace(/^.*\) /s, '').split(' ');
    // utime and stime: fields 14 and 15 of stat, 12 and 13 after the name; USER_HZ is 100 on Linux.
    return fields.length < 13 ? 0 : (Number(fields[11]) + Number(fields[12])) * 10;
  };
  return { mainMs: await ticks(`/proc/${pid}/task/${pid}/stat`), allMs: await ticks(`/proc/${pid}/stat`) };
}

interface QueueRun {
  readonly result: SweepResult;
  readonly perTrial: RedisCounters;
  /** CPU ms per trial: the workers' main threads, the workers' other threads (training), the coordinator (this process). */
  readonly cpuPerTrial: { readonly workerMain: number; readonly workerRest: number; readonly coordinator: number };
}

async function queue(workerCount: number): Promise<QueueRun> {
  const workers = await Promise.all(Array.from({ length: workerCount }, () => startWorker(redis.url, { cwd: folder, quickLocks: false })));
  const workerCpu = async () => (await Promise.all(workers.map((w) => processCpu(w.pid)))).reduce((a, b) => ({ mainMs: a.mainMs + b.mainMs, allMs: a.allMs + b.allMs }), { mainMs: 0, allMs: 0 });
  try {
    const before = await counters();
    const cpuBefore = { workers: await workerCpu(), coordinator: process.cpuUsage() };
    const at = Date.now();
    const result = await sweep({
      ...common,
      directory: join(folder, `queue-${workerCount}`),
      executor: ({ sweep: fingerprint, teacherLogits }) =>
        QueueExecutor.open({
          url: redis.url,
          sweep: fingerprint,
          dataset: { plugin: 'mnist-embedded', options: {}, fingerprints: { train: train.fingerprint, test: test.fingerprint } },
          teacherLogits,
        }),
    });
    began.set(result, at);
    const after = await counters();
    const workersAfter = await workerCpu();
    const coordinator = process.cpuUsage(cpuBefore.coordinator);
    const main = workersAfter.mainMs - cpuBefore.workers.mainMs;
    return {
      result,
      perTrial: { calls: (after.calls - before.calls) / trials, bytes: (after.bytes - before.bytes) / trials, cpuMs: (after.cpuMs - before.cpuMs) / trials },
      cpuPerTrial: { workerMain: main / trials, workerRest: (workersAfter.allMs - cpuBefore.workers.allMs - main) / trials, coordinator: (coordinator.user + coordinator.system) / 1000 / trials },
    };
  } finally {
    await Promise.all(workers.map(stopWorker));
  }
}

/** Starts `count` in-thread sweeps in separate processes, lets them go together, returns each one's ms. */
async function independent(count: number): Promise<number[]> {
  const child = join(dirname(fileURLToPath(import.meta.url)), 'ceiling-child.ts');
  const children = Array.from({ length: count }, (_, i) => {
    const proc = spawn(process.execPath, ['--import', 'tsx', child], { env: { ...process.env, EPOCHS: String(epochs), SEED: String(seeds[i % seeds.length]) }, stdio: ['pipe', 'pipe', 'inherit'] });
    const lines = createInterface({ input: proc.stdout! })[Symbol.asyncIterator]();
    const next = async (prefix: string) => {
      for (let line = await lines.next(); !line.done; line = await lines.next()) if (line.value.startsWith(prefix)) return line.value;
      throw new Error(`bench/distributed: a ceiling process ended before '${prefix}'`);
    };
    return { proc, next };
  });
  await Promise.all(children.map((c) => c.next('ready')));
  for (const c of children) c.proc.stdin!.write('go\n');
  const times = await Promise.all(children.map(async (c) => Number((await c.next('done ')).slice(5))));
  for (const c of children) c.proc.stdin!.end();
  return times;
}

const pool1 = await localPool(1);
const pool2 = await localPool(2);
// Same sweep, same job ids: without a flush the second run would find the first one's results.
const queue1 = await queue(1);
await client.flushdb();
const queue2 = await queue(2);

const s = (r: SweepResult) => (r.elapsedMs / 1000).toFixed(1);
const meanTrial = (r: SweepResult) => r.records.reduce((n, x) => n + (x.status === 'ok' ? x.elapsedMs : 0), 0) / r.records.length;
console.log('| run | wall time | trials/min |');
console.log('| --- | ---: | ---: |');
for (const [name, r] of [['local pool, 1 thread', pool1], ['local pool, 2 threads', pool2], ['queue, 1 worker', queue1.result], ['queue, 2 workers', queue2.result]] as const) {
  console.log(`| ${name} | ${s(r)} s | ${((trials / r.elapsedMs) * 60_000).toFixed(1)} |`);
}
const overhead = (queue1.result.elapsedMs - pool1.elapsedMs) / trials;
console.log(`\nqueue, 2 workers / 1 worker: ${(queue1.result.elapsedMs / queue2.result.elapsedMs).toFixed(2)}× (target ≥ 1.8×)`);
console.log(`local pool, 2 threads / 1 thread: ${(pool1.elapsedMs / pool2.elapsedMs).toFixed(2)}×`);
console.log(`queue overhead per trial (queue 1 worker − pool 1 thread, per trial): ${overhead.toFixed(0)} ms = ${((100 * overhead) / meanTrial(pool1)).toFixed(1)}% of a pool trial (${(meanTrial(pool1) / 1000).toFixed(2)} s; target ≤ 5%)`);
for (const [name, q] of [['1 worker', queue1], ['2 workers', queue2]] as const) {
  console.log(`redis per trial (${name}): ${q.perTrial.calls.toFixed(0)} commands, ${(q.perTrial.bytes / 1024).toFixed(1)} KiB in+out (the teacher logits' upload and each worker's one fetch included), ${q.perTrial.cpuMs.toFixed(1)} ms of redis-server CPU`);
}
// Where the overhead goes: a trial's own time in its thread (the same code on both executors) and
// the wall time around it, with the CPU the queue's other parts take per trial.
const inThread = (r: SweepResult) => r.records.reduce((n, x) => n + ('elapsedMs' in x ? x.elapsedMs : 0), 0) / r.records.length;
console.log('\n| run | trial in its thread | wall per trial − that | worker main thread CPU | worker training threads CPU | coordinator CPU |');
console.log('| --- | ---: | ---: | ---: | ---: | ---: |');
for (const [name, r, q, slots] of [['local pool, 1 thread', pool1, undefined, 1], ['local pool, 2 threads', pool2, undefined, 2], ['queue, 1 worker', queue1.result, queue1, 1], ['queue, 2 workers', queue2.result, queue2, 2]] as const) {
  const cpu = q === undefined ? ['—', '—', '—'] : [q.cpuPerTrial.workerMain, q.cpuPerTrial.workerRest, q.cpuPerTrial.coordinator].map((ms) => `${ms.toFixed(0)} ms`);
  console.log(`| ${name} | ${inThread(r).toFixed(0)} ms | ${((r.elapsedMs * slots) / trials - inThread(r)).toFixed(0)} ms | ${cpu.join(' | ')} |`);
}
// One trial at a time: the time before the first trial's result that is not the trial (start-up:
// a worker's first job loads the dataset and fetches the logits), and the idle time between two
// results less the second trial's own time (hand-over: result, next job, start of the next trial).
const handOver = (r: SweepResult) => {
  const done = r.records.map((x) => ({ at: Date.parse(x.finishedAt), ms: 'elapsedMs' in x ? x.elapsedMs : 0 })).sort((a, b) => a.at - b.at);
  const gaps = done.slice(1).map((d, i) => d.at - done[i]!.at - d.ms).sort((a, b) => a - b);
  return { startUp: done[0]!.at - began.get(r)! - done[0]!.ms, median: gaps[Math.floor(gaps.length / 2)]!, max: gaps[gaps.length - 1]! };
};
for (const [name, r] of [['local pool, 1 thread', pool1], ['queue, 1 worker', queue1.result]] as const) {
  const h = handOver(r);
  console.log(`${name}: start-up before the first trial ${h.startUp.toFixed(0)} ms; between trials median ${h.median.toFixed(0)} ms, max ${h.max.toFixed(0)} ms (finishedAt has ms resolution)`);
}
const [alone] = await independent(1);
const together = await independent(2);
const ceiling = (2 * alone!) / Math.max(...together);
console.log(`machine ceiling, 2 independent processes (9 trials each, in-thread) vs 1 alone: ${ceiling.toFixed(2)}× (${(alone! / 1000).toFixed(1)} s alone; ${together.map((t) => (t / 1000).toFixed(1)).join(' s and ')} s together)`);
console.log(`queue, 2 workers, as a share of that ceiling: ${((queue1.result.elapsedMs / queue2.result.elapsedMs / ceiling) * 100).toFixed(0)}%`);
const same = queue2.result.records.every((r, i) => JSON.stringify(r.status === 'ok' && r.epochs) === JSON.stringify(pool2.records[i]!.status === 'ok' && (pool2.records[i] as typeof r & { epochs: unknown }).epochs));
console.log(`same per-trial results, queue vs local pool: ${same}`);
await client.quit();
await redis.stop();
await rm(folder, { recursive: true, force: true });
