import { parseWith, trialSpecSchema } from '../src/spec/run-spec.js';
import { isDistilleryError } from '@distillery/core';
import { Queue, Worker, type Job } from 'bullmq';
import type { Redis } from 'ioredis';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { LogitCache } from '../src/cache/logit-cache.js';
import { connectRedis, openClient } from '../src/queue/redis-connection.js';
import { parseRedisUrl } from '../src/queue/redis-url.js';
import { describeWorkerError } from '../src/queue/redis-watch.js';
import { LogitFetcher, putLogits } from '../src/queue/logit-store.js';
import { parseTrialJob, sweepFingerprint, trialJobId, type TrialJobData } from '../src/queue/trial-job.js';
import { freePort, startRedis, type TestRedis } from './support/redis-server.js';

let redis: TestRedis;
let client: Redis;
let dir = '';

beforeAll(async () => {
  redis = await startRedis();
  client = await openClient(parseRedisUrl(redis.url));
  dir = await mkdtemp(join(tmpdir(), 'distillery-queue-'));
});
afterAll(async () => {
  await client?.quit();
  await redis?.stop();
  await rm(dir, { recursive: true, force: true });
});

async function failure(promise: Promise<unknown>): Promise<Error> {
  try {
    await promise;
  } catch (error) {
    return error as Error;
  }
  throw new Error('expected a failure');
}

describe('Redis URLs', () => {
  it('takes redis:// and rediss:// apart, with password, user and database', () => {
    expect(parseRedisUrl('redis://127.0.0.1:6390')).toMatchObject({ host: '127.0.0.1', port: 6390, db: 0, tls: false });
    const secret = parseRedisUrl('redis://:s3cr%40t@queue.example:6400/3');
    expect(secret).toMatchObject({ host: 'queue.example', port: 6400, db: 3, password: 's3cr@t', tls: false });
    expect(secret.username).toBeUndefined();
    expect(secret.display).toBe('redis://:***@queue.example:6400/3');
    expect(parseRedisUrl('rediss://worker:pw@queue.example')).toMatchObject({ port: 6379, username: 'worker', password: 'pw', tls: true });
  });

  it('refuses other schemes and bad databases in one message that does not show the password', () => {
    for (const url of ['http://:hunter2@host:6379', 'redis://:hunter2@host:6379/x', 'not a url']) {
      const error = (() => {
        try {
          parseRedisUrl(url);
        } catch (e) {
          return e as Error;
        }
        throw new Error('expected a failure');
      })();
      expect(isDistilleryError(error) && error.code).toBe('E_CONFIG');
      expect(error.message).toContain('redis://[:password@]host[:port][/db]');
      expect(error.message).not.toContain('hunter2');
    }
  });
});

describe('connecting', () => {
  it('answers when Redis is there', async () => {
    const endpoint = await connectRedis(redis.url);
    expect(endpoint.options).toMatchObject({ host: '127.0.0.1', port: redis.port, maxRetriesPerRequest: null });
  });

  it('an unreachable Redis is one clear error naming the URL, within a second or two — not a hang', async () => {
    const port = await freePort();
    const started = Date.now();
    const error = await failure(connectRedis(`redis://:pw@127.0.0.1:${port}/2`, { timeoutMs: 2000 }));
    expect(Date.now() - started).toBeLessThan(2500);
    expect(isDistilleryError(error) && error.code).toBe('E_QUEUE');
    expect(error.message).toContain(`cannot reach Redis at redis://:***@127.0.0.1:${port}/2`);
    expect(error.message).toContain('redis-server --port');
    expect(error.message.split('\n')).toHaveLength(1);
  });

  it('rediss:// to a server without TLS fails fast with a TLS hint', async () => {
    const error = await failure(connectRedis(`rediss://127.0.0.1:${redis.port}`, { timeoutMs: 1500 }));
    expect(isDistilleryError(error) && error.code).toBe('E_QUEUE');
    expect(error.message).toContain(`cannot reach Redis at rediss://127.0.0.1:${redis.port}`);
    expect(error.message).toContain('TLS');
  });

  it('a server with a password: the wrong one or none is refused with a password hint, the right one connects', async () => {
    const guarded = await startRedis(['--requirepass', 'right-pw']);
    try {
      for (const url of [guarded.url, guarded.url.replace('redis://', 'redis://:wrong-pw@')]) {
        const error = await failure(connectRedis(url, { timeoutMs: 2000 }));
        expect(isDistilleryError(error) && error.code).toBe('E_QUEUE');
        expect(error.message).toContain('password');
        expect(error.message).not.toContain('wrong-pw');
      }
      await expect(connectRedis(guarded.url.replace('redis://', 'redis://:right-pw@'))).resolves.toBeDefined();
    } finally {
      await guarded.stop();
    }
  });
});

