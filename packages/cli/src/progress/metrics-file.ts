import { appendFileSync, mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import type { ProgressView } from './progress-view.js';

/**
 * Appends every finished epoch to a JSON-lines file as it happens — `{ time, phase, epoch,
 * epochs, losses, validation?, elapsedMs }` — so other tools can follow a run (tail -f, a
 * notebook), then hands the event on to the view. One short synchronous append per epoch.
 */
export function withMetricsFile(view: ProgressView, file: string): ProgressView {
  mkdirSync(dirname(file), { recursive: true });
  return {
    ...view,
    epoch(phase, record, epochs) {
      const line = {
        time: new Date().toISOString(),
        phase,
        epoch: record.epoch + 1,
        epochs,
        losses: record.losses,
        ...(record.validation === undefined ? {} : { validation: record.validation }),
        elapsedMs: record.elapsedMs,
      };
      appendFileSync(file, `${JSON.stringify(line)}\n`);
      view.epoch(phase, record, epochs);
    },
  };
}
