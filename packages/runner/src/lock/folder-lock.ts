import { DistilleryError } from '@distillery/core';
import { mkdir, open, readFile, rm, stat } from 'node:fs/promises';
import { hostname } from 'node:os';
import { join } from 'node:path';

/** What a lock file holds: enough to name the holder and to tell a dead one from a live one. */
export interface LockHolder {
  readonly pid: number;
  readonly host: string;
  readonly startedAt: string;
  /** What the holder is doing (e.g. "sweep", "logit cache"), for the refusal message. */
  readonly purpose: string;
}

export const LOCK_FILE = '.distillery.lock';

/**
 * One writer per folder. `acquire` creates `<folder>/.distillery.lock` exclusively (O_EXCL, so two
 * processes racing cannot both win) with the holder's pid, host and start time. A lock whose pid
 * is dead on this host is stale (a `kill -9`, a crash) and is taken over; a live holder, or one on
 * another host (whose pid cannot be checked from here), is refused with a message naming it —
 * at once, or after `waitMs` of waiting for it to go (the logit cache waits: the second process
 * then finds the first one's shards).
 */
export class FolderLock {
  private constructor(
    readonly file: string,
    readonly holder: LockHolder,
  ) {}

  static async acquire(folder: string, purpose: string, options: { readonly waitMs?: number } = {}): Promise<FolderLock> {
    const deadline = Date.now() + (options.waitMs ?? 0);
    for (;;) {
      try {
        return await FolderLock.tryAcquire(folder, purpose);
      } catch (error) {
        if ((error as DistilleryError).code !== 'E_LOCKED' || Date.now() >= deadline) throw error;
        await new Promise((resolve) => setTimeout(resolve, 100));
      }
    }
  }

  private static async tryAcquire(folder: string, purpose: string): Promise<FolderLock> {
    await mkdir(folder, { recursive: true });
    const file = join(folder, LOCK_FILE);
    const holder: LockHolder = { pid: process.pid, host: hostname(), startedAt: new Date().toISOString(), purpose };
    // Two rounds: the second follows the removal of a stale lock (another process may win it).
    for (let round = 0; round < 2; round++) {
      try {
        const handle = await open(file, 'wx');
        await handle.writeFile(`${JSON.stringify(holder)}\n`);
        await handle.close();
        return new FolderLock(file, holder);
      } catch (error) {
        if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
      }
      const existing = await settledHolder(file);
      if (existing === 'gone') continue;
      if (existing !== 'unreadable' && (existing.host !== holder.host || isAlive(existing.pid))) {
        throw lockedError(folder, existing);
      }
      if (existing === 'unreadable' && !(await olderThan(file, 5_000))) {
        // Being written right now by a process that just created it.
        throw lockedError(folder, undefined);
      }
      await rm(file, { force: true });
    }
    throw lockedError(folder, undefined);
  }

  /** Removes the lock (only if it is still ours). */
  async release(): Promise<void> {
    const current = await readHolder(this.file);
    if (current !== 'gone' && current !== 'unreadable' && current.pid === this.holder.pid && current.startedAt === this.holder.startedAt) {
      await rm(this.file, { force: true });
    }
  }
}

/** Runs `fn` holding the folder's lock (waiting up to `waitMs` for a live holder to finish). */
export async function withFolderLock<T>(folder: string, purpose: string, fn: () => Promise<T>, options: { readonly waitMs?: number } = {}): Promise<T> {
  const lock = await FolderLock.acquire(folder, purpose, options);
  try {
    return await fn();
  } finally {
    await lock.release();
  }
}

/**
 * The lock's holder, waiting up to a second while the file is unreadable and new: the process
 * that just created it is writing it (`open('wx')` then write), and the refusal should name it.
 */
async function settledHolder(file: string): Promise<LockHolder | 'gone' | 'unreadable'> {
  for (let tries = 0; ; tries++) {
    const holder = await readHolder(file);
    if (holder !== 'unreadable' || tries >= 50 || (await olderThan(file, 5_000))) return holder;
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

async function readHolder(file: string): Promise<LockHolder | 'gone' | 'unreadable'> {
  const text = await readFile(file, 'utf8').catch((error: NodeJS.ErrnoException) => (error.code === 'ENOENT' ? undefined : ''));
  if (text === undefined) return 'gone';
  try {
    const holder = JSON.parse(text) as LockHolder;
    return typeof holder.pid === 'number' && typeof holder.host === 'string' ? holder : 'unreadable';
  } catch {
    return 'unreadable';
  }
}

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    // EPERM: the process exists but belongs to someone else.
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}

async function olderThan(file: string, ms: number): Promise<boolean> {
  const info = await stat(file).catch(() => undefined);
  return info === undefined || Date.now() - info.mtimeMs > ms;
}

function lockedError(folder: string, holder: LockHolder | undefined): DistilleryError {
  const who =
    holder === undefined
      ? 'another process (its lock file is being written)'
      : `${holder.purpose} pid ${holder.pid} on ${holder.host}, started ${holder.startedAt}`;
  return new DistilleryError(
    'E_LOCKED',
    `${folder} is in use by ${who}. One process writes a folder at a time: wait for it to finish, use another folder, ` +
      `or, if that process is gone, delete ${join(folder, LOCK_FILE)}`,
    { details: { folder, ...(holder === undefined ? {} : { holder }) } },
  );
}
