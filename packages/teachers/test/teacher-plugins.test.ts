import { type LayersClassifier, type Model, PluginRegistry, definePlugin, setupBackend } from '@distillery/core';
import { beforeAll, describe, expect, it } from 'vitest';
import { EnsembleTeacher, registerTeachers, teacherPlugins } from '../src/index.js';
import { fixedLogits, logitsOf, probe } from './teacher-fixtures.js';

beforeAll(async () => {
  await setupBackend();
});

describe('teacher plugins', () => {
  it('registers mlp, cnn, saved and ensemble', () => {
    const registry = registerTeachers(new PluginRegistry());
    expect(registry.names('teacher')).toEqual(['cnn', 'ensemble', 'mlp', 'onnx', 'saved']);
    expect(teacherPlugins.map((p) => p.name)).toEqual(['cnn', 'ensemble', 'mlp', 'onnx', 'saved']);
  });

  it('builds architectures with teacher defaults, seeded by the run seed', async () => {
    const registry = registerTeachers(new PluginRegistry());
    const mlp = registry.create('teacher', 'mlp', { inputShape: [4], numClasses: 3 }, { seed: 5 }) as LayersClassifier;
    // Hinton et al.'s MNIST teacher shape: 1200-1200, dropout 0.5 on hidden layers, and 0.2 on the
    // inputs of an image only: a feature vector's inputs are not dropped unless asked for.
    expect(mlp.countParams()).toBe(4 * 1200 + 1200 + 1200 * 1200 + 1200 + 1200 * 3 + 3);
    const rates = (m: Model) => (m as LayersClassifier).layersModel.layers.filter((l) => l.getClassName() === 'Dropout').map((l) => (l.getConfig() as { rate: number }).rate);
    expect(rates(mlp)).toEqual([0.5, 0.5]);
    const image = registry.create('teacher', 'mlp', { inputShape: [4, 4, 1], numClasses: 3, hidden: [8] });
    const asked = registry.create('teacher', 'mlp', { inputShape: [4], numClasses: 3, hidden: [8], inputDropout: 0.1 });
    expect([rates(image), rates(asked)]).toEqual([[0.2, 0.5], [0.1, 0.5]]);
    for (const m of [image, asked]) m.dispose();
    const again = registry.create('teacher', 'mlp', { inputShape: [4], numClasses: 3 }, { seed: 5 });
    const x = probe();
    expect(await logitsOf(again, x)).toEqual(await logitsOf(mlp, x));
    x.dispose();
    const cnn = registry.create('teacher', 'cnn', { inputShape: [8, 8, 1], numClasses: 3, batchNorm: true }) as LayersClassifier;
    expect(cnn.name).toBe('teacher-cnn');
    expect(cnn.layersModel.layers.filter((l) => l.getClassName() === 'BatchNormalization').length).toBe(2); // filters [32, 64]
    for (const m of [mlp, again, cnn]) m.dispose();
    expect(() => registry.create('teacher', 'mlp', { inputShape: [4], numClasses: 3, hidden: [0] })).toThrow('mlp.hidden[0]: expected a positive integer, got 0');
    expect(() => registry.create('teacher', 'cnn', 'wide' as never)).toThrow('cnn: expected an options object, got "wide"');
  });

  it('builds an ensemble of any registered teachers, third-party ones included, passing shape and seed on', async () => {
    const registry = registerTeachers(new PluginRegistry());
    const seen: unknown[] = [];
    registry.register(
      definePlugin({
        kind: 'teacher',
        name: 'fixed',
        create: (options: { row: number[] }, context) => {
          seen.push({ options, seed: context.seed });
          return fixedLogits('fixed', [options.row]);
        },
      }),
      'a test',
    );
    const ensemble = registry.create(
      'teacher',
      'ensemble',
      { members: [{ plugin: 'fixed', options: { row: [1, 2, 3] } }, { plugin: 'fixed', options: { row: [3, 2, 1] } }], combine: 'logits', numClasses: 3 },
      { seed: 9 },
    );
    expect(ensemble).toBeInstanceOf(EnsembleTeacher);
    const x = probe();
    expect(await logitsOf(ensemble, x)).toEqual([[2, 2, 2]]);
    x.dispose();
    expect(seen).toEqual([
      { options: { numClasses: 3, row: [1, 2, 3] }, seed: 9 },
      { options: { numClasses: 3, row: [3, 2, 1] }, seed: 9 },
    ]);
    expect(() => registry.create('teacher', 'ensemble', { members: [] })).toThrow('ensemble.members: expected a non-empty list of { plugin, options }, got an array of length 0');
    expect(() => registry.create('teacher', 'ensemble', { members: [{ plugin: 'fixed', options: { row: [1] } }], weights: [1, 1] })).toThrow(
      'ensemble.weights: expected one weight per member (1), got an array of length 2',
    );
    expect(() => registry.create('teacher', 'ensemble', { members: [{ plugin: 'nope' }] })).toThrow('unknown teacher "nope"');
  });
});