describe('teacher logits by content address', () => {
  const values = Float32Array.from({ length: 50 * 10 }, (_, i) => Math.sin(i) * 5);
  const logits = { values, numClasses: 10 };

  it('goes through Redis in checksummed chunks, once per worker, then from the worker’s folder', async () => {
    const address = await putLogits(client, logits, { chunkBytes: 512 });
    expect(address.chunks.length).toBe(Math.ceil(values.byteLength / 512));
    expect(JSON.parse(JSON.stringify(address))).toEqual(address); // plain JSON: fits in a job
    const folder = join(dir, 'worker-a');
    const fetcher = new LogitFetcher(client, folder);
    const first = await fetcher.fetch(address);
    expect(first.source).toBe('redis');
    expect(first.values).toEqual(values);
    expect(fetcher.redisBytes).toBe(values.byteLength);
    expect((await fetcher.fetch(address)).source).toBe('memory');
    expect(fetcher.redisBytes).toBe(values.byteLength);
    // A restarted worker on the same machine reads its folder, not Redis.
    const restarted = new LogitFetcher(client, folder);
    const again = await restarted.fetch(address);
    expect(again.source).toBe('local');
    expect(again.values).toEqual(values);
    expect(restarted.redisBytes).toBe(0);
  });

  it('the same content is stored once', async () => {
    const before = await client.dbsize();
    await putLogits(client, logits, { chunkBytes: 512 });
    expect(await client.dbsize()).toBe(before);
  });

  it('a corrupted or missing chunk is refused with a clear error, never used', async () => {
    const address = await putLogits(client, { values: Float32Array.from({ length: 40 }, (_, i) => i), numClasses: 4 }, { chunkBytes: 64 });
    const [firstChunk, secondChunk] = address.chunks;
    await client.set(`distillery:blob:${firstChunk!.sha256}`, Buffer.alloc(firstChunk!.bytes, 7));
    const corrupt = await failure(new LogitFetcher(client, join(dir, 'worker-b')).fetch(address));
    expect(isDistilleryError(corrupt) && corrupt.code).toBe('E_QUEUE');
    expect(corrupt.message).toContain('does not match its checksum');
    await client.del(`distillery:blob:${secondChunk!.sha256}`);
    const onlySecond = { ...address, chunks: address.chunks.slice(1), numExamples: address.numExamples - firstChunk!.bytes / 16 };
    const missing = await failure(new LogitFetcher(client, join(dir, 'worker-c')).fetch(onlySecond));
    expect(missing.message).toContain('is not in Redis');
    expect(missing.message).toContain('noeviction');
  });

  it('reads the shared logit cache when the worker sees it, and ignores it when it holds other logits', async () => {
    const cache = new LogitCache(join(dir, 'shared-cache'));
    const key = { teacherFingerprint: 't1', datasetFingerprint: 'd1', numExamples: 50, numClasses: 10 };
    const state = await cache.open(key);
    await cache.writeShard(key, state, 0, 50, values);
    const address = await putLogits(client, logits, { cache: { root: cache.root, key } });
    const fetcher = new LogitFetcher(client, join(dir, 'worker-d'));
    const got = await fetcher.fetch(address);
    expect(got.source).toBe('cache');
    expect(got.values).toEqual(values);
    expect(fetcher.redisBytes).toBe(0);
    // Different logits in that folder (another teacher under the same key): Redis is used instead.
    await cache.writeShard(key, state, 0, 50, values.map((v) => v + 1));
    const other = await new LogitFetcher(client, join(dir, 'worker-e')).fetch(address);
    expect(other.source).toBe('redis');
    expect(other.values).toEqual(values);
  });
});

