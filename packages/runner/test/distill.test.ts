import { setupBackend, tf, type Model } from '@distillery/core';
import { embeddedMnistSplit } from '@distillery/datasets';
import { createMlp } from '@distillery/students';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { distill, generateSoftLabels, type DistillOptions, type DistillProgress } from '../src/index.js';

let dir = '';
beforeAll(async () => {
  await setupBackend();
  dir = await mkdtemp(join(tmpdir(), 'distillery-distill-'));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

/** A tiny version of the default job: 1,500 training digits, 500 test digits. */
function tinyJob(): DistillOptions {
  const { train, test } = embeddedMnistSplit();
  const shape = { inputShape: train.inputShape, numClasses: 10 };
  return {
    train: train.subset(Array.from({ length: 1500 }, (_, i) => i), 'mnist-tiny'),
    test: test.subset(Array.from({ length: 500 }, (_, i) => i), 'mnist-tiny-test'),
    teacher: { create: (seed) => createMlp({ ...shape, seed, hidden: [128], dropout: 0.2 }), train: { epochs: 6, batchSize: 64, learningRate: 2e-3 } },
    student: { create: (seed) => createMlp({ ...shape, seed, hidden: [16] }), train: { epochs: 4, batchSize: 32, learningRate: 2e-3 } },
    labelledFraction: 0.04,
    lambda: 1,
    temperature: 4,
    seed: 1,
  };
}

const disposeAll = (models: Model[]) => models.forEach((m) => m.dispose());

describe('distill', () => {
  it('runs teacher → soft labels → two students → report, and leaks no tensors', async () => {
    const before = tf.memory().numTensors;
    const events: DistillProgress[] = [];
    const result = await distill({ ...tinyJob(), onProgress: (e) => events.push(e) });
    const { report } = result;
    expect(report.settings).toMatchObject({ labelled: 60, transfer: 1500, test: 500, lambda: 1, temperature: 4, distillationLoss: 'kd' });
    expect(report.teacher.accuracy).toBeGreaterThan(0.85);
    // Deterministic for the seed: with 60 labels the distilled student is clearly ahead.
    expect(report.studentKd.accuracy).toBeGreaterThan(report.studentAlone.accuracy + 0.05);
    expect(report.studentKd.params).toBe(report.studentAlone.params);
    const phases = events.filter((e) => e.type === 'phase:end').map((e) => e.phase);
    expect(phases).toEqual(['teacher', 'soft-labels', 'student-alone', 'student-kd']);
    expect(events.filter((e) => e.type === 'epoch:end' && e.phase === 'student-kd')).toHaveLength(4);
    disposeAll([result.teacher, result.studentAlone, result.studentKd]);
    expect(tf.memory().numTensors).toBe(before);
  });

  it('takes a saved teacher from a directory and skips training it', async () => {
    const job = tinyJob();
    const first = await distill(job);
    const teacherDir = join(dir, 'teacher');
    await first.teacher.save(teacherDir);
    const second = await distill({ ...job, teacher: { directory: teacherDir } });
    expect(second.report.teacher.accuracy).toBe(first.report.teacher.accuracy);
    expect(second.report.studentKd.accuracy).toBe(first.report.studentKd.accuracy);
    disposeAll([first.teacher, first.studentAlone, first.studentKd, second.teacher, second.studentAlone, second.studentKd]);
  });

  it('rejects bad settings before any training', async () => {
    const job = tinyJob();
    await expect(distill({ ...job, lambda: 2 })).rejects.toThrow('lambda: expected a number in [0, 1], got 2');
    await expect(distill({ ...job, temperature: -1 })).rejects.toThrow('kd.temperature: expected a positive finite number, got -1');
    await expect(distill({ ...job, labelledFraction: 0 })).rejects.toThrow('labelledFraction: expected a number in (0, 1], got 0');
    await expect(distill({ ...job, teacher: { directory: join(dir, 'missing') } })).rejects.toThrow(/does not exist/);
  });

  it('generateSoftLabels returns raw logits for every transfer example in one teacher pass', async () => {
    const job = tinyJob();
    const teacher = createMlp({ inputShape: [28, 28, 1], numClasses: 10, hidden: [8], seed: 1 });
    const result = await generateSoftLabels({ teacher, dataset: job.train, batchSize: 100 });
    expect(result.teacherPasses).toBe(1);
    expect(result.logits.size).toBe(1500);
    expect(result.logits.values.length).toBe(15_000);
    // Raw logits, not probabilities: rows do not sum to one.
    const rowSum = result.logits.values.subarray(0, 10).reduce((a, b) => a + b, 0);
    expect(Math.abs(rowSum - 1)).toBeGreaterThan(1e-3);
    teacher.dispose();
  });
});

describe('distill with a validation split', () => {
  it('holds validation out of the transfer set and stops students early on it', async () => {
    const events: DistillProgress[] = [];
    const job = tinyJob();
    const result = await distill({
      ...job,
      student: { ...job.student, train: { ...job.student.train, epochs: 30 } },
      validationCount: 200,
      earlyStoppingPatience: 2,
      onProgress: (e) => events.push(e),
    });
    expect(result.report.settings).toMatchObject({ validation: 200, transfer: 1300 });
    const kdEpochs = events.filter((e) => e.type === 'epoch:end' && e.phase === 'student-kd');
    expect(kdEpochs.length).toBeLessThan(30);
    expect(kdEpochs.every((e) => e.type === 'epoch:end' && e.record.validation !== undefined)).toBe(true);
    disposeAll([result.teacher, result.studentAlone, result.studentKd]);
    await expect(distill({ ...job, earlyStoppingPatience: 2 })).rejects.toThrow(
      'earlyStoppingPatience: expected a validationCount > 0 to stop on, got 2',
    );
  });
});
