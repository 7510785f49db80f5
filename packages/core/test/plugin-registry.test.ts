import { describe, expect, it } from 'vitest';
import * as tf from '@tensorflow/tfjs';
import { PluginRegistry, closestName, configError, definePlugin, type Loss } from '../src/index.js';

const constantLoss = (value: number): Loss => ({ name: 'const', requires: ['labels'], compute: () => tf.scalar(value) });
const lossPlugin = (name: string) =>
  definePlugin({
    kind: 'loss',
    name,
    parseOptions: (input: unknown): { value: number } => {
      const value = (input as { value?: unknown }).value;
      if (typeof value !== 'number') throw configError(`${name}.value`, 'a number', value);
      return { value };
    },
    create: ({ value }) => constantLoss(value),
  });

describe('PluginRegistry', () => {
  it('creates a plugin by kind and name, checking options with its own parser', () => {
    const registry = new PluginRegistry().register(lossPlugin('const'), 'test');
    expect(registry.create('loss', 'const' as string, { value: 2 }).name).toBe('const');
    expect(() => registry.create('loss', 'const' as string, { value: 'x' })).toThrow('const.value: expected a number, got "x"');
  });

  it('lists what is available and suggests the closest name for an unknown one', () => {
    const registry = new PluginRegistry().register(lossPlugin('kd'), 'a').register(lossPlugin('dkd'), 'a').register(lossPlugin('ce'), 'a');
    expect(() => registry.get('loss', 'kdd')).toThrow('unknown loss "kdd" (did you mean "kd"?); available: ce, dkd, kd');
    expect(() => registry.get('teacher', 'mlp')).toThrow('unknown teacher "mlp"; available: none registered');
  });

  it('suggests by edit distance first, then the one name the typed one begins or is a part of', () => {
    const datasets = ['csv', 'fashion-mnist', 'idx', 'image-folder', 'mnist-embedded', 'numpy'];
    expect(closestName('mnist-embeded', datasets)).toBe('mnist-embedded');
    expect(closestName('fashion', datasets)).toBe('fashion-mnist'); // a part of it, 6 edits away
    expect(closestName('mnist', datasets)).toBe('mnist-embedded'); // begins it (a part of two)
    expect(closestName('image', datasets)).toBe('image-folder');
    expect(closestName('embedded', datasets)).toBe('mnist-embedded');
    // Nothing near, or more than one name with the part: no guess.
    expect(closestName('transformer', datasets)).toBeUndefined();
    expect(closestName('fashion', ['fashion-mnist', 'fashion-items'])).toBeUndefined();
    expect(closestName('ab', ['abcdefgh'])).toBeUndefined();
  });

  it('rejects two plugins of one name, naming both sources, and other API versions', () => {
    const registry = new PluginRegistry().register(lossPlugin('kd'), '@distillery/losses');
    expect(() => registry.register(lossPlugin('kd'), './my-kd.ts')).toThrow(
      'two loss plugins are named "kd": one from @distillery/losses, one from ./my-kd.ts',
    );
    expect(() => registry.register({ ...lossPlugin('old'), apiVersion: 0 }, 'old-pkg')).toThrow(
      'loss plugin "old" from old-pkg was built for plugin API 0; this Distillery has API 1',
    );
  });

  it('names the plugin when its create throws', () => {
    const broken = definePlugin({ kind: 'loss', name: 'broken', create: () => { throw new Error('boom'); } });
    const registry = new PluginRegistry().register(broken, 'x');
    expect(() => registry.create('loss', 'broken' as string)).toThrow('loss plugin "broken" failed to create: boom');
  });
});
