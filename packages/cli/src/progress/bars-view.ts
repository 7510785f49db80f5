import { describeTrialOutcome, formatCacheRejection } from '@distillery/runner';
import cliProgress from 'cli-progress';
import { terminalColumns, wrapToWidth } from '../wrap-text.js';
import { WorkerNumbers, trialEpochInfo } from './progress-labels.js';
import type { ProgressView } from './progress-view.js';
import { formatLosses } from './progress-view.js';

const ROW = ' {label} |{bar}| {value}/{total} {info}';
/** Totals (soft labels, trials) also say how long is left. */
const TOTAL_ROW = ' {label} |{bar}| {value}/{total} {info}{remaining}';

/**
 * Live bars on a terminal (cli-progress MultiBar): one per worker during soft-label generation
 * and sweeps, plus a total with an ETA; the current training's epoch and loss terms. Workers are
 * numbered 1…N; a sweep row shows its trial's values, seed, loss terms and validation accuracy.
 */
export function createBarsView(stream: NodeJS.WritableStream): ProgressView {
  // forceRedraw: cli-progress skips a row whose text is unchanged, but a note written above the
  // bars moves them down a line, so an unchanged row (a finished teacher's) would be left blank
  // and a stale copy of another row would stay where it was.
  // The bars narrow on a narrow terminal (30 wide from 90 columns, 20 at 80): what a row says
  // matters more than how long its bar is, and cli-progress cuts a row at the terminal's edge.
  const columns = terminalColumns(stream);
  const barsize = columns === undefined ? 30 : Math.max(10, Math.min(30, columns - 60));
  const multibar = new cliProgress.MultiBar(
    { stream, clearOnComplete: false, hideCursor: true, format: ROW, barsize, autopadding: true, etaBuffer: 20, forceRedraw: true },
    cliProgress.Presets.shades_classic,
  );
  const bars = new Map<string, cliProgress.SingleBar>();
  const bar = (key: string, label: string, total: number, format = ROW) => {
    let b = bars.get(key);
    if (b === undefined) {
      b = multibar.create(total, 0, { label: label.padEnd(14), info: '', remaining: '' }, { format });
      bars.set(key, b);
    }
    b.setTotal(total);
    return b;
  };
  // ETAs from this command's own pace (cli-progress's prints NULL until it has a rate).
  const eta = new Map<string, { started: number; from: number }>();
  const remaining = (key: string, done: number, total: number): string => {
    const now = performance.now();
    const first = eta.get(key) ?? { started: now, from: done };
    eta.set(key, first);
    if (done >= total) return '';
    if (done <= first.from) return ' · eta …';
    return ` · eta ${formatDuration(((now - first.started) / (done - first.from)) * (total - done))}`;
  };
  // cli-progress turns the terminal's line wrap off while the bars live: a note wider than the
  // terminal would be cut off at its edge, so it is wrapped here. cli-progress clears only the
  // line a note starts on; each further line of it is written over a bar row, so it clears its
  // line first (ESC [2K).
  const note = (text: string) => multibar.log(`${wrapToWidth(text, columns).replace(/\n/g, '\n\x1b[2K')}\n`);
  const softWorkers = new WorkerNumbers();
  const sweepWorkers = new WorkerNumbers();
  /** The grid values of the trial each sweep row shows now. */
  const rowParams = new Map<string, Readonly<Record<string, unknown>>>();
  return {
    note,
    epoch(phase, record, epochs) {
      const validation = record.validation === undefined ? '' : ` · val ${(100 * record.validation.accuracy).toFixed(1)}%`;
      bar(`epoch:${phase}`, phase, epochs).update(record.epoch + 1, { info: `${formatLosses(record.losses)}${validation}` });
    },
    softLabels({ done, total, perWorker, perRemoteWorker }) {
      bar('soft:total', 'soft labels', total, TOTAL_ROW).update(done, { info: 'examples', remaining: remaining('soft', done, total) });
      // A queue's workers by their host/pid, the local pool's numbered.
      const rows = [...(perRemoteWorker ?? new Map<string, number>())].map(([name, n]) => [`soft:${name}`, name, n] as const);
      rows.push(...[...perWorker].map(([thread, n]) => [`soft:${thread}`, softWorkers.label(thread), n] as const));
      for (const [key, label, n] of rows) {
        // A worker's share is known only at the end: until then an even share, then its own count (100 %).
        const share = done >= total ? n : Math.max(n, Math.ceil(total / rows.length));
        bar(key, `  ${label}`, share).update(n);
      }
    },
    sweep(event) {
      if (event.type === 'start') bar('sweep:total', 'trials', event.total, TOTAL_ROW).update(event.skipped, { info: 'done', remaining: remaining('sweep', event.skipped, event.total) });
      else if (event.type === 'trial:epoch') {
        // A local pool's trials say `thread N`: numbered here like soft-label workers; a queue worker keeps host/pid.
        const remote = event.worker === undefined || /^thread \d+$/.test(event.worker) ? undefined : event.worker;
        const worker = sweepWorkers.label(event.threadId, remote);
        const label = `  ${worker}`;
        // What is left of the row for its info: ' {label} |{bar}| {value}/{total} ' before it, and
        // the last column (a row that fills it lost its last character in tmux: `val 95.7` for `95.7%`).
        const room = columns === undefined ? undefined : columns - 1 - (1 + Math.max(14, label.length) + 2 + barsize + 2 + `${event.epoch}/${event.epochs}`.length + 1);
        const key = `sweep:${event.worker ?? event.threadId}`;
        rowParams.set(key, event.params ?? {});
        // The other rows' trials: values that tell this row from them are the last to give way.
        const others = [...rowParams].filter(([k]) => k !== key).map(([, p]) => p);
        bar(key, label, event.epochs).update(event.epoch, { info: trialEpochInfo(event, room, others) });
      } else if (event.type === 'cache:rejected') note(formatCacheRejection(event.rejection));
      else {
        const info = event.record.status === 'ok' ? 'done' : `last: ${describeTrialOutcome(event.record)}`;
        bar('sweep:total', 'trials', event.total, TOTAL_ROW).update(event.finished, { info, remaining: remaining('sweep', event.finished, event.total) });
      }
    },
    stop: () => multibar.stop(),
  };
}

/** 1m 05s, 42s. */
function formatDuration(ms: number): string {
  const seconds = Math.max(1, Math.round(ms / 1000));
  return seconds < 60 ? `${seconds}s` : `${Math.floor(seconds / 60)}m ${String(seconds % 60).padStart(2, '0')}s`;
}
