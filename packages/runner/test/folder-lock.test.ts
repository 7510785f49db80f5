import { setupBackend } from '@distillery/core';
import { createMlp } from '@distillery/students';
import { spawn, spawnSync } from 'node:child_process';
import { mkdir, mkdtemp, readFile, readdir, rm, writeFile } from 'node:fs/promises';
import { hostname, tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { FolderLock, LOCK_FILE, formatCacheRejection, generateSoftLabels } from '../src/index.js';
import { randomDataset } from './helpers/random-dataset.js';

let dir = '';
beforeAll(async () => {
  await setupBackend();
  dir = await mkdtemp(join(tmpdir(), 'distillery-lock-'));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

/** A pid that surely is not running: a process that has exited. */
function deadPid(): number {
  const child = spawnSync(process.execPath, ['-e', 'process.stdout.write(String(process.pid))'], { encoding: 'utf8' });
  return Number(child.stdout);
}

describe('FolderLock', () => {
  it('a lock file caught between its creation and its content: the refusal still names the holder', async () => {
    const folder = join(dir, 'being-written');
    await mkdir(folder, { recursive: true });
    // As another process does it: create the file empty ('wx'), write the holder a moment later.
    await writeFile(join(folder, LOCK_FILE), '');
    const holder = { pid: process.pid, host: hostname(), startedAt: new Date().toISOString(), purpose: 'sweep' };
    setTimeout(() => void writeFile(join(folder, LOCK_FILE), `${JSON.stringify(holder)}\n`), 150);
    await expect(FolderLock.acquire(folder, 'sweep')).rejects.toMatchObject({
      code: 'E_LOCKED',
      message: expect.stringContaining(`in use by sweep pid ${process.pid} on ${hostname()}`),
    });
  });

  it('holds pid, host and start time, refuses a second writer naming the holder, and is free after release', async () => {
    const folder = join(dir, 'one');
    const lock = await FolderLock.acquire(folder, 'sweep');
    const inside = JSON.parse(await readFile(join(folder, LOCK_FILE), 'utf8')) as Record<string, unknown>;
    expect(inside).toMatchObject({ pid: process.pid, host: hostname(), purpose: 'sweep' });
    expect(Date.parse(inside.startedAt as string)).toBeGreaterThan(Date.now() - 60_000);
    await expect(FolderLock.acquire(folder, 'sweep')).rejects.toMatchObject({
      code: 'E_LOCKED',
      message: expect.stringContaining(`in use by sweep pid ${process.pid} on ${hostname()}`),
    });
    await lock.release();
    const again = await FolderLock.acquire(folder, 'sweep');
    await again.release();
    expect(await readdir(folder)).toEqual([]);
  });

  it('takes over a stale lock (its pid is dead on this host), but not one held on another host', async () => {
    const stale = join(dir, 'stale');
    await mkdir(stale);
    await writeFile(join(stale, LOCK_FILE), JSON.stringify({ pid: deadPid(), host: hostname(), startedAt: '2026-01-01T00:00:00Z', purpose: 'sweep' }));
    const lock = await FolderLock.acquire(stale, 'sweep');
    expect(lock.holder.pid).toBe(process.pid);
    await lock.release();

    const remote = join(dir, 'remote');
    await mkdir(remote);
    await writeFile(join(remote, LOCK_FILE), JSON.stringify({ pid: deadPid(), host: 'other-machine', startedAt: '2026-01-01T00:00:00Z', purpose: 'sweep' }));
    await expect(FolderLock.acquire(remote, 'sweep')).rejects.toMatchObject({ code: 'E_LOCKED', message: expect.stringContaining('on other-machine') });
  });

  it('refuses a lock held by another live process, and waits for it when asked', async () => {
    const folder = join(dir, 'live');
    await mkdir(folder);
    // Another process holds the lock for 1.5 s.
    const child = spawn(process.execPath, ['-e', `
      const fs = require('node:fs');
      fs.writeFileSync(${JSON.stringify(join(folder, LOCK_FILE))}, JSON.stringify({ pid: process.pid, host: require('node:os').hostname(), startedAt: new Date().toISOString(), purpose: 'sweep' }), { flag: 'wx' });
      process.stdout.write('held');
      setTimeout(() => { fs.rmSync(${JSON.stringify(join(folder, LOCK_FILE))}); process.exit(0); }, 1500);
    `]);
    await new Promise((resolve) => child.stdout.once('data', resolve));
    await expect(FolderLock.acquire(folder, 'sweep')).rejects.toMatchObject({ code: 'E_LOCKED', message: expect.stringContaining(`pid ${child.pid}`) });
    const lock = await FolderLock.acquire(folder, 'sweep', { waitMs: 10_000 });
    expect(lock.holder.pid).toBe(process.pid);
    await lock.release();
  });
});

describe('logit cache writers', () => {
  it('two writers on one entry: the second waits and hits, and no temporary file is left behind', async () => {
    const cache = join(dir, 'cache-two');
    const dataset = randomDataset(500, 1, 4, 3);
    const teacher = createMlp({ inputShape: [4, 4, 1], numClasses: 3, hidden: [8], seed: 1 });
    const [a, b] = await Promise.all([
      generateSoftLabels({ teacher, dataset, cache, shardSize: 50 }),
      generateSoftLabels({ teacher, dataset, cache, shardSize: 50 }),
    ]);
    expect([a.cache, b.cache].sort()).toEqual(['hit', 'miss']);
    expect(Array.from(a.logits.values)).toEqual(Array.from(b.logits.values));
    const [entry] = await readdir(cache);
    const files = await readdir(join(cache, entry!));
    expect(files.filter((f) => f.endsWith('.tmp') || f === LOCK_FILE)).toEqual([]);
    expect(files.filter((f) => f.endsWith('.npy'))).toHaveLength(10);
    teacher.dispose();
  });

  it('reports a garbage manifest (not a silent miss), with what, why and that it is regenerated', async () => {
    const cache = join(dir, 'cache-garbage');
    const dataset = randomDataset(120, 2, 4, 3);
    const teacher = createMlp({ inputShape: [4, 4, 1], numClasses: 3, hidden: [8], seed: 2 });
    const first = await generateSoftLabels({ teacher, dataset, cache });
    const [entry] = await readdir(cache);
    const manifest = join(cache, entry!, 'manifest.json');
    await writeFile(manifest, '{"format": "distillery-logit-cache", "shards": [');
    const seen: string[] = [];
    const again = await generateSoftLabels({ teacher, dataset, cache, onCacheRejected: (r) => seen.push(formatCacheRejection(r)) });
    expect(again.cache).toBe('miss');
    expect(again.rejectedShards).toEqual([{ file: manifest, reason: expect.stringMatching(/^not valid JSON/) }]);
    expect(seen).toEqual([expect.stringMatching(new RegExp(`^\\[logit cache\\] rejected ${manifest.replace(/[.\\/]/g, '\\$&')}: not valid JSON .*; regenerated from the teacher$`))]);
    expect(Array.from(again.logits.values)).toEqual(Array.from(first.logits.values));
    // Rewritten: the next call is a clean hit.
    const third = await generateSoftLabels({ teacher, dataset, cache });
    expect([third.cache, third.rejectedShards]).toEqual(['hit', []]);

    await writeFile(manifest, JSON.stringify({ format: 'distillery-logit-cache', formatVersion: 1, teacherFingerprint: 'someone-else', shards: [] }));
    const foreign = await generateSoftLabels({ teacher, dataset, cache });
    expect(foreign.rejectedShards[0]!.reason).toMatch(/does not describe this entry \(teacherFingerprint is "someone-else"/);
    teacher.dispose();
  });
});
