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
