import { randomShift } from '@distillery/augmentations';
import { DistillationTrainer, PluginRegistry, evaluateModel, setupBackend, type ForwardOptions, type Model, type tf } from '@distillery/core';
import { embeddedMnistSplit } from '@distillery/datasets';
import { supervisedObjective } from '@distillery/losses';
import { distill, type DistillPhase } from '@distillery/runner';
import { createCnn } from '@distillery/students';
import { createTeacherCnn, registerTeachers } from '@distillery/teachers';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

let dir = '';
beforeAll(async () => {
  await setupBackend();
  dir = await mkdtemp(join(tmpdir(), 'distillery-augmented-'));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

/** Counts a model's forward calls, to see the teacher run inside the distillation steps. */
function countForwardCalls(model: Model): { calls: number } {
  const counter = { calls: 0 };
  const forward = model.forward.bind(model);
  model.forward = (x: tf.Tensor, options?: ForwardOptions) => {
    counter.calls += 1;
    return forward(x, options);
  };
  return counter;
}

describe('augmentation and the model zoo, end to end', () => {
  it('distils a CNN student from a shift-trained CNN teacher, loaded by the saved plugin, in online-teacher mode', async () => {
    const all = embeddedMnistSplit();
    const train = all.train.subset(Int32Array.from({ length: 800 }, (_, i) => i), 'mnist-800');
    const test = all.test.subset(Int32Array.from({ length: 400 }, (_, i) => i), 'mnist-test-400');
    const shape = { inputShape: train.inputShape, numClasses: train.numClasses };
    const shift = randomShift({ pixels: 2 });

    // A teacher trained with shifted inputs (as Hinton et al. trained theirs), saved, then loaded by name.
    const trained = createTeacherCnn({ ...shape, filters: [8, 16], dense: [32], seed: 1 });
    await new DistillationTrainer().train({
      model: trained,
      objective: supervisedObjective(),
      data: { labelled: train },
      options: { epochs: 3, batchSize: 32, learningRate: 3e-3, seed: 1, augmentation: shift },
    });
    const teacherAccuracy = (await evaluateModel(trained, test)).accuracy;
    await trained.save(join(dir, 'teacher'));
    trained.dispose();
    // Not loaded yet: distill awaits its ready().
    const teacher = registerTeachers(new PluginRegistry()).create('teacher', 'saved', { directory: join(dir, 'teacher'), ...shape });
    const teacherForwards = countForwardCalls(teacher);

    const phases: DistillPhase[] = [];
    const { report, studentAlone, studentKd } = await distill({
      train,
      test,
      teacher: { model: teacher },
      student: { create: (seed) => createCnn({ ...shape, filters: [4, 8], dense: [16], seed }), train: { epochs: 2, batchSize: 16, learningRate: 3e-3 } },
      labelledCount: 50,
      lambda: 1,
      temperature: 4,
      seed: 1,
      augmentation: shift,
      onlineTeacher: true,
      onProgress: (event) => {
        if (event.type === 'phase:start') phases.push(event.phase);
      },
    });

    expect(phases).toEqual(['teacher', 'student-alone', 'student-kd']); // no soft-label pass
    expect(report.settings).toMatchObject({ labelled: 50, transfer: 800, augmentation: 'shift', onlineTeacher: true });
    expect(report.teacher.accuracy).toBe(teacherAccuracy); // the very teacher that was saved
    // One teacher forward per distillation step (800 / 16 = 50 steps × 2 epochs), plus its evaluation.
    const evaluationBatches = Math.ceil(test.size / 512);
    expect(teacherForwards.calls).toBe(50 * 2 + evaluationBatches);
    expect(report.teacher.accuracy).toBeGreaterThan(0.8);
    expect(report.studentKd.accuracy).toBeGreaterThan(report.studentAlone.accuracy);
    for (const model of [teacher, studentAlone, studentKd]) model.dispose();
  });
});
