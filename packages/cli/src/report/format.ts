import type { MeanStd } from '@distillery/runner';
import type { ModelSpeed } from './report-data.js';

/** 0.8731 → "87.31%". */
export const percent = (share: number, digits = 2) => `${(100 * share).toFixed(digits)}%`;

/**
 * Accuracy shares as "87.31 ± 0.42" (in %); the mean alone from a single seed, whose std of 0
 * would claim a certainty it does not have; "—" when no trial succeeded.
 */
export function percentMeanStd(m: MeanStd, seeds: number, digits = 2): string {
  if (seeds === 0 || Number.isNaN(m.mean)) return '—';
  const mean = (100 * m.mean).toFixed(digits);
  return seeds === 1 ? mean : `${mean} ± ${(100 * m.std).toFixed(digits)}`;
}

/** 669706 → "669,706". */
export const integer = (n: number) => Math.round(n).toLocaleString('en-US');

/** A grid value as the config would spell it: 0.5, "dkd", [32, 16]. */
/** A grid value as text; a key a combination does not set (T at λ = 0, where it changes nothing) is "—". */
export const gridValue = (value: unknown) => (value === undefined ? '—' : typeof value === 'string' ? value : JSON.stringify(value));

/** Milliseconds as "43 ms", "1.4 s" or "2 min 05 s". */
export function duration(ms: number): string {
  if (ms < 1000) return `${Math.round(ms)} ms`;
  const seconds = ms / 1000;
  if (seconds < 60) return `${seconds.toFixed(1)} s`;
  const whole = Math.round(seconds);
  return `${Math.floor(whole / 60)} min ${String(whole % 60).padStart(2, '0')} s`;
}

/** 347262 → 350000: throughputs vary by more than 1% from pass to pass, so more digits would be noise. */
export const significant = (n: number, digits = 2) => Number(n.toPrecision(digits));

/** A measured speed as "350,000 (320,000–370,000)": the median pass and the slowest–fastest range. */
export function speedText(speed: ModelSpeed): string {
  const median = integer(significant(speed.samplesPerSecond));
  return speed.range === undefined ? median : `${median} (${integer(significant(speed.range[0]))}–${integer(significant(speed.range[1]))})`;
}

/**
 * Whether two speeds are the same within their timing noise: their slowest–fastest ranges
 * overlap, or (with no ranges recorded) they round to the same two significant digits.
 */
export function sameSpeed(a: ModelSpeed, b: ModelSpeed): boolean {
  if (a.range === undefined || b.range === undefined) return significant(a.samplesPerSecond) === significant(b.samplesPerSecond);
  return a.range[0] <= b.range[1] && b.range[0] <= a.range[1];
}
