import { DistilleryError, isDistilleryError, type DistilleryErrorCode, type DistilleryErrorJSON } from '@distillery/core';

/** The queue every Distillery worker and coordinator uses unless told otherwise. */
export const DEFAULT_QUEUE = 'distillery-trials';
/**
 * `SET <prefix><jobId> <value>`: the coordinator's request to a remote trial. `STOP_VALUE`: end
 * after the current epoch, keeping what it trained (a timeout, a pruning decision). `END_VALUE`:
 * end now and fail the job (a trial that did not answer a stop, an aborted sweep): the worker
 * stops it at its next epoch or, past `END_GRACE_MS`, terminates its thread — and never hands
 * back a partial result, so a sweep run again runs such a trial in full unless it recorded it.
 */
export const STOP_KEY_PREFIX = 'distillery:stop:';
/**
 * After setting a stop key the coordinator publishes the job's id here (one channel per queue),
 * so the worker running it reads the key at once instead of at its next look; workers still look
 * every `STOP_POLL_MS`, which covers a message lost while a connection was re-established.
 */
export const stopChannel = (queue: string): string => `distillery:stops:${queue}`;
export const STOP_POLL_MS = 2000;
export const STOP_VALUE = '1';
export const END_VALUE = 'end';
export const END_GRACE_MS = 2000;

/**
 * BullMQ keeps only a failed job's message (`failedReason`), so the error travels as its JSON
 * there: the coordinator gets the code back, as it does from a worker thread.
 */
export function encodeJobError(error: unknown): string {
  const json = isDistilleryError(error) ? error.toJSON() : new DistilleryError('E_INTERNAL', error instanceof Error ? error.message : String(error)).toJSON();
  const { stack, ...rest } = json;
  void stack; // stacks of another machine's paths help no one reading the sweep's records
  return JSON.stringify(rest);
}

export function decodeJobError(failedReason: string | undefined): DistilleryErrorJSON {
  try {
    const parsed = JSON.parse(failedReason ?? '') as Partial<DistilleryErrorJSON>;
    if (parsed.name === 'DistilleryError' && typeof parsed.code === 'string' && typeof parsed.message === 'string') {
      return { name: 'DistilleryError', code: parsed.code as DistilleryErrorCode, message: parsed.message, ...(parsed.details === undefined ? {} : { details: parsed.details }) };
    }
  } catch {
    // Not ours: BullMQ's own reasons (a job stalled too often, a lock lost) are plain text.
  }
  return { name: 'DistilleryError', code: 'E_QUEUE', message: failedReason ?? 'the job failed without a reason' };
}

/** What ioredis says while Redis is out of reach (refused, gone, unresolvable, timing out). */
export const CONNECTION_ERROR = /ECONNREFUSED|ECONNRESET|ENOTFOUND|ETIMEDOUT|EHOSTUNREACH|Connection is closed/;
