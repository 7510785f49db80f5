import * as tf from '@tensorflow/tfjs';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';

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

/**
 * A `fetch` that serves the files of a local folder, for loading saved models through
 * `tf.io.http` exactly as a browser would (model.json first, then the weight files it names).
 */
export function folderFetch(folder: string): (input: string | URL | Request) => Promise<Response> {
  return async (input) => {
    const url = typeof input === 'string' ? input : input instanceof URL ? input.href : input.url;
    const name = decodeURIComponent(new URL(url).pathname.split('/').pop() ?? '');
    try {
      return new Response(await readFile(join(folder, name)), { status: 200 });
    } catch {
      return new Response('not found', { status: 404 });
    }
  };
}
