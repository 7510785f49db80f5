import { checkCallOptions, type Augmentation, type Dataset, type Loss, type Model, type OptionKeys, type PluginRegistry, type ScalingKind } from '@distillery/core';
import type { FeatureTermOptions } from '@distillery/losses';
import type { CacheRejection } from './cache/logit-cache.js';
import type { DistillProgress } from './distill.js';
import type { RunnerPool } from './pool/runner-pool.js';
import type { TeacherSource, TrainingSettings } from './run/teacher.js';
import type { TeacherRuntime } from './soft-labels/teacher-payload.js';

export interface DistillOptions {
  /** Training data; a labelled subset keeps its labels, all of it is the transfer set. */
  readonly train: Dataset;
  readonly test: Dataset;
  readonly teacher: TeacherSource;
  readonly student: { readonly create: (seed: number) => Model; readonly train: TrainingSettings };
  /** Give one: the share or the number of training examples whose labels the students see. */
  readonly labelledFraction?: number;
  readonly labelledCount?: number;
  /**
   * Hold out this many training examples (stratified) for validation: per-epoch validation
   * accuracy in the progress events, and early stopping when `earlyStoppingPatience` is set.
   */
  readonly validationCount?: number;
  /** Stop a student after this many epochs without a better validation accuracy; keep its best weights. */
  readonly earlyStoppingPatience?: number;
  /** λ in [0, 1] and temperature T of ce + λ·kd. */
  readonly lambda: number;
  readonly temperature: number;
  readonly form?: 'sum' | 'convex';
  /**
   * Another distillation loss in the place of Hinton kd: a Loss, or a loss plugin's name (`dkd`,
   * `dist`, a third-party one in `registry`), created through `registry`.
   */
  readonly distillationLoss?: Loss | string;
  /**
   * Options of the loss named by `distillationLoss`, e.g. `{ beta: 2 }` for `dkd`; a loss that
   * declares `takesTemperature` gets `temperature` unless these set one.
   */
  readonly distillationLossOptions?: Readonly<Record<string, unknown>>;
  /** Where names (`distillationLoss`, a `directory` teacher) are resolved: default the built-in plugins. */
  readonly registry?: PluginRegistry;
  readonly seed: number;
  readonly onProgress?: (event: DistillProgress) => void;
  /** Applied to both students' labelled inputs (with `onlineTeacher`, to the transfer inputs too). */
  readonly augmentation?: Augmentation;
  /**
   * Run the teacher inside each distillation step, on the same (augmented) transfer batch the
   * student sees, instead of caching its logits once; there is then no soft-label phase.
   */
  readonly onlineTeacher?: boolean;
  /**
   * Feature terms beside the logit terms of the distilled student, e.g.
   * `{ student: 'conv2d_2', teacher: 'conv2d_2', loss: 'at', weight: 1000 }`
   * (docs/feature-distillation.md). They need the teacher's layers each step, so a run with any
   * runs the teacher online (no soft-label phase).
   */
  readonly features?: readonly FeatureTermOptions[];
  /** Shard the teacher's soft labels over this pool (default: in this thread). */
  readonly pool?: RunnerPool;
  /** Where the soft labels are computed (default `auto`: onnxruntime in the pool's workers when it can). */
  readonly teacherRuntime?: TeacherRuntime;
  /** Cache the teacher's logits in this folder: a repeated run skips the teacher pass. */
  readonly cache?: string;
  /**
   * Save a teacher trained here in this folder as soon as it is trained, and load it from there
   * instead of training when the folder already holds it (the caller vouches it is this teacher).
   */
  readonly teacherFolder?: string;
  /** A logit-cache file found unusable and regenerated (print it with `formatCacheRejection`). */
  readonly onCacheRejected?: (rejection: CacheRejection) => void;
  /** Abort: the training in progress stops at its next step with an E_ABORTED error. */
  readonly signal?: AbortSignal;
  /**
   * Scale inputs with statistics of the training examples outside validation (never test); the
   * students and a teacher trained here carry the scaling and save it.
   */
  readonly preprocessing?: ScalingKind;
  /** Per-class weights of the students' ce term, or `balanced` (n / (classes · n_c) over the labelled examples). */
  readonly classWeights?: readonly number[] | 'balanced';
}

const DISTILL_OPTIONS: OptionKeys<DistillOptions> = {
  train: true, test: true, teacher: true, student: true, labelledFraction: true, labelledCount: true, validationCount: true, earlyStoppingPatience: true, lambda: true, temperature: true,
  form: true, distillationLoss: true, distillationLossOptions: true, registry: true, seed: true, onProgress: true, augmentation: true, onlineTeacher: true, features: true, pool: true,
  teacherRuntime: true, cache: true, teacherFolder: true, onCacheRejected: true, signal: true, preprocessing: true, classWeights: true,
};

/** The options' keys, for a caller no compiler checks (see checkCallOptions); the values are checked where they are used. */
export function checkDistillOptions(options: DistillOptions): void {
  checkCallOptions('distill', options, DISTILL_OPTIONS, ['train', 'test', 'teacher', 'student', 'lambda', 'temperature', 'seed']);
}
