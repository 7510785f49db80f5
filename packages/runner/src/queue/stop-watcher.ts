import type { Redis } from 'ioredis';
import { END_GRACE_MS, END_VALUE, STOP_KEY_PREFIX, stopChannel } from './job-error.js';

/**
 * Watches the stop keys of the trials this worker runs. The coordinator publishes a job's id on
 * the queue's stop channel after setting its key, and the key is read then (and every `pollMs`,
 * STOP_POLL_MS by default, in case a message was lost in a reconnect). A stop request lands in the trial's
 * stop flag, read after each epoch; an end request sets the flag too and, if the trial has not
 * ended within END_GRACE_MS (a step that never returns), aborts `signal`, which terminates its
 * thread (trials are tfjs only: safe to terminate).
 */
export class StopWatcher {
  private readonly checks = new Map<string, () => void>();

  private constructor(
    private readonly client: Redis,
    private readonly subscriber: Redis,
    private readonly pollMs: number,
  ) {}

  static async open(client: Redis, queue: string, pollMs: number): Promise<StopWatcher> {
    // A subscribed connection takes no other commands: a second one, with the same settings.
    const subscriber = client.duplicate();
    const watcher = new StopWatcher(client, subscriber, pollMs);
    subscriber.on('message', (_channel: string, jobId: string) => watcher.checks.get(jobId)?.());
    // Its errors are the main client's too (reconnects are retried); nothing to add here.
    subscriber.on('error', () => undefined);
    await subscriber.subscribe(stopChannel(queue));
    return watcher;
  }

  watch(jobId: string, flag: Int32Array): { signal: AbortSignal; ended: () => boolean; stop: () => void } {
    const controller = new AbortController();
    let ended = false;
    let grace: NodeJS.Timeout | undefined;
    const check = () => {
      void this.client.get(`${STOP_KEY_PREFIX}${jobId}`).then((value) => {
        if (value === null) return;
        Atomics.store(flag, 0, 1);
        if (value === END_VALUE && !ended) {
          ended = true;
          grace = setTimeout(() => controller.abort(), END_GRACE_MS);
        }
      }, () => undefined);
    };
    this.checks.set(jobId, check);
    // Once now: a request made after the job's start-up look and before this watch had no listener.
    check();
    const timer = setInterval(check, this.pollMs);
    return {
      signal: controller.signal,
      ended: () => ended,
      stop: () => {
        this.checks.delete(jobId);
        clearInterval(timer);
        clearTimeout(grace);
      },
    };
  }

  async close(): Promise<void> {
    await this.subscriber.quit().catch(() => this.subscriber.disconnect());
  }
}
