import type { LayersClassifier } from '@distillery/core';
import { createCnn, createMlp, type CnnOptions, type MlpOptions } from '@distillery/students';

/**
 * Teachers are the same kinds of models as students; what differs is the default size.
 * The MLP default is Hinton et al.'s MNIST teacher shape (two wide hidden layers with dropout).
 */
export type TeacherMlpOptions = Omit<MlpOptions, 'hidden'> & { readonly hidden?: readonly number[] };

/**
 * Input dropout by default only on inputs with a grid (an image: `[28, 28, 1]`), as Hinton et al.
 * drop a fifth of MNIST's pixels: neighbouring pixels carry the same signal. A flat vector of
 * features (a table's row) gets none unless asked for: each feature may be the one that matters,
 * and with two of them (a point's coordinates) dropping either hides what the class depends on.
 */
const teacherInputDropout = (inputShape: readonly number[]): number => (inputShape.length > 1 ? 0.2 : 0);

export function createTeacherMlp(options: TeacherMlpOptions): LayersClassifier {
  return createMlp({
    dropout: 0.5,
    inputDropout: teacherInputDropout(options.inputShape),
    name: 'teacher-mlp',
    ...options,
    hidden: options.hidden ?? [1200, 1200],
  });
}

export type TeacherCnnOptions = Omit<CnnOptions, 'filters'> & { readonly filters?: readonly number[] };

export function createTeacherCnn(options: TeacherCnnOptions): LayersClassifier {
  return createCnn({ dense: [128], dropout: 0.3, name: 'teacher-cnn', ...options, filters: options.filters ?? [32, 64] });
}
