import { PluginRegistry, modelFingerprint, setupBackend, tf } from '@distillery/core';
import { mkdir, mkdtemp, rm, unlink } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { EnsembleTeacher, SavedTeacher, loadTeacher, registerTeachers } from '../src/index.js';
import { logitsOf, probe, smallTeacher } from './teacher-fixtures.js';

let dir = '';
const registry = registerTeachers(new PluginRegistry());
const shape = { inputShape: [4], numClasses: 3 };

beforeAll(async () => {
  await setupBackend();
  dir = await mkdtemp(join(tmpdir(), 'distillery-saved-'));
  const teacher = smallTeacher(1);
  await teacher.save(join(dir, 'good'));
  await teacher.save(join(dir, 'no-weights'));
  await unlink(join(dir, 'no-weights', 'weights.bin'));
  await mkdir(join(dir, 'empty'));
  teacher.dispose();
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

describe('the saved teacher plugin', () => {
  it("passes on the loaded model's layers and their outputs (feature terms connect them), and refuses them for an ensemble as the ensemble does", async () => {
    const original = smallTeacher(1);
    const x = probe();
    const saved = registry.create('teacher', 'saved', { directory: join(dir, 'good'), ...shape });
    await saved.ready!();
    expect(saved.features!()).toEqual(original.features!());
    const layer = original.features!()[0]!.name;
    const [a, b] = [saved.forwardWithFeatures!(x, [layer]), original.forwardWithFeatures!(x, [layer])];
    expect(await a.features[layer]!.array()).toEqual(await b.features[layer]!.array());
    tf.dispose([a.logits, b.logits, a.features[layer]!, b.features[layer]!, x]);
    const ensemble = new EnsembleTeacher({ members: [smallTeacher(2), smallTeacher(3)], name: 'pair' });
    await ensemble.save(join(dir, 'pair'));
    ensemble.dispose();
    const savedEnsemble = registry.create('teacher', 'saved', { directory: join(dir, 'pair'), ...shape });
    await savedEnsemble.ready!();
    expect(() => savedEnsemble.features!()).toThrow('model pair does not expose intermediate outputs');
    const y = probe();
    expect(() => savedEnsemble.forwardWithFeatures!(y, ['dense_1'])).toThrow('model pair does not expose intermediate outputs');
    tf.dispose(y);
    saved.dispose();
    savedEnsemble.dispose();
    original.dispose();
  });

  it('loads in ready() and then gives the saved model’s logits', async () => {
    const original = smallTeacher(1);
    const x = probe();
    const saved = registry.create('teacher', 'saved', { directory: join(dir, 'good'), ...shape });
    expect(saved).toBeInstanceOf(SavedTeacher);
    expect(() => saved.forward(x)).toThrow(`teacher saved in ${join(dir, 'good')} is not loaded yet: await teacher.ready() first`);
    await saved.ready!();
    expect(saved.name).toBe('small-1');
    expect(await logitsOf(saved, x)).toEqual(await logitsOf(original, x));
    expect(await modelFingerprint(saved)).toBe(await modelFingerprint(original));
    tf.dispose(x);
    saved.dispose();
    original.dispose();
  });

  it('names a missing folder, model.json or weight file', async () => {
    const create = (folder: string) => () => registry.create('teacher', 'saved', { directory: join(dir, folder), ...shape });
    expect(create('nowhere')).toThrow(`saved.directory: teacher folder ${join(dir, 'nowhere')} does not exist`);
    expect(create('empty')).toThrow(`saved.directory: ${join(dir, 'empty')} holds none of model.json, ensemble.json, model.onnx; is it a saved model folder?`);
    await expect(create('no-weights')().ready!()).rejects.toThrow(
      `weight file ${join(dir, 'no-weights', 'weights.bin')} named in ${join(dir, 'no-weights', 'model.json')} is missing`,
    );
  });

  it('refuses a teacher whose input shape or class count does not match the dataset', async () => {
    const load = (expected: { inputShape: number[]; numClasses: number }) =>
      registry.create('teacher', 'saved', { directory: join(dir, 'good'), ...expected }).ready!();
    await expect(load({ inputShape: [28, 28, 1], numClasses: 3 })).rejects.toThrow(
      `teacher loaded from ${join(dir, 'good')} (small-1) takes examples of shape [4] but the dataset has [28, 28, 1]`,
    );
    await expect(load({ inputShape: [4], numClasses: 10 })).rejects.toThrow(
      `teacher loaded from ${join(dir, 'good')} (small-1) predicts 3 classes but the dataset has 10`,
    );
  });

  it('checks its options, naming the option', () => {
    expect(() => registry.create('teacher', 'saved', { ...shape } as never)).toThrow('saved.directory: expected a folder path, got undefined');
    expect(() => registry.create('teacher', 'saved', { directory: dir, inputShape: [4, 0], numClasses: 3 })).toThrow(
      'saved.inputShape[1]: expected a positive integer, got 0',
    );
    expect(() => registry.create('teacher', 'saved', { directory: dir, inputShape: [4], numClasses: 3, path: 'x' } as never)).toThrow(
      'saved.path: unknown option; saved takes directory, inputShape, numClasses',
    );
  });

  it('loads a saved ensemble too, and an ensemble of saved teachers through the ensemble plugin', async () => {
    const x = probe();
    const a = smallTeacher(2);
    const b = smallTeacher(3);
    await a.save(join(dir, 'a'));
    await b.save(join(dir, 'b'));
    const direct = new EnsembleTeacher({ members: [a, b], weights: [2, 1] });
    const expected = await logitsOf(direct, x);
    const viaPlugin = registry.create('teacher', 'ensemble', {
      members: [
        { plugin: 'saved', options: { directory: join(dir, 'a') } },
        { plugin: 'saved', options: { directory: join(dir, 'b') } },
      ],
      weights: [2, 1],
      ...shape,
    });
    await viaPlugin.ready!();
    expect(await logitsOf(viaPlugin, x)).toEqual(expected);
    await direct.save(join(dir, 'ensemble'));
    const reloaded = registry.create('teacher', 'saved', { directory: join(dir, 'ensemble'), ...shape });
    await reloaded.ready!();
    expect(await logitsOf(reloaded, x)).toEqual(expected);
    expect(await modelFingerprint(reloaded)).toBe(await modelFingerprint(direct));
    for (const m of [direct, viaPlugin, reloaded]) m.dispose();
    x.dispose();
    await expect(loadTeacher(join(dir, 'a'), { inputShape: [4], numClasses: 3 })).resolves.toBeDefined();
  });
});
