import { loadModel, modelFingerprint, setupBackend, tf } from '@distillery/core';
import { createMlp } from '@distillery/students';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { EnsembleTeacher, createTeacherCnn, loadTeacher } from '../src/index.js';
import { smallTeacher } from './teacher-fixtures.js';

let dir = '';
beforeAll(async () => {
  await setupBackend();
  dir = await mkdtemp(join(tmpdir(), 'distillery-fingerprint-'));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

describe('teacher fingerprint', () => {
  it('is stable across save and load, and equal for identical teachers built apart', async () => {
    const teacher = createTeacherCnn({ inputShape: [8, 8, 1], numClasses: 3, filters: [4], dense: [8], batchNorm: true, seed: 1 });
    const print = await modelFingerprint(teacher);
    expect(print).toMatch(/^[0-9a-f]{64}$/);
    expect(await modelFingerprint(teacher)).toBe(print);
    await teacher.save(join(dir, 'cnn'));
    const loaded = await loadModel(join(dir, 'cnn'));
    expect(await modelFingerprint(loaded)).toBe(print);
    // Built again (other auto-generated layer names, another model name): the same teacher.
    const twin = createTeacherCnn({ inputShape: [8, 8, 1], numClasses: 3, filters: [4], dense: [8], batchNorm: true, seed: 1, name: 'twin' });
    expect(await modelFingerprint(twin)).toBe(print);
    for (const m of [teacher, loaded, twin]) m.dispose();
  });

  it('changes when one weight, a batch-norm statistic or the architecture changes', async () => {
    const teacher = createTeacherCnn({ inputShape: [8, 8, 1], numClasses: 3, filters: [4], dense: [8], batchNorm: true, seed: 1 });
    const print = await modelFingerprint(teacher);
    const kernel = teacher.trainableVariables()[0]!;
    const original = kernel.clone();
    tf.tidy(() => kernel.assign(tf.add(kernel, tf.oneHot(tf.tensor1d([0], 'int32'), kernel.size).reshape(kernel.shape).mul(1e-3))));
    expect(await modelFingerprint(teacher)).not.toBe(print);
    kernel.assign(original);
    expect(await modelFingerprint(teacher)).toBe(print);
    const movingMean = teacher.stateVariables()[0]!;
    tf.tidy(() => movingMean.assign(tf.add(movingMean, 0.5)));
    expect(await modelFingerprint(teacher)).not.toBe(print);
    // Same shapes and initial weights, another activation: another function, another fingerprint.
    const relu = createMlp({ inputShape: [4], numClasses: 3, hidden: [6], seed: 2 });
    const tanh = createMlp({ inputShape: [4], numClasses: 3, hidden: [6], seed: 2, activation: 'tanh' });
    expect(await modelFingerprint(relu)).not.toBe(await modelFingerprint(tanh));
    for (const m of [teacher, relu, tanh]) m.dispose();
    original.dispose();
  });

  it('of an ensemble covers its members, weights and combination, and survives save and load', async () => {
    const ensemble = (weights: number[], combine: 'logits' | 'probabilities' = 'logits') =>
      new EnsembleTeacher({ members: [smallTeacher(1), smallTeacher(2)], weights, combine });
    const base = ensemble([1, 1]);
    const print = await modelFingerprint(base);
    const others = [ensemble([1, 2]), ensemble([1, 1], 'probabilities'), new EnsembleTeacher({ members: [smallTeacher(1), smallTeacher(3)] })];
    for (const other of others) expect(await modelFingerprint(other)).not.toBe(print);
    await base.save(join(dir, 'ensemble'));
    const loaded = await loadTeacher(join(dir, 'ensemble'));
    expect(await modelFingerprint(loaded)).toBe(print);
    for (const m of [base, loaded, ...others]) m.dispose();
  });
});
