import type { Queue } from 'bullmq';
import type { Redis } from 'ioredis';
import { CONNECTION_ERROR } from './job-error.js';

/**
 * One outage of Redis, seen from this process: `onLost` at the first connection error of any of
 * `emitters` (ioredis retries every second and BullMQ reports each try), `onBack` when `client`
 * is ready again, each once per outage. Other errors go to `onOther`. Returns whether Redis is
 * in reach now.
 */
export function watchRedisOutages(
  emitters: ReadonlyArray<{ on(event: 'error', listener: (error: Error) => void): unknown }>,
  client: Redis,
  on: { readonly lost: (error: Error) => void; readonly back: () => void; readonly other: (error: Error) => void },
): () => boolean {
  let lost = false;
  const onError = (error: Error) => {
    if (!CONNECTION_ERROR.test(error.message)) return on.other(error);
    if (lost) return;
    lost = true;
    on.lost(error);
  };
  for (const emitter of emitters) emitter.on('error', onError);
  // ioredis says 'ready' on each reconnection of the client (BullMQ's worker does not re-emit it).
  client.on('ready', () => {
    if (!lost) return;
    lost = false;
    on.back();
  });
  return () => !lost;
}

/**
 * While `pending()` jobs wait, a look every `everyMs / 2`: no worker connected to `queue`
 * (BullMQ's getWorkers, from Redis' CLIENT LIST) at two looks in a row is said once through
 * `onNone`; a worker seen again re-arms it. A look while Redis is away is skipped; a Redis that
 * refuses CLIENT LIST (some hosted ones) is not watched. Clear the returned timer to stop.
 */
export function watchForWorkers(queue: Queue, pending: () => number, everyMs: number, onNone: () => void): ReturnType<typeof setInterval> {
  let empty = 0;
  let told = false;
  let looking = false;
  const timer = setInterval(() => {
    if (looking || pending() === 0) return;
    looking = true;
    void queue
      .getWorkers()
      .then(
        (workers) => {
          if (workers.length > 0) {
            empty = 0;
            told = false;
            return;
          }
          empty += 1;
          if (empty < 2 || told) return;
          told = true;
          onNone();
        },
        (error: unknown) => {
          if (!CONNECTION_ERROR.test(error instanceof Error ? error.message : String(error))) clearInterval(timer);
        },
      )
      .finally(() => (looking = false));
  }, everyMs / 2);
  timer.unref();
  return timer;
}

/**
 * BullMQ's own words for a job this worker lost hold of (its lock expired — Redis restarted, or
 * the worker's event loop was too busy to renew it — or the job left Redis), put as what it
 * means for the trial; any other message as it is.
 */
export function describeWorkerError(message: string): string {
  const lost = /^(?:Missing lock|Lock mismatch) for job (\S+?)\.?(?: |$)/.exec(message);
  if (lost !== null) {
    return `job ${lost[1]}: its result could not be handed back — this worker had lost its lock on it (Redis restarted, or the lock was not renewed in time); the job goes back to the queue and runs again, here or on another worker (BullMQ: ${message})`;
  }
  const gone = /^Missing key for job (\S+?)\.(?: |$)/.exec(message);
  if (gone !== null) {
    return `job ${gone[1]} is no longer in Redis (restarted without persistence, or its jobs were removed): the result here is dropped; its coordinator submits it again if it still waits for it (BullMQ: ${message})`;
  }
  const renew = /^could not renew lock for job (\S+)$/.exec(message);
  if (renew !== null) {
    return `could not renew the lock of job ${renew[1]}: should it stay unrenewed past the lock's duration, the job goes back to the queue and its result here is not used (BullMQ: ${message})`;
  }
  return message;
}
