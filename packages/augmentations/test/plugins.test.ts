import { PluginRegistry, deriveSeed, setupBackend, tf } from '@distillery/core';
import { expectNoTensorLeak } from '@distillery/core/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  augmentationPlugins,
  builtinAugmentationDefaults,
  composeAugmentations,
  createAugmentation,
  gaussianNoise,
  mixup,
  randomShift,
  registerAugmentations,
} from '../src/index.js';
import { randomImages, sameValues, toTensor } from './reference-images.js';

beforeAll(async () => {
  await setupBackend();
});
afterAll(async () => {
  await setupBackend();
});

const context = { seed: 5, epoch: 1, batch: 2 };

describe('augmentation plugins', () => {
  it('registers every built-in by name, each listing its defaults', () => {
    const registry = registerAugmentations(new PluginRegistry());
    expect(registry.names('augmentation')).toEqual(['crop', 'cutout', 'flip', 'mixup', 'noise', 'shift']);
    expect(augmentationPlugins.map((p) => p.name).sort()).toEqual(Object.keys(builtinAugmentationDefaults).sort());
    expect(registry.create('augmentation', 'shift', { pixels: 3 }).name).toBe('shift');
    expect(() => registry.create('augmentation', 'shfit' as string)).toThrow('unknown augmentation "shfit" (did you mean "shift"?)');
  });

  it('names the plugin and the option in every bad-option error', () => {
    const cases: [string, unknown, string][] = [
      ['shift', { pixels: -1 }, 'shift.pixels: expected a positive integer, got -1'],
      ['shift', { pixels: 1.5 }, 'shift.pixels: expected a positive integer, got 1.5'],
      ['shift', { fill: Number.NaN }, 'shift.fill: expected a finite number, got NaN'],
      ['shift', { pixel: 2 }, 'shift.pixel: unknown option; shift takes pixels, fill'],
      ['noise', { std: 0 }, 'noise.std: expected a positive finite number, got 0'],
      ['noise', { clip: [1, 0] }, 'noise.clip: expected low < high, got "[1, 0]"'],
      ['noise', { clip: [0] }, 'noise.clip: expected [low, high], got an array of length 1'],
      ['cutout', { size: 0 }, 'cutout.size: expected a positive integer, got 0'],
      ['crop', { padding: -4 }, 'crop.padding: expected a positive integer, got -4'],
      ['crop', { mode: 'wrap' }, 'crop.mode: expected one of "zeros", "reflect", got "wrap"'],
      ['flip', { probability: 2 }, 'flip.probability: expected a number in [0, 1], got 2'],
      ['mixup', { alpha: -0.2 }, 'mixup.alpha: expected a positive finite number, got -0.2'],
      ['mixup', 'strong', 'mixup: expected an options object, got "strong"'],
    ];
    for (const [name, options, message] of cases) {
      expect(() => createAugmentation(name as 'shift', options as object)).toThrow(message);
    }
  });

  it('image augmentations refuse flat inputs, naming themselves', () => {
    const x = tf.zeros([4, 784]);
    for (const name of ['shift', 'crop', 'cutout', 'flip'] as const) {
      expect(() => createAugmentation(name).apply(x, context)).toThrow(
        `${name}: takes images, examples shaped [height, width, channels]; these are shaped [784] (feature vectors: noise and mixup take those)`,
      );
    }
    x.dispose();
  });

  it('every augmentation keeps the shape, leaks nothing, and gives the same numbers on cpu and wasm', async () => {
    const images = randomImages(9, 12, 12, 2, 8);
    const outputs = async (backend: 'cpu' | 'wasm') => {
      await setupBackend({ backend, fallbackToCpu: false });
      const results: Record<string, Float32Array> = {};
      for (const name of Object.keys(builtinAugmentationDefaults) as (keyof typeof builtinAugmentationDefaults)[]) {
        await expectNoTensorLeak(async () => {
          const x = toTensor(images);
          const y = tf.tidy(() => createAugmentation(name).apply(x, context));
          expect(y.shape).toEqual(x.shape);
          results[name] = (await y.data()) as Float32Array;
          tf.dispose([x, y]);
        });
      }
      return results;
    };
    const cpu = await outputs('cpu');
    const wasm = await outputs('wasm');
    for (const name of Object.keys(cpu)) {
      const diff = Math.max(...cpu[name]!.map((v, i) => Math.abs(v - wasm[name]![i]!)));
      expect(diff, name).toBeLessThan(1e-6);
    }
  });
});

describe('composeAugmentations', () => {
  it('applies the parts in order, each with its own seed derived from the step seed', async () => {
    const images = randomImages(6, 8, 8, 1, 9);
    await expectNoTensorLeak(async () => {
      const x = toTensor(images);
      const shift = randomShift({ pixels: 1 });
      const noise = gaussianNoise({ std: 0.1 });
      const composed = composeAugmentations([shift, noise]);
      expect(composed.name).toBe('shift+noise');
      expect(composed.applyToBatch).toBeUndefined();
      const a = composed.apply(x, context);
      const byHand = tf.tidy(() => {
        const shifted = shift.apply(x, { ...context, seed: deriveSeed(context.seed, 0) });
        return noise.apply(shifted, { ...context, seed: deriveSeed(context.seed, 1) });
      });
      expect(sameValues(await a.data(), await byHand.data())).toBe(true);
      tf.dispose([x, a, byHand]);
    });
    expect(composeAugmentations([randomShift(), mixup()]).applyToBatch).toBeDefined();
    expect(() => composeAugmentations([])).toThrow('composeAugmentations: expected at least one augmentation, got none');
  });
});
