import * as tf from '@tensorflow/tfjs';

/**
 * Runs `fn` and throws if it leaves tensors behind. Every test that creates tensors wraps its
 * body in this, so a leak in a loss, augmentation or trainer fails loudly.
 */
export async function expectNoTensorLeak<T>(fn: () => T | Promise<T>): Promise<T> {
  const before = tf.memory().numTensors;
  const result = await fn();
  const after = tf.memory().numTensors;
  if (after !== before) {
    throw new Error(`tensor leak: ${after - before} tensor(s) left behind (${before} before, ${after} after)`);
  }
  return result;
}

/** max |a − b| / max |b|: a relative error that does not explode on entries near zero. */
export function relativeError(actual: ArrayLike<number>, expected: ArrayLike<number>): number {
  if (actual.length !== expected.length) {
    throw new Error(`relativeError: lengths differ (${actual.length} vs ${expected.length})`);
  }
  let maxDiff = 0;
  let maxRef = 0;
  for (let i = 0; i < expected.length; i++) {
    maxDiff = Math.max(maxDiff, Math.abs(actual[i]! - expected[i]!));
    maxRef = Math.max(maxRef, Math.abs(expected[i]!));
  }
  return maxRef === 0 ? maxDiff : maxDiff / maxRef;
}
