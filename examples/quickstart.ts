/**
 * Distillation in one screen: a teacher learns from every label; a small student learns from
 * 2% of the labels plus the teacher's soft labels on all the images.
 *
 *   pnpm tsx examples/quickstart.ts
 */
import { setupBackend } from '@distillery/core';
import { embeddedMnistSplit } from '@distillery/datasets';
import { distill } from '@distillery/runner';
import { createMlp } from '@distillery/students';
import { createTeacherMlp } from '@distillery/teachers';

await setupBackend(); // wasm by default; DISTILLERY_BACKEND=cpu to change
const { train, test } = embeddedMnistSplit(); // 8,000 / 2,000 real MNIST digits, no download
const shape = { inputShape: train.inputShape, numClasses: train.numClasses };

const { report, teacher, studentAlone, studentKd } = await distill({
  train,
  test,
  teacher: {
    create: (seed) => createTeacherMlp({ ...shape, seed, hidden: [512, 512] }),
    train: { epochs: 10, batchSize: 128, learningRate: 1e-3 },
  },
  student: {
    create: (seed) => createMlp({ ...shape, seed, hidden: [32] }),
    train: { epochs: 10, batchSize: 64, learningRate: 1e-3 },
  },
  labelledFraction: 0.02, // the low-data case: 160 labels
  lambda: 1, // L = ce + λ·kd
  temperature: 4,
  seed: 1,
  onProgress: (e) => e.type === 'phase:end' && console.log(`${e.phase} done`),
});

console.log({
  teacher: report.teacher.accuracy,
  studentAlone: report.studentAlone.accuracy,
  studentKd: report.studentKd.accuracy,
});
await studentKd.save('runs/quickstart-student'); // loads in a browser with tf.loadLayersModel
[teacher, studentAlone, studentKd].forEach((m) => m.dispose());
