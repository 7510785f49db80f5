import { randomShift } from '@distillery/augmentations';
import type { Augmentation, LearningRateSchedule, Model } from '@distillery/core';
import type { SweepGrid, TrainingSettings, TrialSpecInput } from '@distillery/runner';
import { createTeacherCnn, createTeacherMlp } from '@distillery/teachers';

/** How big a run of the quality benchmark is: `full` for the README table, `tiny` for CI (seconds). */
export interface QualityScale {
  readonly name: 'full' | 'tiny';
  readonly fractions: readonly number[];
  /** Examples held out of training for selection (never the test set), by dataset. */
  readonly validationCount: Readonly<Record<string, number>>;
  /** The MLP teacher (TEACHER=mlp) and the CNN teacher (TEACHER=cnn, the default). */
  readonly teacher: { readonly hidden: readonly number[]; readonly epochs: number; readonly dropout: number; readonly inputDropout: number; readonly schedule: LearningRateSchedule };
  readonly cnnTeacher: {
    readonly filters: readonly number[];
    readonly dense: readonly number[];
    readonly dropout: number;
    readonly epochs: number;
    /** Random shifts of up to this many pixels on every training batch. */
    readonly shiftPixels: number;
    readonly schedule: LearningRateSchedule;
  };
  readonly studentHidden: readonly number[];
  /** The small CNN student (STUDENT=cnn). */
  readonly studentCnn: { readonly filters: readonly number[]; readonly dense: readonly number[] };
  readonly studentEpochs: number;
  readonly studentSchedule: LearningRateSchedule;
  readonly transferBatchSize: number;
  /** Limit the data (tiny runs only). */
  readonly limit?: { readonly train: number; readonly test: number };
  readonly seeds: readonly number[];
}

export const SCALES: Record<'full' | 'tiny', QualityScale> = {
  full: {
    name: 'full',
    fractions: [0.01, 0.1, 1],
    // About a tenth of each training set: 5,000 of Fashion-MNIST's 60,000, 1,000 of the 8,004 digits.
    validationCount: { fashion: 5000, mnist: 1000 },
    teacher: { hidden: [1200, 1200], epochs: 8, dropout: 0.5, inputDropout: 0.2, schedule: 'constant' },
    cnnTeacher: { filters: [32, 64], dense: [128], dropout: 0.3, epochs: 20, shiftPixels: 2, schedule: 'cosine' },
    studentHidden: [64],
    studentCnn: { filters: [8, 16], dense: [] },
    studentEpochs: 20,
    studentSchedule: 'constant',
    transferBatchSize: 256,
    seeds: [1, 2, 3],
  },
  tiny: {
    name: 'tiny',
    fractions: [0.05, 1],
    validationCount: { fashion: 200, mnist: 200 },
    teacher: { hidden: [64], epochs: 5, dropout: 0.2, inputDropout: 0, schedule: 'constant' },
    cnnTeacher: { filters: [8, 16], dense: [32], dropout: 0.1, epochs: 6, shiftPixels: 1, schedule: 'cosine' },
    studentHidden: [16],
    studentCnn: { filters: [2, 4], dense: [] },
    studentEpochs: 4,
    studentSchedule: 'constant',
    transferBatchSize: 64,
    limit: { train: 1000, test: 300 },
    seeds: [1, 2],
  },
};

/** A distillation method: its base trial and the grid its λ / T (and own options) are chosen on. */
export interface Method {
  readonly name: 'student alone' | 'kd' | 'dkd';
  /** Set over the base spec: run-spec paths → values. */
  readonly base: Readonly<Record<string, unknown>>;
  readonly grid: SweepGrid;
}

/**
 * Distillation as (1 − λ)·ce + λ·distill. With few labels the soft labels carry most of the
 * signal: the 550 labels of Fashion-MNIST's 1 % are fitted within a few epochs (ce → 0.01) while
 * the teacher's 55,000 soft labels still teach, so the grid reaches past the sum form's λ ≤ 1
 * (ce + λ·kd; Adam sees only the ratio, and convex λ = 0.5 is the sum form's λ = 1) up to a
 * distillation term 19× the ce term. Measured at 1 %: the sum form's grid chose 86.81 ± 0.29
 * (λ 0.25, T 2); this one 87.92 ± 0.31 (λ 0.95, T 1). Validation decides each fraction's λ as before.
 */
const CONVEX_KD = { 'distillation.loss': 'kd', 'distillation.form': 'convex' } as const;
const CONVEX_DKD = { 'distillation.loss': 'dkd', 'distillation.form': 'convex' } as const;

