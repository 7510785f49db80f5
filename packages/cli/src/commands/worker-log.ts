import type { QueueWorkerEvent } from '@distillery/runner';
import { trialLabel } from '../progress/progress-labels.js';

const LOGITS_FROM = { cache: 'read from the shared logit cache', local: "read from this worker's folder", redis: 'fetched from Redis, checksums checked' } as const;

const seconds = (ms: number) => `${(ms / 1000).toFixed(1)} s`;

/**
 * A queue worker's log, a line per event: each trial named by its grid values and seed (the
 * id alone tells a person nothing), its end with its time and result, and progress at most
 * every `everyMs` per job — a heartbeat for long trials, not a line per epoch (`everyMs` 0:
 * every one).
 */
export class WorkerLog {
  /** Running jobs: how their lines name them, and when each last had one. */
  private readonly jobs = new Map<string, { name: string; lastLineAt: number }>();

  constructor(
    private readonly everyMs: number,
    private readonly now: () => number = () => performance.now(),
  ) {}

  /** The line for an event; none for progress said recently, or a refusal said before. */
  line(event: QueueWorkerEvent): string | undefined {
    switch (event.type) {
      case 'ready':
        return `${event.worker}: waiting for trials and soft-label shards on queue ${event.queue} (${event.concurrency} at a time)`;
      case 'start': {
        const label = event.trial === undefined ? '' : trialLabel(event.trial.params, event.trial.seed);
        const name = label === '' ? event.task : `${event.task} (${label})`;
        this.jobs.set(event.jobId, { name, lastLineAt: this.now() });
        return `${name}: started${event.attempt > 1 ? ` (attempt ${event.attempt})` : ''}`;
      }
      case 'progress': {
        const job = this.jobs.get(event.jobId);
        const at = this.now();
        if (job !== undefined && at - job.lastLineAt < this.everyMs) return undefined;
        if (job !== undefined) job.lastLineAt = at;
        return `${job?.name ?? event.task}: ${event.task.startsWith('trial') ? 'epoch' : 'examples'} ${event.done}/${event.total}`;
      }
      case 'end': {
        const name = this.jobs.get(event.jobId)?.name ?? event.task;
        this.jobs.delete(event.jobId);
        if (!event.ok) return `${name}: failed after ${seconds(event.elapsedMs)}: ${event.message ?? ''}`;
        const result = [
          ...(event.epochs === undefined ? [] : [`${event.epochs} epoch${event.epochs === 1 ? '' : 's'}`]),
          ...(event.validationAccuracy === undefined ? [] : [`best val ${(100 * event.validationAccuracy).toFixed(2)} %`]),
        ];
        return `${name}: done in ${[seconds(event.elapsedMs), ...result].join(' · ')}`;
      }
      case 'warning':
        return `warning: ${event.message}`;
      case 'refused':
        return event.first ? `refused job ${event.jobId}: ${event.message} (jobs refused for the same reason are not listed again)` : undefined;
      case 'logits':
        return `teacher logits ${event.sha256.slice(0, 12)}…: ${LOGITS_FROM[event.source]} (${(event.bytes / 1024).toFixed(0)} KiB)`;
    }
  }
}
