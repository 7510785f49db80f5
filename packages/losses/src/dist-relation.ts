import { definePlugin, tf, type Loss } from '@distillery/core';
import { checkedLoss } from './checked-loss.js';
import { safeSqrt, temperedLogSoftmax } from './log-probabilities.js';
import { nonNegativeNumber, positiveNumber, readLossOptions } from './loss-options.js';

export interface DistOptions {
  /** Weight of the inter-class relation (rows: each example's class distribution). Default 1. */
  readonly beta?: number;
  /** Weight of the intra-class relation (columns: each class across the batch). Default 1. */
  readonly gamma?: number;
  /** τ > 0. Default 1. */
  readonly temperature?: number;
}

export const distDefaults = { beta: 1, gamma: 1, temperature: 1 } as const;

export function parseDistOptions(input: unknown): Required<DistOptions> {
  const options = readLossOptions('dist', input, distDefaults);
  return {
    beta: nonNegativeNumber('dist.beta', options.beta),
    gamma: nonNegativeNumber('dist.gamma', options.gamma),
    temperature: positiveNumber('dist.temperature', options.temperature),
  };
}

/** As in the authors' code: added to ‖a‖·‖b‖, so a constant row or column has correlation 0. */
const CORRELATION_EPSILON = 1e-8;

/** Pearson correlation of matching rows of a and b: [rows]. */
function rowCorrelation(a: tf.Tensor2D, b: tf.Tensor2D): tf.Tensor1D {
  const centredA = tf.sub(a, tf.mean(a, 1, true));
  const centredB = tf.sub(b, tf.mean(b, 1, true));
  const norm = (x: tf.Tensor) => safeSqrt(tf.sum(tf.square(x), 1));
  return tf.div(tf.sum(tf.mul(centredA, centredB), 1), tf.add(tf.mul(norm(centredA), norm(centredB)), CORRELATION_EPSILON));
}

/**
 * `dist`, DIST (Huang et al., NeurIPS 2022): τ² · (β · inter + γ · intra), where inter is
 * 1 − mean Pearson correlation between the rows of softmax(s/τ) and softmax(t/τ), and intra the
 * same over their columns. Matching relations instead of exact probabilities suits a teacher much
 * larger than its student. With batch 1, each column is a single value: intra is the constant 1.
 */
export function distLoss(options: DistOptions = {}): Loss {
  const { beta, gamma, temperature } = parseDistOptions(options);
  return checkedLoss({
    name: 'dist',
    requires: ['teacherLogits'],
    minClasses: 2,
    compute({ studentLogits, teacherLogits }) {
      const pStudent = tf.exp(temperedLogSoftmax(studentLogits, temperature));
      const pTeacher = tf.exp(temperedLogSoftmax(teacherLogits!, temperature));
      const inter = tf.sub(1, tf.mean(rowCorrelation(pStudent, pTeacher)));
      const intra = tf.sub(1, tf.mean(rowCorrelation(tf.transpose(pStudent), tf.transpose(pTeacher))));
      return tf.mul(tf.add(tf.mul(inter, beta), tf.mul(intra, gamma)), temperature * temperature) as tf.Scalar;
    },
  });
}

export const distPlugin = definePlugin({
  kind: 'loss',
  takesTemperature: true,
  name: 'dist',
  description: 'DIST: τ²·(β·inter-class + γ·intra-class Pearson relation loss)',
  parseOptions: parseDistOptions,
  create: (options) => distLoss(options),
});
