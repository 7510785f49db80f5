import * as tf from '@tensorflow/tfjs';
import { afterAll, describe, expect, it } from 'vitest';
import { loadNative, setupBackend } from '../src/index.js';
import { createRandom } from '../src/random.js';
import { createAdam } from '../src/training/fused-adam.js';
import { expectNoTensorLeak } from '../src/testing.js';

const native = await loadNative();

function randomValues(size: number, seed: number, scale = 1): Float32Array {
  const rng = createRandom(seed);
  return Float32Array.from({ length: size }, () => scale * (rng.next() * 2 - 1));
}

const SHAPES = [[37, 5], [5], [3, 3, 2, 4]];

/** Steps of Adam on fixed gradient sequences (spanning magnitudes); returns the weights' final values. */
async function train(optimizer: { applyGradients(g: tf.NamedTensorMap): void; dispose(): void }, steps: number): Promise<Float32Array[]> {
  const initial = SHAPES.map((shape, i) => tf.tensor(randomValues(shape.reduce((a, b) => a * b, 1), i + 1), shape));
  const variables = initial.map((t) => tf.variable(t));
  tf.dispose(initial);
  for (let step = 0; step < steps; step++) {
    const grads = Object.fromEntries(
      variables.map((v, i) => [v.name, tf.tensor(randomValues(v.size, 100 * step + i, 10 ** ((step % 5) - 3)), v.shape)]),
    );
    optimizer.applyGradients(grads);
    tf.dispose(Object.values(grads));
  }
  const values = await Promise.all(variables.map((v) => v.data() as Promise<Float32Array>));
  optimizer.dispose();
  tf.dispose(variables);
  return values;
}

describe('fused Adam', () => {
  afterAll(async () => {
    await setupBackend({ backend: 'wasm' });
  });

  // On the wasm path (native off) createAdam is tfjs's Adam itself: the same weights by construction.
  const paths = [{ name: 'wasm', native: false }, ...(native.ok ? [{ name: 'native', native: true }] : [])];
  it.each(paths)('gives bit for bit the weights of tf.train.adam on the $name path', async ({ native: useNative }) => {
    await setupBackend({ backend: 'wasm', native: useNative });
    expect(tf.getKernel('DistilleryAdamUpdate', 'wasm') !== undefined).toBe(useNative);
    await expectNoTensorLeak(async () => {
      const reference = await train(tf.train.adam(3e-3) as unknown as { applyGradients(g: tf.NamedTensorMap): void; dispose(): void }, 12);
      const fused = await train(createAdam(3e-3), 12);
      fused.forEach((values, i) => expect(Array.from(values)).toEqual(Array.from(reference[i]!)));
      // The weights moved: the comparison is not of two untouched initial states.
      const initial = randomValues(SHAPES[0]!.reduce((a, b) => a * b, 1), 1);
      expect(Array.from(fused[0]!)).not.toEqual(Array.from(initial));
    });
  });

  it('falls back to tfjs Adam where the backend has no fused step (cpu)', async () => {
    await setupBackend({ backend: 'cpu' });
    await expectNoTensorLeak(async () => {
      const reference = await train(tf.train.adam(1e-2) as unknown as { applyGradients(g: tf.NamedTensorMap): void; dispose(): void }, 4);
      const fallback = await train(createAdam(1e-2), 4);
      fallback.forEach((values, i) => expect(Array.from(values)).toEqual(Array.from(reference[i]!)));
    });
  });
});
