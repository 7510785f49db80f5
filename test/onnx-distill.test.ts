import { PluginRegistry, evaluateModel, setupBackend } from '@distillery/core';
import { embeddedMnistSplit } from '@distillery/datasets';
import { RunnerPool, distill, type DistillOptions } from '@distillery/runner';
import { createMlp } from '@distillery/students';
import { createTeacherMlp, exportOnnx, registerTeachers } from '@distillery/teachers';
import { DistillationTrainer } from '@distillery/core';
import { supervisedObjective } from '@distillery/losses';
import { readFileSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

/** The PyTorch-trained CNN of packages/teachers/test/fixtures (make_pytorch_teacher.py) and its accuracy there. */
const PYTORCH_TEACHER = fileURLToPath(new URL('../packages/teachers/test/fixtures/pytorch-teacher.onnx', import.meta.url));
const pytorchAccuracy = (JSON.parse(readFileSync(PYTORCH_TEACHER.replace(/\.onnx$/, '.json'), 'utf8')) as { testAccuracy: number }).testAccuracy;

const registry = registerTeachers(new PluginRegistry());
const all = embeddedMnistSplit();
const train = all.train.subset(Int32Array.from({ length: 2000 }, (_, i) => i), 'mnist-2000');
const shape = { inputShape: train.inputShape, numClasses: train.numClasses };
let dir = '';
let pool: RunnerPool;

beforeAll(async () => {
  await setupBackend();
  dir = await mkdtemp(join(tmpdir(), 'distillery-onnx-'));
  pool = new RunnerPool({ workers: 2 });
});
afterAll(async () => {
  await pool.destroy();
  await rm(dir, { recursive: true, force: true });
});

/** 100 labels, a small MLP student, soft labels on the 2,000 training images. */
const job = (teacher: DistillOptions['teacher'], extra: Partial<DistillOptions> = {}): DistillOptions => ({
  train,
  test: all.test,
  teacher,
  student: { create: (seed) => createMlp({ ...shape, hidden: [32], seed }), train: { epochs: 4, batchSize: 32, learningRate: 2e-3 } },
  labelledCount: 100,
  lambda: 1,
  temperature: 4,
  seed: 1,
  pool,
  ...extra,
});

describe('ONNX teachers distil students end to end', () => {
  it('a PyTorch-exported CNN (from a config-style plugin spec): soft labels on ORT in the workers', async () => {
    const teacher = registry.create('teacher', 'onnx', { file: PYTORCH_TEACHER, ...shape });
    const { report, studentAlone, studentKd } = await distill(job({ model: teacher }));
    expect(report.settings.teacherRuntime).toBe('ort');
    // Evaluated in this thread on the tfjs runtime: PyTorch's own test accuracy.
    expect(Math.abs(report.teacher.accuracy - pytorchAccuracy)).toBeLessThan(0.5 / all.test.size);
    expect(report.studentKd.accuracy).toBeGreaterThan(report.studentAlone.accuracy + 0.05);
    for (const model of [teacher, studentAlone, studentKd]) model.dispose();
  });

  it('a teacher trained here and exported with exportOnnx: the same accuracy as its tfjs self, and a better student', async () => {
    const trained = createTeacherMlp({ ...shape, hidden: [256], seed: 2 });
    await new DistillationTrainer().train({
      model: trained,
      objective: supervisedObjective(),
      data: { labelled: train },
      options: { epochs: 3, batchSize: 64, learningRate: 1e-3, seed: 2 },
    });
    const tfjsAccuracy = (await evaluateModel(trained, all.test)).accuracy;
    const file = join(dir, 'js-teacher.onnx');
    await exportOnnx(trained, file);
    trained.dispose();
    const teacher = registry.create('teacher', 'onnx', { file, ...shape });
    const { report, studentAlone, studentKd } = await distill(job({ model: teacher }));
    expect(report.settings.teacherRuntime).toBe('ort');
    expect(Math.abs(report.teacher.accuracy - tfjsAccuracy)).toBeLessThan(0.5 / all.test.size);
    expect(report.studentKd.accuracy).toBeGreaterThan(report.studentAlone.accuracy + 0.05);
    for (const model of [teacher, studentAlone, studentKd]) model.dispose();
  });

  it("online-teacher mode runs the ONNX teacher's graph on TensorFlow.js inside each step (no soft-label phase)", async () => {
    const teacher = registry.create('teacher', 'onnx', { file: PYTORCH_TEACHER, ...shape });
    const small = all.train.subset(Int32Array.from({ length: 600 }, (_, i) => i), 'mnist-600');
    const { report, studentAlone, studentKd } = await distill({ ...job({ model: teacher }, { onlineTeacher: true }), train: small });
    expect(report.settings.onlineTeacher).toBe(true);
    expect(report.settings.teacherRuntime).toBeUndefined();
    expect(report.studentKd.accuracy).toBeGreaterThan(report.studentAlone.accuracy);
    for (const model of [teacher, studentAlone, studentKd]) model.dispose();
  });
});
