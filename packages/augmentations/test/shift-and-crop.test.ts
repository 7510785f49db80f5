import { setupBackend, tf, type Augmentation } from '@distillery/core';
import { beforeAll, describe, expect, it } from 'vitest';
import { randomCrop, randomShift } from '../src/index.js';
import { augmented, exampleOf, matchingShifts, pixel, randomImages, sameValues, type Images } from './reference-images.js';

beforeAll(async () => {
  await setupBackend();
});

const context = { seed: 7, epoch: 0, batch: 0 };

const run = (augmentation: Augmentation, images: Images, c = context) => augmented(augmentation, images, c);

describe('shift', () => {
  it('moves a single bright pixel by at most k in each direction, reaching k', async () => {
    const k = 3;
    const n = 64;
    const images: Images = { n, height: 11, width: 11, channels: 1, values: new Float32Array(n * 121) };
    for (let i = 0; i < n; i++) images.values[i * 121 + 5 * 11 + 5] = 1; // (5, 5) in every example
    const out = await run(randomShift({ pixels: k }), images);
    const moves = Array.from({ length: n }, (_, i) => {
      const at = exampleOf(out, images, i).indexOf(1);
      expect(exampleOf(out, images, i).reduce((s, v) => s + v, 0)).toBe(1); // the pixel survives, nothing else appears
      return [Math.floor(at / 11) - 5, (at % 11) - 5] as const;
    });
    for (const [dy, dx] of moves) expect(Math.max(Math.abs(dy), Math.abs(dx))).toBeLessThanOrEqual(k);
    expect(moves.some(([dy]) => Math.abs(dy) === k)).toBe(true);
    expect(moves.some(([, dx]) => Math.abs(dx) === k)).toBe(true);
  });

  it('is an exact zero-filled translation of every example, with varied displacements', async () => {
    const images = randomImages(40, 6, 7, 2, 1);
    const out = await run(randomShift({ pixels: 2 }), images);
    const shifts = new Set<string>();
    for (let i = 0; i < images.n; i++) {
      const found = matchingShifts(out, images, i, 2);
      expect(found.length).toBe(1);
      shifts.add(found[0]!.join(','));
    }
    expect(shifts.size).toBeGreaterThan(10); // of 25 possible
  });

  it('fills uncovered pixels with the fill value', async () => {
    const images = randomImages(10, 5, 5, 1, 2);
    const out = await run(randomShift({ pixels: 1, fill: -1 }), images);
    for (let i = 0; i < images.n; i++) expect(matchingShifts(out, images, i, 1, -1).length).toBe(1);
  });

  it('is deterministic given the seed, and another seed gives other shifts', async () => {
    const images = randomImages(16, 8, 8, 1, 3);
    const shift = randomShift({ pixels: 2 });
    const a = await run(shift, images);
    expect(sameValues(await run(shift, images), a)).toBe(true);
    expect(sameValues(await run(shift, images, { ...context, seed: 8 }), a)).toBe(false);
  });
});

describe('crop', () => {
  it('with zero padding p is an exact translation by up to p', async () => {
    const images = randomImages(30, 8, 8, 3, 4);
    const out = await run(randomCrop({ padding: 2 }), images);
    for (let i = 0; i < images.n; i++) expect(matchingShifts(out, images, i, 2).length).toBe(1);
  });

  it('with reflect padding fills the border with the mirror image, never with zeros', async () => {
    const images = randomImages(30, 6, 6, 1, 5);
    const out = await run(randomCrop({ padding: 2, mode: 'reflect' }), images);
    expect(out.every((v) => v >= 1)).toBe(true);
    // Reference: mirror index without repeating the edge (… 2 1 | 0 1 2 … 5 | 4 3 …).
    const mirror = (i: number, size: number) => (i < 0 ? -i : i >= size ? 2 * (size - 1) - i : i);
    for (let e = 0; e < images.n; e++) {
      const example = exampleOf(out, images, e);
      const matches = [];
      for (let dy = -2; dy <= 2; dy++) {
        for (let dx = -2; dx <= 2; dx++) {
          const expected = Float32Array.from({ length: 36 }, (_, j) => pixel(images, e, mirror(Math.floor(j / 6) - dy, 6), mirror((j % 6) - dx, 6), 0));
          if (sameValues(example, expected)) matches.push([dy, dx]);
        }
      }
      expect(matches.length).toBe(1);
    }
  });

  it('refuses reflect padding as large as the image', () => {
    const x = tf.zeros([1, 3, 3, 1]);
    expect(() => randomCrop({ padding: 3, mode: 'reflect' }).apply(x, context)).toThrow(
      'crop.padding: reflect padding needs fewer than 3 pixels for 3×3 images, got 3',
    );
    x.dispose();
  });
});
