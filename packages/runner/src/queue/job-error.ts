import { DistilleryError, isDistilleryError, type DistilleryErrorCode, type DistilleryErrorJSON } from '@distillery/core';

/** The queue every Distillery worker and coordinator uses unless told otherwise. */
export const DEFAULT_QUEUE = 'distillery-trials';
/** `SET <prefix><jobId> 1`: the coordinator asks a remote trial to end after its current epoch. */
export const STOP_KEY_PREFIX = 'distillery:stop:';

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
