import { describeTrialOutcome, formatCacheRejection } from '@distillery/runner';
import cliProgress from 'cli-progress';
import type { ProgressView } from './progress-view.js';
import { formatLosses } from './progress-view.js';

/**
 * Live bars on a terminal (cli-progress MultiBar): one per worker during soft-label generation
 * and sweeps, plus a total; the current training's epoch and loss terms.
 */
export function createBarsView(stream: NodeJS.WritableStream): ProgressView {
  const multibar = new cliProgress.MultiBar(
    { stream, clearOnComplete: false, hideCursor: true, format: ' {label} |{bar}| {value}/{total} {info}', barsize: 30, autopadding: true },
    cliProgress.Presets.shades_classic,
  );
  const bars = new Map<string, cliProgress.SingleBar>();
  const bar = (key: string, label: string, total: number) => {
    let b = bars.get(key);
    if (b === undefined) {
      b = multibar.create(total, 0, { label: label.padEnd(14), info: '' });
      bars.set(key, b);
    }
    b.setTotal(total);
    return b;
  };
  return {
    note: (text) => multibar.log(`${text}\n`),
    epoch(phase, record, epochs) {
      const validation = record.validation === undefined ? '' : ` · val ${(100 * record.validation.accuracy).toFixed(1)}%`;
      bar(`epoch:${phase}`, phase, epochs).update(record.epoch + 1, { info: `${formatLosses(record.losses)}${validation}` });
    },
    softLabels({ done, total, perWorker }) {
      bar('soft:total', 'soft labels', total).update(done, { info: 'examples' });
      for (const [thread, n] of perWorker) bar(`soft:${thread}`, thread === 0 ? '  this thread' : `  worker ${thread}`, total).update(n);
    },
    sweep(event) {
      if (event.type === 'start') bar('sweep:total', 'trials', event.total).update(event.skipped, { info: 'done' });
      else if (event.type === 'trial:epoch') bar(`sweep:${event.worker ?? event.threadId}`, `  ${event.worker ?? `worker ${event.threadId}`}`, event.epochs).update(event.epoch, { info: event.id });
      else if (event.type === 'cache:rejected') multibar.log(`${formatCacheRejection(event.rejection)}\n`);
      else bar('sweep:total', 'trials', event.total).update(event.finished, { info: event.record.status === 'ok' ? 'done' : `last: ${describeTrialOutcome(event.record)}` });
    },
    stop: () => multibar.stop(),
  };
}
