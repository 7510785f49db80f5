import { PluginRegistry } from '@distillery/core';
import { describe, expect, it } from 'vitest';
import { registerDatasets } from '../src/index.js';

/** Every dataset plugin refuses a key it does not know, rather than ignore the setting (issue 12). */
describe('dataset options are strict', () => {
  const registry = registerDatasets(new PluginRegistry());
  it.each([
    ['mnist-embedded', { limt: 100 }, 'mnist-embedded.limt: unknown option; mnist-embedded takes limit'],
    ['mnist-embedded', { limit: { trian: 100 } }, 'mnist-embedded.limit.trian: unknown option; mnist-embedded.limit takes train, test'],
    ['fashion-mnist', { dir: '/tmp' }, 'fashion-mnist.dir: unknown option; fashion-mnist takes limit, directory'],
    ['csv', { train: 'a.csv', label: 'y', delimeter: ';' }, 'csv.delimeter: unknown option; csv takes train, test, testFraction, testSeed, label, delimiter'],
    ['numpy', { train: { npz: 'a.npz' }, classes: ['a'] }, 'numpy.classes: unknown option; numpy takes train, test, testFraction, testSeed, numClasses, classNames'],
    ['image-folder', { train: 'images', size: [8, 8], chanels: 1 }, 'image-folder.chanels: unknown option; image-folder takes train, test, testFraction, testSeed, size, channels, skipUndecodable'],
  ] as const)('%s refuses %j', (name, options, message) => {
    expect(() => registry.parseOptions('dataset', name, options)).toThrow(message);
  });
});
