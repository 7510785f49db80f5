import { PluginRegistry, definePlugin, type Augmentation, type KnownPluginName, type Loss, type Model } from '@distillery/core';
import { createAugmentation } from '@distillery/augmentations';
import { createLoss } from '@distillery/losses';
import type {} from '@distillery/students';
import type {} from '@distillery/teachers';
import { describe, expectTypeOf, it } from 'vitest';
import { z } from 'zod';
import type {} from 'distillery-plugin-example';

// These are compile-time tests: `pnpm typecheck` fails if an @ts-expect-error line compiles,
// or if an expectTypeOf assertion does not hold. The runtime part only makes them run.
describe('plugin option typing', () => {
  const registry = new PluginRegistry();
  const attempt = (f: () => unknown) => {
    try {
      f();
    } catch {
      // Nothing is registered here: only the types matter.
    }
  };

  it('types what a plugin creates by its kind', () => {
    expectTypeOf(registry.create<'loss', 'kd'>).returns.toEqualTypeOf<Loss>();
    expectTypeOf(registry.create<'student', 'mlp'>).returns.toEqualTypeOf<Model>();
    expectTypeOf(registry.create<'augmentation', 'brightness'>).returns.toEqualTypeOf<Augmentation>();
  });

  it('checks the options of built-in and third-party plugins known by declaration merging', () => {
    attempt(() => registry.create('loss', 'kd', { temperature: 4 }));
    attempt(() => registry.create('loss', 'dkd', { alpha: 1, beta: 8, temperature: 4, warmupEpochs: 20 }));
    attempt(() => registry.create('student', 'mlp', { inputShape: [784], numClasses: 10, hidden: [32] }));
    attempt(() => registry.create('loss', 'jsd', { temperature: 2 })); // from distillery-plugin-example
    // @ts-expect-error — temperature is a number
    attempt(() => registry.create('loss', 'kd', { temperature: '4' }));
    // @ts-expect-error — kd has no option `beta`
    attempt(() => registry.create('loss', 'kd', { temperature: 4, beta: 2 }));
    // @ts-expect-error — mlp needs its hidden widths as numbers
    attempt(() => registry.create('student', 'mlp', { inputShape: [784], numClasses: 10, hidden: ['32'] }));
    // @ts-expect-error — jsd's maxDelta belongs to brightness
    attempt(() => registry.create('loss', 'jsd', { maxDelta: 0.1 }));
    // @ts-expect-error — the same typing through createLoss
    attempt(() => createLoss('dkd', { beta: 'eight' }));
  });

  it('refuses a misspelt or unknown literal name at compile time', () => {
    // @ts-expect-error — no loss is called kdd
    attempt(() => registry.create('loss', 'kdd', {}));
    // @ts-expect-error — the same through createLoss
    attempt(() => createLoss('kdd', {}));
    // @ts-expect-error — and through createAugmentation
    attempt(() => createAugmentation('shfit'));
    // @ts-expect-error — a student name is not a loss name
    attempt(() => registry.create('loss', 'mlp', {}));
    // @ts-expect-error — nor one no package declares
    attempt(() => registry.create('loss', 'someone-elses-loss', { anything: true }));
  });

  it('the known names are unions: built-ins, and third-party names joined by declaration merging', () => {
    expectTypeOf<KnownPluginName<'loss'>>().toEqualTypeOf<'ce' | 'kd' | 'soft-ce' | 'logit-mse' | 'dkd' | 'ls-kd' | 'dist' | 'hint' | 'at' | 'rkd' | 'jsd'>();
    expectTypeOf<'jsd'>().toExtend<KnownPluginName<'loss'>>(); // from distillery-plugin-example
    expectTypeOf<'brightness'>().toExtend<KnownPluginName<'augmentation'>>();
    expectTypeOf<'shift'>().toExtend<KnownPluginName<'augmentation'>>();
    expectTypeOf<'mlp'>().toExtend<KnownPluginName<'student'>>();
    expectTypeOf<'mnist-embedded'>().toExtend<KnownPluginName<'dataset'>>();
    expectTypeOf<'mlp' | 'cnn'>().toExtend<KnownPluginName<'teacher'>>();
  });

  it('leaves a name known only at run time (a string, e.g. from a config) to the registry', () => {
    const fromConfig: string = 'someone-elses-loss';
    attempt(() => registry.create('loss', fromConfig, { anything: true }));
    attempt(() => createLoss(fromConfig));
    attempt(() => createAugmentation(fromConfig));
  });

  it('infers a plugin’s option type from its schema', () => {
    const plugin = definePlugin({
      kind: 'loss',
      name: 'typed',
      options: z.object({ scale: z.number().default(1), label: z.string().optional() }),
      create: (options) => {
        expectTypeOf(options).toEqualTypeOf<{ scale: number; label?: string | undefined }>();
        return createLoss('kd', { temperature: options.scale });
      },
    });
    expectTypeOf(plugin.kind).toEqualTypeOf<'loss'>();
    expectTypeOf(plugin.name).toEqualTypeOf<'typed'>();
    // @ts-expect-error — a loss plugin must create a Loss
    definePlugin({ kind: 'loss', name: 'wrong', create: (): Augmentation => ({ name: 'x', apply: (x) => x }) });
  });
});
