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

/** Short names: λ, T and lr, and a run-spec path by its last part (`student.options.hidden` → `hidden`) where no other key of the trial ends the same. */
function shortNames(keys: readonly string[]): Map<string, string> {
  const symbol: Record<string, string> = { lambda: 'λ', temperature: 'T', learningRate: 'lr' };
  const last = (key: string) => key.slice(key.lastIndexOf('.') + 1);
  return new Map(keys.map((key) => {
    const tail = last(key);
    const unique = keys.filter((k) => last(k) === tail).length === 1;
    return [key, unique ? (symbol[tail] ?? tail) : key];
  }));
}

type Params = Readonly<Record<string, unknown>>;

/** A trial's parts, `λ=0.5 T=2` and `seed 1`: its grid values (short names), then its seed. */
function trialParts(params: Params | undefined, seed: number | undefined): { values: string[]; keys: string[]; seed: string[] } {
  const names = shortNames(Object.keys(params ?? {}));
  const entries = Object.entries(params ?? {});
  const values = entries.map(([key, value]) => `${names.get(key)}=${typeof value === 'string' ? value : JSON.stringify(value)}`);
  return { values, keys: entries.map(([key]) => key), seed: seed === undefined ? [] : [`seed ${seed}`] };
}

/** A trial as a person tells it from the others: `λ=0.5 T=2 seed 1` (its id when it has neither). */
export function trialLabel(params: Params | undefined, seed: number | undefined): string {
  const { values, seed: seedPart } = trialParts(params, seed);
  return [...values, ...seedPart].join(' ');
}

/**
 * The order grid values give way in, last first: values that tell this row from the rows beside
 * it (`others`, the trials on the other workers' rows) are kept longest, then the rest, each
 * group in the grid's order. Without others, simply the grid's order.
 */
function keepOrder(keys: readonly string[], params: Params | undefined, others: readonly Params[]): number[] {
  const same = (a: unknown, b: unknown) => JSON.stringify(a) === JSON.stringify(b);
  const telling = keys.map((key) => others.some((o) => !same(o[key], params?.[key])));
  const indices = keys.map((_, i) => i);
  return [...indices.filter((i) => telling[i]), ...indices.filter((i) => !telling[i])];
}

/**
 * A sweep row's details: the trial, its last epoch's loss terms and validation accuracy. Where
 * `room` is too small, the loss terms go first, then grid values (`…` in their place) — those
 * shared with every other row in `others` before those that tell the rows apart: the seed and
 * the validation accuracy stay.
 */
export function trialEpochInfo(event: Extract<SweepProgress, { type: 'trial:epoch' }>, room?: number, others: readonly Params[] = []): string {
  const { values, keys, seed } = trialParts(event.params, event.seed);
  const trial = [...values, ...seed].join(' ') || event.id;
  const validation = event.last?.validationAccuracy === undefined ? [] : [`val ${(100 * event.last.validationAccuracy).toFixed(1)}%`];
  const fits = (text: string) => room === undefined || [...text].length <= room;
  if (event.last !== undefined) {
    const full = [trial, formatLosses(event.last.losses), ...validation].join(' · ');
    if (fits(full)) return full;
  }
  const short = [trial, ...validation].join(' · ');
  if (fits(short) || trial === event.id) return short;
  const order = keepOrder(keys, event.params, others);
  for (let kept = values.length - 1; kept >= 0; kept--) {
    const keep = new Set(order.slice(0, kept));
    const cut = [[...values.filter((_, i) => keep.has(i)), '…', ...seed].join(' '), ...validation].join(' · ');
    if (fits(cut)) return cut;
  }
  return [['…', ...seed].join(' '), ...validation].join(' · ');
}
