import { setupBackend, type Model } from '@distillery/core';
import { embeddedMnistSplit } from '@distillery/datasets';
import { distill, type DistillProgress, type DistillResult } from '@distillery/runner';
import { createMlp } from '@distillery/students';
import { createTeacherMlp } from '@distillery/teachers';

export interface DefaultJobOptions {
  readonly seed: number;
  readonly backend?: string;
  readonly labelledFraction: number;
  readonly lambda: number;
  readonly temperature: number;
  /** Load this teacher instead of training one. */
  readonly teacherDirectory?: string;
  readonly teacherEpochs: number;
  readonly studentEpochs: number;
  readonly onProgress?: (event: DistillProgress) => void;
}

/**
 * The default job: the low-data case on the embedded MNIST digits. A wide MLP teacher learns
 * from all 8,000 training labels; a 32-unit MLP student sees 2% of them (160) and learns the
 * rest from the teacher's soft labels on all 8,000 training images.
 */
export const DEFAULT_JOB: Omit<DefaultJobOptions, 'onProgress' | 'backend' | 'teacherDirectory'> = {
  seed: 1,
  labelledFraction: 0.02,
  lambda: 1,
  temperature: 4,
  teacherEpochs: 10,
  studentEpochs: 10,
};

export const TEACHER_HIDDEN = [512, 512] as const;
export const STUDENT_HIDDEN = [32] as const;

export async function runDefaultJob(options: DefaultJobOptions): Promise<DistillResult & { backend: string }> {
  const backend = await setupBackend(options.backend === undefined ? {} : { backend: options.backend });
  const { train, test } = embeddedMnistSplit();
  const shape = { inputShape: train.inputShape, numClasses: train.numClasses };
  const teacher =
    options.teacherDirectory !== undefined
      ? { directory: options.teacherDirectory }
      : {
          create: (seed: number): Model => createTeacherMlp({ ...shape, seed, hidden: TEACHER_HIDDEN }),
          train: { epochs: options.teacherEpochs, batchSize: 128, learningRate: 1e-3 },
        };
  const result = await distill({
    train,
    test,
    teacher,
    student: {
      create: (seed) => createMlp({ ...shape, seed, hidden: STUDENT_HIDDEN, name: 'student-mlp' }),
      train: { epochs: options.studentEpochs, batchSize: 64, learningRate: 1e-3 },
    },
    labelledFraction: options.labelledFraction,
    lambda: options.lambda,
    temperature: options.temperature,
    seed: options.seed,
    ...(options.onProgress === undefined ? {} : { onProgress: options.onProgress }),
  });
  return { ...result, backend: backend.name };
}