describe('trial jobs', () => {
  const job: TrialJobData = {
    format: 'distillery-trial',
    version: 1,
    sweep: sweepFingerprint({ grid: { lambda: [0, 1] } }),
    trial: { id: 'abc123', params: { lambda: 1 }, seed: 1, spec: parseWith(trialSpecSchema, { data: { labelledCount: 10 }, student: { plugin: 'mlp', options: { hidden: [8] }, train: { epochs: 2, batchSize: 16, learningRate: 0.003 } }, distillation: { lambda: 1, temperature: 4 } }, 'test spec') },
    dataset: { plugin: 'mnist-embedded', options: {}, fingerprints: { train: 'f1', test: 'f2' } },
    plugins: [],
    teacherLogits: { sha256: 'a'.repeat(64), numExamples: 1, numClasses: 2, chunks: [{ sha256: 'b'.repeat(64), bytes: 8 }] },
  };

  it('a valid payload survives BullMQ’s JSON and is accepted', () => {
    expect(parseTrialJob(JSON.parse(JSON.stringify(job)), 'j1')).toEqual(job);
  });

  it('a bad payload is refused naming each wrong field; typed arrays (JSON objects after the trip) are not data', () => {
    const bad = JSON.parse(JSON.stringify({ ...job, trial: { ...job.trial, spec: { ...job.trial.spec, student: { ...job.trial.spec.student, train: { ...job.trial.spec.student.train, epochs: -1 } } } }, logits: new Float32Array(4), plugins: 'x' }));
    const error = (() => {
      try {
        parseTrialJob(bad, 'j2');
      } catch (e) {
        return e as Error;
      }
      throw new Error('expected a failure');
    })();
    expect(isDistilleryError(error) && error.code).toBe('E_QUEUE');
    expect(error.message).toContain('job j2 is not a valid Distillery trial job');
    expect(error.message).toContain('trial.spec.student.train.epochs');
    expect(error.message).toContain('plugins');
    expect(error.message).toContain('logits');
  });

  it('ids come from the sweep and the trial, so submitting twice is one job', async () => {
    const id = trialJobId(job.sweep, job.trial.id);
    expect(id).toBe(trialJobId(sweepFingerprint({ grid: { lambda: [0, 1] } }), 'abc123'));
    expect(id).not.toBe(trialJobId(sweepFingerprint({ grid: { lambda: [0, 2] } }), 'abc123'));
    const queue = new Queue('ids-test', { connection: { host: '127.0.0.1', port: redis.port } });
    try {
      await queue.add('trial', job, { jobId: id });
      await queue.add('trial', job, { jobId: id });
      expect(await queue.getJobCountByTypes('waiting', 'active', 'completed', 'failed')).toBe(1);
    } finally {
      await queue.close();
    }
  });
});

describe("BullMQ's words for a job a worker lost hold of", () => {
  it('are put as what they mean for the trial: the real messages of a lost lock and of a job gone from Redis', async () => {
    const name = 'distillery-lost-locks';
    const queue = new Queue(name, { connection: { host: '127.0.0.1', port: redis.port } });
    const worker = new Worker(name, null, { connection: { host: '127.0.0.1', port: redis.port } });
    try {
      const take = async (id: string) => {
        await queue.add('trial', {}, { jobId: id });
        const job = (await worker.getNextJob('token-1')) as Job;
        expect(job.id).toBe(id);
        return job;
      };
      // The lock gone (Redis restarted, the worker too busy to renew it): BullMQ refuses the result.
      const locked = await take('lock-lost');
      await client.del(`bull:${name}:lock-lost:lock`);
      const lostLock = await failure(locked.moveToCompleted({ ok: true }, 'token-1', false));
      expect(describeWorkerError(lostLock.message)).toMatch(/^job lock-lost: its result could not be handed back — this worker had lost its lock on it .* runs again, here or on another worker \(BullMQ: Missing lock for job lock-lost\. moveToFinished\)$/);
      // The job itself gone (Redis restarted empty).
      const removed = await take('gone');
      await client.del(`bull:${name}:gone`);
      const gone = await failure(removed.moveToCompleted({ ok: true }, 'token-1', false));
      expect(describeWorkerError(gone.message)).toMatch(/^job gone is no longer in Redis .* its coordinator submits it again if it still waits for it \(BullMQ: Missing key for job gone\. moveToFinished\)$/);
      expect(describeWorkerError('something else')).toBe('something else');
      expect(describeWorkerError('could not renew lock for job 7')).toMatch(/^could not renew the lock of job 7: /);
    } finally {
      await worker.close();
      await queue.obliterate({ force: true });
      await queue.close();
    }
  });
});
