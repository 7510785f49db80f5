import type { SweepProgress } from '@distillery/runner';
import { formatLosses } from './progress-view.js';

/**
 * Workers named 1…N in the order they first report, not by thread id (ids start wherever
 * Node's thread counter is); a queue worker keeps its `host/pid`.
 */
export class WorkerNumbers {
  private readonly numbers = new Map<number, number>();

  label(threadId: number, remote?: string): string {
    if (remote !== undefined) return remote;
    if (threadId === 0) return 'this thread';
    let n = this.numbers.get(threadId);
    if (n === undefined) {
      n = this.numbers.size + 1;
      this.numbers.set(threadId, n);
    }
    return `worker ${n}`;
  }
}

/** `λ=0.5 T=2 seed 1`: a trial's grid values (short names for λ and T) and seed. */
export function trialLabel(params: Readonly<Record<string, unknown>> | undefined, seed: number | undefined): string {
  const short: Record<string, string> = { lambda: 'λ', temperature: 'T' };
  const values = Object.entries(params ?? {}).map(([key, value]) => `${short[key] ?? key}=${typeof value === 'string' ? value : JSON.stringify(value)}`);
  return [...values, ...(seed === undefined ? [] : [`seed ${seed}`])].join(' ');
}

/** A sweep row's details: the trial, its last epoch's loss terms and validation accuracy (without the loss terms where `room` is too small for them). */
export function trialEpochInfo(event: Extract<SweepProgress, { type: 'trial:epoch' }>, room?: number): string {
  const trial = trialLabel(event.params, event.seed) || event.id;
  if (event.last === undefined) return trial;
  const validation = event.last.validationAccuracy === undefined ? [] : [`val ${(100 * event.last.validationAccuracy).toFixed(1)}%`];
  const full = [trial, formatLosses(event.last.losses), ...validation].join(' · ');
  // Short of room (a narrow terminal), the loss terms go first: the trial and its validation accuracy stay.
  return room === undefined || [...full].length <= room || validation.length === 0 ? full : [trial, ...validation].join(' · ');
}
