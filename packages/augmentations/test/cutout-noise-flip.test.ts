import { setupBackend, tf, type Augmentation } from '@distillery/core';
import { expectNoTensorLeak } from '@distillery/core/testing';
import { beforeAll, describe, expect, it } from 'vitest';
import { cutout, gaussianNoise, horizontalFlip } from '../src/index.js';
import { augmented, exampleOf, pixel, randomImages, sameValues, type Images } from './reference-images.js';

beforeAll(async () => {
  await setupBackend();
});

const context = { seed: 11, epoch: 2, batch: 5 };

const run = (augmentation: Augmentation, images: Images, c = context) => augmented(augmentation, images, c);

describe('cutout', () => {
  it('zeroes exactly one s×s square per image (clipped at the border), every channel, and nothing else', async () => {
    const size = 4;
    const images = randomImages(60, 10, 9, 2, 1);
    const out = await run(cutout({ size }), images);
    let unclipped = 0;
    for (let e = 0; e < images.n; e++) {
      const rows = new Set<number>();
      const cols = new Set<number>();
      for (let r = 0; r < 10; r++) {
        for (let c = 0; c < 9; c++) {
          for (let k = 0; k < 2; k++) {
            const v = out[((e * 10 + r) * 9 + c) * 2 + k]!;
            if (v === 0) {
              rows.add(r);
              cols.add(c);
            } else {
              expect(v).toBe(pixel(images, e, r, c, k));
            }
          }
        }
      }
      const zeros = exampleOf(out, images, e).filter((v) => v === 0).length;
      // The zero set is the full rectangle rows × cols × channels, contiguous, at most s × s.
      expect(zeros).toBe(rows.size * cols.size * 2);
      expect(Math.max(...rows) - Math.min(...rows) + 1).toBe(rows.size);
      expect(Math.max(...cols) - Math.min(...cols) + 1).toBe(cols.size);
      expect(rows.size).toBeLessThanOrEqual(size);
      expect(cols.size).toBeLessThanOrEqual(size);
      // Clipped only where it touches the border; the centre lies inside, so at least s − ⌊s/2⌋ remains.
      if (Math.min(...rows) > 0 && Math.max(...rows) < 9) expect(rows.size).toBe(size);
      if (Math.min(...cols) > 0 && Math.max(...cols) < 8) expect(cols.size).toBe(size);
      expect(rows.size).toBeGreaterThanOrEqual(size - size / 2);
      if (zeros === size * size * 2) unclipped++;
    }
    expect(unclipped).toBeGreaterThan(10);
  });

  it('is deterministic given the seed and refuses a square larger than the image', async () => {
    const images = randomImages(8, 6, 6, 1, 2);
    const a = await run(cutout({ size: 3 }), images);
    expect(sameValues(await run(cutout({ size: 3 }), images), a)).toBe(true);
    expect(sameValues(await run(cutout({ size: 3 }), images, { ...context, seed: 12 }), a)).toBe(false);
    const x = tf.zeros([1, 6, 6, 1]);
    expect(() => cutout({ size: 7 }).apply(x, context)).toThrow("cutout.size: expected at most the image's smaller side 6, got 7");
    x.dispose();
  });
});

describe('noise', () => {
  it('adds zero-mean noise of standard deviation σ, repeatable by seed', async () => {
    const images: Images = { n: 50, height: 20, width: 20, channels: 1, values: new Float32Array(20_000).fill(0.5) };
    const out = await run(gaussianNoise({ std: 0.2 }), images);
    const deltas = Array.from(out, (v) => v - 0.5);
    const mean = deltas.reduce((s, d) => s + d, 0) / deltas.length;
    const std = Math.sqrt(deltas.reduce((s, d) => s + (d - mean) ** 2, 0) / deltas.length);
    expect(Math.abs(mean)).toBeLessThan(0.01);
    expect(std).toBeGreaterThan(0.19);
    expect(std).toBeLessThan(0.21);
    // Gaussian, not just of the right spread: 68.3 % within one σ, 95.4 % within two.
    const within = (k: number) => deltas.filter((d) => Math.abs(d) < k * 0.2).length / deltas.length;
    expect(within(1)).toBeCloseTo(0.683, 2);
    expect(within(2)).toBeCloseTo(0.954, 2);
    expect(sameValues(await run(gaussianNoise({ std: 0.2 }), images), out)).toBe(true);
    expect(sameValues(await run(gaussianNoise({ std: 0.2 }), images, { ...context, seed: 3 }), out)).toBe(false);
  });

  it('clips to [low, high] when asked, and works on flat inputs', async () => {
    await expectNoTensorLeak(async () => {
      const x = tf.fill([30, 16], 0.9);
      const y = gaussianNoise({ std: 0.5, clip: [0, 1] }).apply(x, context);
      const values = await y.data();
      expect(Math.max(...values)).toBe(1);
      expect(Math.min(...values)).toBeGreaterThanOrEqual(0);
      tf.dispose([x, y]);
    });
  });
});

describe('flip', () => {
  it('leaves each image as it is or mirrors it exactly, with the given probability', async () => {
    const images = randomImages(200, 4, 5, 3, 3);
    const mirrored = (e: number) =>
      Float32Array.from({ length: 60 }, (_, j) => pixel(images, e, Math.floor(j / 15), 4 - Math.floor((j % 15) / 3), j % 3));
    const count = async (probability: number) => {
      const out = await run(horizontalFlip({ probability }), images);
      let flipped = 0;
      for (let e = 0; e < images.n; e++) {
        const example = exampleOf(out, images, e);
        const isFlipped = sameValues(example, mirrored(e));
        expect(isFlipped || sameValues(example, exampleOf(images.values, images, e))).toBe(true);
        if (isFlipped) flipped++;
      }
      return flipped;
    };
    expect(await count(0)).toBe(0);
    expect(await count(1)).toBe(200);
    const half = await count(0.5);
    expect(half).toBeGreaterThan(70);
    expect(half).toBeLessThan(130);
  });
});
