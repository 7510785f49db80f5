import type { EpochRecord } from '@distillery/core';
import type { SoftLabelProgress, SweepProgress } from '@distillery/runner';
import { createBarsView } from './bars-view.js';
import { createLinesView } from './lines-view.js';

/** What long commands report while they work; each mode decides how it is shown. */
export interface ProgressView {
  /** A message the user must see (phase changes, warnings, how to resume). */
  note(text: string): void;
  epoch(phase: string, record: EpochRecord, epochs: number): void;
  softLabels(progress: SoftLabelProgress): void;
  sweep(event: SweepProgress): void;
  /** Ends live output (bars) before the final report is printed. */
  stop(): void;
}

export type ProgressMode = 'bars' | 'lines' | 'quiet';

/** Bars on a terminal; plain periodic lines when stderr is a pipe or a CI log. */
export function progressMode(options: { quiet?: boolean; json?: boolean }, stream: NodeJS.WriteStream = process.stderr): ProgressMode {
  if (options.quiet === true || options.json === true) return 'quiet';
  return stream.isTTY === true ? 'bars' : 'lines';
}

export function createProgressView(mode: ProgressMode, stream: NodeJS.WritableStream = process.stderr): ProgressView {
  if (mode === 'bars') return createBarsView(stream);
  if (mode === 'lines') return createLinesView((line) => stream.write(`${line}\n`));
  return { note: () => undefined, epoch: () => undefined, softLabels: () => undefined, sweep: () => undefined, stop: () => undefined };
}

export function formatLosses(losses: Readonly<Record<string, number>>): string {
  return Object.entries(losses)
    .map(([name, value]) => `${name} ${value.toFixed(4)}`)
    .join(' · ');
}
