import { setupBackend, tf } from '@distillery/core';
import { expectNoTensorLeak } from '@distillery/core/testing';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { EnsembleTeacher, loadTeacher } from '../src/index.js';
import { fixedLogits, logitsOf, probe, smallTeacher } from './teacher-fixtures.js';

let dir = '';
beforeAll(async () => {
  await setupBackend();
  dir = await mkdtemp(join(tmpdir(), 'distillery-ensemble-'));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

const softmax = (row: number[]) => {
  const m = Math.max(...row);
  const e = row.map((v) => Math.exp(v - m));
  const s = e.reduce((a, b) => a + b, 0);
  return e.map((v) => v / s);
};

describe('EnsembleTeacher', () => {
  it('averages the members’ logits with the given weights', async () => {
    const x = probe();
    const members = [smallTeacher(1), smallTeacher(2), smallTeacher(3)];
    const each = await Promise.all(members.map((m) => logitsOf(m, x)));
    const ensemble = new EnsembleTeacher({ members, weights: [1, 2, 1] });
    expect(ensemble.weights).toEqual([0.25, 0.5, 0.25]);
    const combined = await expectNoTensorLeak(() => logitsOf(ensemble, x));
    combined.forEach((row, i) => row.forEach((v, c) => expect(v).toBeCloseTo(0.25 * each[0]![i]![c]! + 0.5 * each[1]![i]![c]! + 0.25 * each[2]![i]![c]!, 5)));
    expect(ensemble.trainableVariables()).toEqual([]);
    expect(ensemble.countParams()).toBe(3 * members[0]!.countParams());
    ensemble.dispose();
    x.dispose();
  });

  it('averages probabilities and returns their logarithm (softmax gives the average back)', async () => {
    const x = probe();
    const members = [smallTeacher(4), smallTeacher(5)];
    const each = await Promise.all(members.map((m) => logitsOf(m, x)));
    const ensemble = new EnsembleTeacher({ members, combine: 'probabilities', weights: [3, 1] });
    const combined = await expectNoTensorLeak(() => logitsOf(ensemble, x));
    combined.forEach((row, i) => {
      const expected = softmax(each[0]![i]!).map((p, c) => 0.75 * p + 0.25 * softmax(each[1]![i]!)[c]!);
      row.forEach((v, c) => expect(v).toBeCloseTo(Math.log(expected[c]!), 5));
      expect(softmax(row).reduce((a, b) => a + b, 0)).toBeCloseTo(1, 6);
    });
    ensemble.dispose();
    x.dispose();
  });

  it('stays finite for huge logits in probability mode', async () => {
    const ensemble = new EnsembleTeacher({
      members: [fixedLogits('a', [[1000, -1000, 0]]), fixedLogits('b', [[-1000, 1000, 0]])],
      combine: 'probabilities',
    });
    const x = tf.zeros([1, 4]);
    const [row] = await logitsOf(ensemble, x);
    expect(row![0]).toBeCloseTo(Math.log(0.5), 5);
    expect(row![1]).toBeCloseTo(Math.log(0.5), 5);
    expect(row![2]).toBeLessThan(-900);
    x.dispose();
  });

  it('refuses bad weights, an unknown combination and members that disagree, naming them', () => {
    const make = (options: object) => () => new EnsembleTeacher({ members: [smallTeacher(1), smallTeacher(2)], ...options });
    expect(make({ weights: [1] })).toThrow('ensemble.weights: expected one weight per member (2), got an array of length 1');
    expect(make({ weights: [1, -1] })).toThrow('ensemble.weights[1]: expected a finite number ≥ 0, got -1');
    expect(make({ weights: [0, 0] })).toThrow('ensemble.weights: expected at least one weight > 0, got "[0, 0]"');
    expect(make({ combine: 'median' })).toThrow('ensemble.combine: expected one of "logits", "probabilities", got "median"');
    expect(() => new EnsembleTeacher({ members: [] })).toThrow('ensemble.members: expected at least one teacher, got an array of length 0');
    expect(() => new EnsembleTeacher({ members: [smallTeacher(1), smallTeacher(2, 5)] })).toThrow(
      'ensemble: member 1 (small-2) maps [4] to 5 classes, but member 0 (small-1) maps [4] to 3',
    );
  });

  it('saves its members and manifest, and loadTeacher reads it back with the same logits', async () => {
    const x = probe();
    const ensemble = new EnsembleTeacher({ members: [smallTeacher(8), smallTeacher(9)], combine: 'probabilities', weights: [1, 3], name: 'pair' });
    const before = await logitsOf(ensemble, x);
    await ensemble.save(join(dir, 'pair'));
    const loaded = await loadTeacher(join(dir, 'pair'), { inputShape: [4], numClasses: 3 });
    expect(loaded).toBeInstanceOf(EnsembleTeacher);
    expect(loaded.name).toBe('pair');
    expect(await logitsOf(loaded, x)).toEqual(before);
    await expect(loadTeacher(join(dir, 'pair'), { inputShape: [4], numClasses: 10, name: 'digits' })).rejects.toThrow(
      `teacher loaded from ${join(dir, 'pair')} (pair) predicts 3 classes but dataset digits has 10`,
    );
    const variables = tf.memory().numTensors;
    ensemble.dispose();
    loaded.dispose();
    expect(tf.memory().numTensors).toBeLessThan(variables); // the members' weights are freed with it
    x.dispose();
  });
});
