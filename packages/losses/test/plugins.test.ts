import { PLUGIN_API_VERSION, PluginRegistry, definePlugin, setupBackend, tf } from '@distillery/core';
import { beforeAll, describe, expect, it } from 'vitest';
import {
  builtinLossDefaults,
  createLoss,
  crossEntropyLoss,
  distLoss,
  dkdLoss,
  kdLoss,
  logitMseLoss,
  lossPlugins,
  lsKdLoss,
  registerLosses,
  softCrossEntropyLoss,
  type BuiltinLossName,
} from '../src/index.js';
import { evaluateLoss, randomLogits } from './loss-harness.js';

beforeAll(async () => {
  await setupBackend();
});

const BUILTIN: BuiltinLossName[] = ['ce', 'kd', 'soft-ce', 'logit-mse', 'dkd', 'ls-kd', 'dist', 'hint', 'at', 'rkd'];

describe('loss plugins', () => {
  it('are plain plugin objects, one per built-in loss, all registered by registerLosses', () => {
    expect(lossPlugins.map((p) => p.name).sort()).toEqual([...BUILTIN].sort());
    expect(lossPlugins.every((p) => p.kind === 'loss' && p.apiVersion === PLUGIN_API_VERSION && p.description !== undefined)).toBe(true);
    const registry = registerLosses(new PluginRegistry());
    expect(registry.names('loss')).toEqual([...BUILTIN].sort());
    expect(Object.keys(builtinLossDefaults).sort()).toEqual([...BUILTIN].sort());
  });

  it.each([
    ['ce', {}, crossEntropyLoss()],
    ['kd', {}, kdLoss({ temperature: 4 })],
    ['soft-ce', { temperature: 2 }, softCrossEntropyLoss({ temperature: 2 })],
    ['logit-mse', {}, logitMseLoss()],
    ['dkd', {}, dkdLoss({ alpha: 1, beta: 8, temperature: 4, warmupEpochs: 20, target: 'teacher' })],
    ['ls-kd', {}, lsKdLoss({ temperature: 2 })],
    ['dist', {}, distLoss({ beta: 1, gamma: 1, temperature: 1 })],
  ] as const)('createLoss(%j, %j) computes what the factory with the documented defaults computes', async (name, options, direct) => {
    const student = randomLogits(4, 6, 3, 1);
    const teacher = randomLogits(4, 6, 3, 2);
    const labels = [0, 5, 2, 2];
    const byName = createLoss(name, options);
    expect(byName.name).toBe(name);
    expect(byName.requires).toEqual(direct.requires);
    expect(await evaluateLoss(byName, student, teacher, { labels, epoch: 10 })).toEqual(await evaluateLoss(direct, student, teacher, { labels, epoch: 10 }));
  });

  it('the defaults matter: another value of any default changes the loss', async () => {
    const student = randomLogits(4, 6, 3, 3);
    const teacher = randomLogits(4, 6, 3, 4);
    const value = async (name: BuiltinLossName, options: Record<string, unknown>) => (await evaluateLoss(createLoss(name, options), student, teacher, { epoch: 3 })).value;
    for (const [name, defaults] of Object.entries(builtinLossDefaults) as [BuiltinLossName, Record<string, unknown>][]) {
      if (name === 'ce') continue; // needs labels; its one default (no smoothing) is covered by the golden tests
      // Feature losses take features: golden-features.test.ts has each default beside another value (at.p 3, rkd's weights 1/0 and 0/1).
      if (createLoss(name).requires.includes('features')) continue;
      for (const [key, fallback] of Object.entries(defaults)) {
        if (typeof fallback !== 'number') continue; // dkd.target: covered in identities.test.ts
        expect(await value(name, { [key]: fallback + 1 }), `${name}.${key}`).not.toBeCloseTo(await value(name, {}), 6);
      }
    }
  });

  it('an unknown name lists the losses and suggests the closest', () => {
    expect(() => createLoss('kdd' as string)).toThrow('unknown loss "kdd" (did you mean "kd"?); available: at, ce, dist, dkd, hint, kd, logit-mse, ls-kd, rkd, soft-ce');
  });

  it('third-party losses register beside the built-ins; a clashing name is refused', () => {
    const scaled = definePlugin({
      kind: 'loss',
      name: 'scaled-kd',
      parseOptions: (input: unknown) => ({ factor: (input as { factor?: number }).factor ?? 1 }),
      create: ({ factor }) => {
        const kd = kdLoss();
        return { name: 'scaled-kd', requires: kd.requires, compute: (inputs) => tf.tidy(() => tf.mul(kd.compute(inputs), factor) as tf.Scalar) };
      },
    });
    const registry = registerLosses(new PluginRegistry()).register(scaled, 'my-plugins');
    expect(registry.create('loss', 'scaled-kd' as string, { factor: 2 }).name).toBe('scaled-kd');
    expect(() => registry.register({ ...scaled, name: 'kd' }, 'my-plugins')).toThrow(
      'two loss plugins are named "kd": one from @distillery/losses, one from my-plugins',
    );
  });

  it('checks option names and types at compile time', () => {
    // @ts-expect-error: dkd has no option "bta"
    expect(() => createLoss('dkd', { bta: 2 })).toThrow('dkd.bta: unknown option');
    // @ts-expect-error: target is 'teacher' | 'labels'
    expect(() => createLoss('dkd', { target: 'argmax' })).toThrow('dkd.target');
  });
});