export function methods(scale: QualityScale): Method[] {
  if (scale.name === 'tiny') {
    return [
      { name: 'student alone', base: { 'distillation.lambda': 0 }, grid: { lambda: [0] } },
      { name: 'kd', base: CONVEX_KD, grid: { lambda: [0.5, 0.9], temperature: [4] } },
      { name: 'dkd', base: CONVEX_DKD, grid: { lambda: [0.9], temperature: [4] } },
    ];
  }
  return [
    { name: 'student alone', base: { 'distillation.lambda': 0 }, grid: { lambda: [0] } },
    { name: 'kd', base: CONVEX_KD, grid: { lambda: [0.5, 0.8, 0.95], temperature: [1, 2, 4, 8] } },
    { name: 'dkd', base: CONVEX_DKD, grid: { lambda: [0.5, 0.9], temperature: [2, 4], 'distillation.options.beta': [2, 8] } },
  ];
}

export type TeacherKind = 'mlp' | 'cnn';

/** How the bench's teacher is made and trained (TEACHER, with TEACHER_EPOCHS / TEACHER_SCHEDULE over the scale's). */
export interface TeacherRecipe {
  readonly name: string;
  readonly create: (shape: { inputShape: readonly number[]; numClasses: number }, seed: number) => Model;
  readonly train: TrainingSettings;
  readonly augmentation?: Augmentation;
}

export function teacherRecipe(scale: QualityScale, kind: TeacherKind, overrides: { epochs?: number; schedule?: LearningRateSchedule } = {}): TeacherRecipe {
  const train = (epochs: number, schedule: LearningRateSchedule): TrainingSettings => ({
    epochs: overrides.epochs ?? epochs,
    batchSize: 128,
    learningRate: 1e-3,
    ...((overrides.schedule ?? schedule) === 'constant' ? {} : { learningRateSchedule: overrides.schedule ?? schedule }),
  });
  if (kind === 'mlp') {
    const t = scale.teacher;
    const settings = train(t.epochs, t.schedule);
    return {
      name: `MLP 784-${t.hidden.join('-')}-10, ${settings.epochs} epochs${settings.learningRateSchedule === undefined ? '' : ` ${settings.learningRateSchedule}`}`,
      create: (shape, seed) => createTeacherMlp({ ...shape, seed, hidden: t.hidden, dropout: t.dropout, inputDropout: t.inputDropout }),
      train: settings,
    };
  }
  const t = scale.cnnTeacher;
  const settings = train(t.epochs, t.schedule);
  return {
    name: `CNN conv ${t.filters.join('-')} + batch-norm + dense ${t.dense.join('-')}, shifts ±${t.shiftPixels} px, ${settings.epochs} epochs ${settings.learningRateSchedule ?? 'constant'}`,
    create: (shape, seed) => createTeacherCnn({ ...shape, seed, filters: t.filters, dense: t.dense, dropout: t.dropout, batchNorm: true }),
    train: settings,
    augmentation: randomShift({ pixels: t.shiftPixels }),
  };
}

export type StudentKind = 'mlp' | 'cnn';

export function studentName(scale: QualityScale, kind: StudentKind): string {
  return kind === 'mlp' ? `MLP 784-${scale.studentHidden.join('-')}-10` : `CNN conv ${scale.studentCnn.filters.join('-')}${scale.studentCnn.dense.length > 0 ? ` + dense ${scale.studentCnn.dense.join('-')}` : ''}`;
}

/** The students' training and loss, as the table's note says it. */
export function studentRecipe(scale: QualityScale): string {
  const t = baseSpec(scale, 'fashion', 1).student!.train!;
  const kd = methods(scale).find((m) => m.name === 'kd')!.base;
  const objective = kd['distillation.form'] === 'convex' ? '(1 − λ)·ce + λ·kd' : 'ce + λ·kd';
  return `${t.epochs} epochs (passes over the transfer set; over the labels for the student alone), batches of ${t.batchSize} labelled + ${t.transferBatchSize} transfer examples, Adam ${t.learningRate} ${t.learningRateSchedule ?? 'constant'}; distilled as ${objective} (or dkd), λ, T (and dkd's β) chosen on validation`;
}

export function baseSpec(scale: QualityScale, dataset: string, fraction: number, student: StudentKind = 'mlp'): TrialSpecInput {
  return {
    data: { labelledFraction: fraction, validationCount: scale.validationCount[dataset]! },
    student: {
      plugin: student,
      options: student === 'mlp' ? { hidden: [...scale.studentHidden] } : { filters: [...scale.studentCnn.filters], dense: [...scale.studentCnn.dense] },
      train: {
        epochs: scale.studentEpochs,
        batchSize: 64,
        transferBatchSize: scale.transferBatchSize,
        learningRate: 2e-3,
        ...(scale.studentSchedule === 'constant' ? {} : { learningRateSchedule: scale.studentSchedule }),
      },
    },
    distillation: { loss: 'kd', lambda: 1, temperature: 4 },
  };
}
