import type { Queue } from 'bullmq';

/**
 * Removes the jobs no worker has taken yet (waiting, delayed, prioritized) whose ids
 * start with one of `prefixes`; returns how many went. A job a worker holds is locked and stays
 * (BullMQ's remove gives 0 for it); finished and failed ones keep their results.
 */
export async function removeWaitingJobs(queue: Queue, prefixes: readonly string[]): Promise<number> {
  if (prefixes.length === 0) return 0;
  const jobs = await queue.getJobs(['waiting', 'delayed', 'prioritized'], 0, -1);
  let removed = 0;
  for (const job of jobs) {
    const id = job?.id;
    if (id === undefined || !prefixes.some((prefix) => id.startsWith(prefix))) continue;
    removed += await queue.remove(id).catch(() => 0);
  }
  return removed;
}
