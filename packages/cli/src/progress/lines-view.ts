import { describeTrialOutcome, formatCacheRejection } from '@distillery/runner';
import type { ProgressView } from './progress-view.js';
import { WorkerNumbers } from './progress-labels.js';
import { formatLosses } from './progress-view.js';

/** Plain lines, one per epoch, trial and tenth of the soft labels: readable in a CI log. */
export function createLinesView(write: (line: string) => void): ProgressView {
  let lastTenth = -1;
  const workerNumbers = new WorkerNumbers();
  return {
    note: write,
    epoch(phase, record, epochs) {
      const validation = record.validation === undefined ? '' : ` · val acc ${(100 * record.validation.accuracy).toFixed(2)}%`;
      write(`[${phase}] epoch ${record.epoch + 1}/${epochs} · ${formatLosses(record.losses)}${validation} · ${(record.elapsedMs / 1000).toFixed(1)}s`);
    },
    softLabels({ done, total, perWorker, perRemoteWorker }) {
      const tenth = total === 0 ? 10 : Math.floor((10 * done) / total);
      if (tenth === lastTenth) return;
      lastTenth = tenth;
      const workers = [...(perRemoteWorker ?? []), ...[...perWorker].map(([thread, n]) => [workerNumbers.label(thread), n] as const)].map(([name, n]) => `${name}: ${n}`).join(', ');
      write(`[soft-labels] ${done}/${total} examples${workers === '' ? '' : ` (${workers})`}`);
      if (done >= total) lastTenth = -1;
    },
    sweep(event) {
      if (event.type === 'start') write(`[sweep] ${event.total} trials, ${event.skipped} already finished in this folder`);
      else if (event.type === 'cache:rejected') write(formatCacheRejection(event.rejection));
      // Remote trials say where they run: on a queue, that is the only trace of a worker here.
      else if (event.type === 'trial:epoch' && event.worker !== undefined) write(`[sweep] trial ${event.id} epoch ${event.epoch}/${event.epochs} on ${event.worker}`);
      else if (event.type === 'trial:end') {
        const r = event.record;
        const outcome = describeTrialOutcome(r);
        write(`[sweep] ${event.finished}/${event.total} ${JSON.stringify(r.params)} seed ${r.seed}: ${outcome}`);
      }
    },
    stop: () => undefined,
  };
}
