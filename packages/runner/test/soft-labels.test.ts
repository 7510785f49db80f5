import { InMemoryDataset, setupBackend } from '@distillery/core';
import { createMlp } from '@distillery/students';
import { mkdtemp, readFile, readdir, rm, truncate, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { LogitCache, RunnerPool, generateSoftLabels } from '../src/index.js';
import { randomDataset } from './helpers/random-dataset.js';

const teacherOf = (seed: number) => createMlp({ inputShape: [6, 6, 1], numClasses: 5, hidden: [32, 16], seed });
const maxAbsDiff = (a: Float32Array, b: Float32Array) => a.reduce((m, v, i) => Math.max(m, Math.abs(v - b[i]!)), 0);

let dir = '';
let pool: RunnerPool;
beforeAll(async () => {
  await setupBackend();
  dir = await mkdtemp(join(tmpdir(), 'distillery-soft-labels-'));
  pool = new RunnerPool({ workers: 2 });
});
afterAll(async () => {
  await pool.destroy();
  await rm(dir, { recursive: true, force: true });
});

describe('generateSoftLabels', () => {
  it('gives the single-thread logits from 2 workers, whatever the shard size', async () => {
    const dataset = randomDataset(1003, 1);
    const teacher = teacherOf(1);
    const single = await generateSoftLabels({ teacher, dataset });
    expect(single.cache).toBe('none');
    for (const shardSize of [1003, 300, 97]) {
      const events: number[] = [];
      let workersSeen = 0;
      const sharded = await generateSoftLabels({
        teacher,
        dataset,
        pool,
        shardSize,
        batchSize: 64,
        onProgress: (p) => {
          events.push(p.done);
          workersSeen = Math.max(workersSeen, p.perWorker.size);
        },
      });
      expect(maxAbsDiff(sharded.logits.values, single.logits.values)).toBeLessThanOrEqual(1e-5);
      expect(events[events.length - 1]).toBe(1003);
      if (shardSize < 1003) expect(workersSeen).toBe(2);
    }
    teacher.dispose();
  });

  it('uses a fresh pool per call when given only a worker count', async () => {
    const dataset = randomDataset(200, 2);
    const teacher = teacherOf(2);
    const result = await generateSoftLabels({ teacher, dataset, workers: 2, shardSize: 50 });
    const single = await generateSoftLabels({ teacher, dataset });
    expect(maxAbsDiff(result.logits.values, single.logits.values)).toBeLessThanOrEqual(1e-5);
    teacher.dispose();
  });

  it('refuses a worker count that is not one, or that the given pool or executor would override', async () => {
    const dataset = randomDataset(20, 3);
    const teacher = teacherOf(3);
    // 3 beside a 2-worker pool ran on 2; beside an executor, on the executor's workers.
    await expect(generateSoftLabels({ teacher, dataset, workers: 0 })).rejects.toThrow('soft labels workers: expected a positive integer, got 0');
    await expect(generateSoftLabels({ teacher, dataset, pool, workers: 3 })).rejects.toThrow(
      'soft labels workers: the given pool has 2 workers, so workers (3) would be ignored: leave it out, or leave out pool for a pool of 3 made for this call',
    );
    const executor = () => Promise.reject(new Error('not reached'));
    await expect(generateSoftLabels({ teacher, dataset, executor, workers: 2 })).rejects.toThrow(
      "soft labels workers: the given executor's own workers do the work, so workers (2) would be ignored: leave it out",
    );
    expect((await generateSoftLabels({ teacher, dataset, pool, workers: 2 })).logits.size).toBe(20);
    teacher.dispose();
  });

  it('caches raw logits: a hit skips the teacher; another teacher or dataset is a miss', async () => {
    const cacheDir = join(dir, 'cache-hit');
    const dataset = randomDataset(400, 3);
    const teacher = teacherOf(3);
    const first = await generateSoftLabels({ teacher, dataset, pool, cache: cacheDir, shardSize: 100 });
    expect(first).toMatchObject({ cache: 'miss', teacherPasses: 1, examplesComputed: 400 });
    // A temperature sweep of k values reuses the raw logits: k hits, zero teacher passes.
    let passes = first.teacherPasses;
    for (let k = 0; k < 3; k++) {
      const again = await generateSoftLabels({ teacher, dataset, pool, cache: cacheDir });
      expect(again.cache).toBe('hit');
      passes += again.teacherPasses;
      expect(Array.from(again.logits.values)).toEqual(Array.from(first.logits.values));
    }
    expect(passes).toBe(1);
    const otherTeacher = teacherOf(4);
    expect((await generateSoftLabels({ teacher: otherTeacher, dataset, cache: cacheDir })).cache).toBe('miss');
    expect((await generateSoftLabels({ teacher, dataset: randomDataset(400, 5), cache: cacheDir })).cache).toBe('miss');
    teacher.dispose();
    otherTeacher.dispose();
  });

  it('detects a corrupted or truncated shard by its checksum, reports it and recomputes only it', async () => {
    const cacheDir = join(dir, 'cache-corrupt');
    const dataset = randomDataset(300, 6);
    const teacher = teacherOf(6);
    const first = await generateSoftLabels({ teacher, dataset, cache: cacheDir, shardSize: 100 });
    const [entry] = await readdir(cacheDir);
    const shards = (await readdir(join(cacheDir, entry!))).filter((f) => f.endsWith('.npy')).sort();
    expect(shards).toHaveLength(3);
    // Flip bytes inside the data of the second shard, truncate the third.
    const second = join(cacheDir, entry!, shards[1]!);
    const bytes = new Uint8Array(await readFile(second));
    bytes[bytes.length - 5]! ^= 0xff;
    await writeFile(second, bytes);
    await truncate(join(cacheDir, entry!, shards[2]!), 200);
    const again = await generateSoftLabels({ teacher, dataset, cache: cacheDir });
    expect(again.cache).toBe('partial');
    expect(again.examplesComputed).toBe(200);
    expect(again.rejectedShards.map((r) => r.reason)).toEqual([expect.stringMatching(/checksum mismatch/), expect.stringMatching(/checksum mismatch/)]);
    // The good first shard is read back bit for bit; the two recomputed ones are the teacher's
    // logits again — computed as one batch of 200 rows instead of two of 100, which the native
    // GEMM (OpenBLAS blocks by the row count) may round differently in the last bits.
    const row = dataset.numClasses;
    expect(Array.from(again.logits.values.subarray(0, 100 * row))).toEqual(Array.from(first.logits.values.subarray(0, 100 * row)));
    expect(maxAbsDiff(again.logits.values, first.logits.values)).toBeLessThanOrEqual(1e-5);
    expect((await generateSoftLabels({ teacher, dataset, cache: cacheDir })).cache).toBe('hit');
    teacher.dispose();
  });

  it('keys the cache by the augmentation seed too', () => {
    const cache = new LogitCache(dir);
    const key = { teacherFingerprint: 'a', datasetFingerprint: 'b', numExamples: 1, numClasses: 2 };
    expect(cache.directoryFor({ ...key, augmentationSeed: 1 })).not.toBe(cache.directoryFor({ ...key, augmentationSeed: 2 }));
    expect(cache.directoryFor(key)).not.toBe(cache.directoryFor({ ...key, augmentationSeed: 1 }));
  });

  it('brings a worker error back as a DistilleryError with its code, from either runtime', async () => {
    const teacher = teacherOf(7);
    const wrongShape = new InMemoryDataset({ name: 'wide', inputShape: [7, 7, 1], numClasses: 5, features: new Float32Array(49 * 4), labels: new Int32Array(4) });
    await expect(generateSoftLabels({ teacher, dataset: wrongShape, pool, runtime: 'tfjs' })).rejects.toMatchObject({
      name: 'DistilleryError',
      code: 'E_SHAPE',
      message: expect.stringContaining('takes examples of shape [6, 6, 1] but dataset'),
    });
    await expect(generateSoftLabels({ teacher, dataset: wrongShape, pool, runtime: 'ort' })).rejects.toMatchObject({
      name: 'DistilleryError',
      code: 'E_SHAPE',
      message: expect.stringMatching(/input 'input' \[batch, 6, 6, 1\] does not fit dataset wide: expected \[batch, 7, 7, 1\]/),
    });
    teacher.dispose();
  });
});
