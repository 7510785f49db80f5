import { createRandom, tf, type Augmentation, type AugmentationContext } from '@distillery/core';
import { expectNoTensorLeak } from '@distillery/core/testing';
import { expect } from 'vitest';

/** Plain-JS images and reference transforms, independent of the tensor code under test. */
export interface Images {
  readonly n: number;
  readonly height: number;
  readonly width: number;
  readonly channels: number;
  readonly values: Float32Array;
}

export function randomImages(n: number, height: number, width: number, channels: number, seed: number): Images {
  const random = createRandom(seed);
  // Values in [1, 2): a zero in the output can only come from padding or a cutout.
  const values = Float32Array.from({ length: n * height * width * channels }, () => 1 + random.next());
  return { n, height, width, channels, values };
}

export function toTensor(images: Images): tf.Tensor4D {
  return tf.tensor4d(images.values, [images.n, images.height, images.width, images.channels]);
}

export function pixel(images: Images, example: number, row: number, col: number, channel: number): number {
  const { height, width, channels } = images;
  return images.values[((example * height + row) * width + col) * channels + channel]!;
}

/** Example `example` moved by (dy, dx), uncovered pixels set to `fill` (a reference for shift). */
export function translated(images: Images, example: number, dy: number, dx: number, fill = 0): Float32Array {
  const { height, width, channels } = images;
  const out = new Float32Array(height * width * channels);
  for (let r = 0; r < height; r++) {
    for (let c = 0; c < width; c++) {
      for (let k = 0; k < channels; k++) {
        const sr = r - dy;
        const sc = c - dx;
        const inside = sr >= 0 && sr < height && sc >= 0 && sc < width;
        out[(r * width + c) * channels + k] = inside ? pixel(images, example, sr, sc, k) : fill;
      }
    }
  }
  return out;
}

/** Example `example` of an output batch as a flat array. */
export function exampleOf(values: Float32Array, images: Images, example: number): Float32Array {
  const size = images.height * images.width * images.channels;
  return values.subarray(example * size, (example + 1) * size);
}

export function sameValues(a: ArrayLike<number>, b: ArrayLike<number>): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}

/** The displacements in [−k, k]² under which the output example equals the translated input. */
export function matchingShifts(output: Float32Array, images: Images, example: number, k: number, fill = 0): [number, number][] {
  const found: [number, number][] = [];
  for (let dy = -k; dy <= k; dy++) {
    for (let dx = -k; dx <= k; dx++) {
      if (sameValues(exampleOf(output, images, example), translated(images, example, dy, dx, fill))) found.push([dy, dx]);
    }
  }
  return found;
}

/** Applies an augmentation to the images and returns its output, checking shape and leaks. */
export async function augmented(augmentation: Augmentation, images: Images, context: AugmentationContext): Promise<Float32Array> {
  return expectNoTensorLeak(async () => {
    const x = toTensor(images);
    const y = augmentation.apply(x, context);
    expect(y.shape).toEqual(x.shape);
    const values = (await y.data()) as Float32Array;
    tf.dispose([x, y]);
    return values;
  });
}
