import { DistilleryError, createRandom, tf, type RandomSource } from '@distillery/core';

/** [batch, height, width, channels] of an image batch, or an error naming the augmentation. */
export function imageDims(augmentation: string, x: tf.Tensor): [number, number, number, number] {
  if (x.rank !== 4) {
    throw new DistilleryError(
      'E_SHAPE',
      `${augmentation}: expects images [batch, height, width, channels], got shape [${x.shape.join(', ')}]`,
    );
  }
  return x.shape as [number, number, number, number];
}

/**
 * Per-example parameters (offsets, centres, flips) come from a seeded JS generator: a handful of
 * numbers per example, identical on every backend, while the pixels are moved by tensor ops.
 */
export function drawIntegers(random: RandomSource, count: number, lowInclusive: number, highInclusive: number): Int32Array {
  return Int32Array.from({ length: count }, () => lowInclusive + random.int(highInclusive - lowInclusive + 1));
}

/**
 * Takes from each padded example [Hp, Wp, C] the height × width window whose top-left corner is
 * (rowOffsets[i], colOffsets[i]): one gather of whole pixels by flat index, built with broadcast
 * adds (no per-pixel JS), exact (no interpolation). Flat indices, because `tf.gather` with
 * `batchDims` picks wrong rows on tfjs-backend-wasm 4.22 (seen in our cpu-vs-wasm test).
 */
export function gatherWindows(
  padded: tf.Tensor4D,
  rowOffsets: Int32Array,
  colOffsets: Int32Array,
  height: number,
  width: number,
): tf.Tensor4D {
  return tf.tidy(() => {
    const [n, paddedHeight, paddedWidth, channels] = padded.shape;
    const exampleBase = tf.tensor3d(Int32Array.from({ length: n }, (_, i) => i * paddedHeight * paddedWidth), [n, 1, 1], 'int32');
    const rows = tf.add(tf.reshape(tf.range(0, height, 1, 'int32'), [1, height, 1]), tf.tensor3d(rowOffsets, [n, 1, 1], 'int32'));
    const cols = tf.add(tf.reshape(tf.range(0, width, 1, 'int32'), [1, 1, width]), tf.tensor3d(colOffsets, [n, 1, 1], 'int32'));
    const flat = tf.add(tf.add(exampleBase, tf.mul(rows, tf.scalar(paddedWidth, 'int32'))), cols);
    const pixels = tf.gather(tf.reshape(padded, [n * paddedHeight * paddedWidth, channels]), tf.reshape(flat, [-1]));
    return tf.reshape(pixels, [n, height, width, channels]);
  });
}

/**
 * Each example's height × width window at an offset drawn uniformly from [0, span]² (rows and
 * columns apart): the shared core of `shift` and `crop`, which differ in how they pad.
 */
export function randomWindows(padded: tf.Tensor4D, height: number, width: number, span: number, seed: number): tf.Tensor4D {
  const random = createRandom(seed);
  const n = padded.shape[0];
  const rowOffsets = drawIntegers(random, n, 0, span);
  const colOffsets = drawIntegers(random, n, 0, span);
  return gatherWindows(padded, rowOffsets, colOffsets, height, width);
}
