import { readFileSync } from 'node:fs';
import { builtinLossDefaults, type BuiltinLossName } from '../src/index.js';

/** The fixture written by golden/make_golden.py (PyTorch, float64). */
export interface GoldenInput {
  readonly id: string;
  readonly batch: number;
  readonly classes: number;
  readonly scale: number;
  /** Row-major [batch, classes]. */
  readonly student: number[];
  readonly teacher: number[];
  readonly labels: number[];
}

export interface GoldenCase {
  readonly input: string;
  readonly loss: BuiltinLossName;
  readonly options: Record<string, unknown>;
  readonly epoch: number;
  readonly value: number;
  /** d loss / d student logits, row-major. */
  readonly grad: number[];
}

export interface GoldenFile {
  readonly torch: string;
  readonly inputs: GoldenInput[];
  readonly cases: GoldenCase[];
}

export function loadGolden(): GoldenFile {
  return JSON.parse(readFileSync(new URL('./golden/losses.json', import.meta.url), 'utf8')) as GoldenFile;
}

const FLOAT32_EPSILON = 2 ** -23;

/**
 * The absolute error float32 cannot avoid, for a value and for its gradient: a few ulps of the
 * numbers that cancel. A KL is a sum of p·(log p − log q), where each log-probability carries an
 * error of a few ε·(|z|/T + log C) however small the KL itself (near 0 when the student is close to
 * the teacher, or when T is large); its gradient T·(q − p)/B is a difference of probabilities with
 * the same relative error. A relative tolerance alone would demand of float32 what it cannot do on
 * such values, so the tests allow 1e-4 relative plus 16× this floor. For ordinary cases the floor
 * is below 1e-4 of the value; it dominates only where the reference itself is float32 noise.
 */
export function float32Floor(c: GoldenCase, input: GoldenInput): { value: number; grad: number } {
  const options = { ...builtinLossDefaults[c.loss], ...c.options } as Record<string, number>;
  const maxAbs = Math.max(...input.student.map(Math.abs), ...input.teacher.map(Math.abs));
  const logClasses = Math.log(input.classes);
  const B = input.batch;
  switch (c.loss) {
    case 'logit-mse':
      return { value: 0, grad: 0 }; // no cancellation: a mean of squares, and 2(s − t)/(BC)
    case 'ce':
      return { value: FLOAT32_EPSILON * (maxAbs + logClasses), grad: (FLOAT32_EPSILON * (maxAbs + logClasses)) / B };
    case 'dist': {
      // Pearson correlations near 1 cancel against 1; their inputs are probabilities (≤ 1).
      const T = options.temperature!;
      const magnitude = T * T * (options.beta! + options.gamma!);
      return { value: FLOAT32_EPSILON * magnitude, grad: (FLOAT32_EPSILON * magnitude) / (T * B) };
    }
    default: {
      const T = options.temperature!;
      const weight = c.loss === 'dkd' ? options.alpha! + options.beta! : 1;
      // ls-kd works on z-scores, which are at most √C in magnitude.
      const logits = c.loss === 'ls-kd' ? Math.sqrt(input.classes) : maxAbs;
      const magnitude = T * T * weight * (logits / T + logClasses);
      return { value: FLOAT32_EPSILON * magnitude, grad: (FLOAT32_EPSILON * magnitude) / (T * B) };
    }
  }
}
