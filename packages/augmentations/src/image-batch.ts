import { DistilleryError, createRandom, type RandomSource, type tf } from '@distillery/core';
import { moveOnHost } from './host-memory.js';

/** [batch, height, width, channels] of an image batch, or an error naming the augmentation. */
export function imageDims(augmentation: string, x: tf.Tensor): [number, number, number, number] {
  if (x.rank !== 4) {
    throw new DistilleryError(
      'E_SHAPE',
      `${augmentation}: takes images, examples shaped [height, width, channels]; these are shaped [${x.shape.slice(1).join(', ')}]` +
        (x.rank === 2 ? ' (feature vectors: noise and mixup take those)' : ''),
    );
  }
  return x.shape as [number, number, number, number];
}

/**
 * Per-example parameters (offsets, centres, flips) come from a seeded JS generator: a handful of
 * numbers per example, identical on every backend.
 */
export function drawIntegers(random: RandomSource, count: number, lowInclusive: number, highInclusive: number): Int32Array {
  return Int32Array.from({ length: count }, () => lowInclusive + random.int(highInclusive - lowInclusive + 1));
}

/** How a window reaches past the image: `fill` (the caller's value) or `reflect` (mirror, edge not repeated). */
export type BorderMode = 'fill' | 'reflect';

/**
 * For each example, the source row (or column) of each of `size` output positions when the
 * window starts at `offsets[e] − padding`: −1 where it falls outside the image in `fill` mode.
 */
export function windowSources(offsets: Int32Array, size: number, padding: number, mode: BorderMode): Int32Array {
  const sources = new Int32Array(offsets.length * size);
  for (let e = 0; e < offsets.length; e++) {
    for (let i = 0; i < size; i++) {
      const s = i + offsets[e]! - padding;
      sources[e * size + i] = s >= 0 && s < size ? s : mode === 'fill' ? -1 : s < 0 ? -s : 2 * (size - 1) - s;
    }
  }
  return sources;
}

/**
 * Output pixel (e, i, j) = input pixel (e, rowSources[e·H + i], colSources[e·W + j]); a source
 * of −1 leaves `out`'s value (the fill). Columns whose sources are consecutive are copied as one
 * run per row (`TypedArray.set`, a memcpy): a shift is one copy per row.
 */
export function remapPixels(
  src: Float32Array,
  out: Float32Array,
  [n, height, width, channels]: readonly [number, number, number, number],
  rowSources: Int32Array,
  colSources: Int32Array,
): void {
  const rowLength = width * channels;
  for (let e = 0; e < n; e++) {
    const runs: number[] = []; // triples: output offset, source offset, length (in values)
    for (let j = 0; j < width; ) {
      const s = colSources[e * width + j]!;
      let length = 1;
      while (s >= 0 && j + length < width && colSources[e * width + j + length] === s + length) length++;
      if (s >= 0) runs.push(j * channels, s * channels, length * channels);
      j += length;
    }
    for (let i = 0; i < height; i++) {
      const si = rowSources[e * height + i]!;
      if (si < 0) continue;
      const outRow = (e * height + i) * rowLength;
      const srcRow = (e * height + si) * rowLength;
      for (let r = 0; r < runs.length; r += 3) {
        out.set(src.subarray(srcRow + runs[r + 1]!, srcRow + runs[r + 1]! + runs[r + 2]!), outRow + runs[r]!);
      }
    }
  }
}

/**
 * Each example's height × width window at an offset drawn uniformly from [0, 2·padding]² (rows
 * and columns apart) of the image padded by `padding`: the shared core of `shift` and `crop`.
 */
export function randomWindows(x: tf.Tensor, padding: number, mode: BorderMode, fill: number, seed: number): tf.Tensor {
  const dims = x.shape as [number, number, number, number];
  const [n, height, width] = dims;
  const random = createRandom(seed);
  const rowSources = windowSources(drawIntegers(random, n, 0, 2 * padding), height, padding, mode);
  const colSources = windowSources(drawIntegers(random, n, 0, 2 * padding), width, padding, mode);
  return moveOnHost(x, (src, out) => {
    if (fill !== 0) out.fill(fill);
    remapPixels(src, out, dims, rowSources, colSources);
  });
}
