import type { EventEmitter } from 'eventemitter3';
import type { Augmentation } from './augmentation.js';
import type { Dataset } from './dataset.js';
import type { EvaluationMetrics } from './evaluator.js';
import type { Objective } from './loss.js';
import type { Model } from './model.js';

/** Raw teacher logits for every example of a dataset, row i ↔ example i (float32). */
export interface TeacherLogits {
  readonly size: number;
  readonly numClasses: number;
  readonly values: Float32Array;
}

/**
 * The transfer set and where its soft labels come from: pre-computed logits (one teacher pass,
 * cacheable, but only for un-augmented inputs), or the teacher itself, run inside each step on
 * the very (augmented) inputs the student sees — the online-teacher mode.
 */
export type TransferData =
  | { readonly dataset: Dataset; readonly teacherLogits: TeacherLogits }
  | {
      readonly dataset: Dataset;
      /** Runs forward in inference mode each step; no gradient reaches it, its weights never change. */
      readonly teacher: Model;
    };

export interface TrainingData {
  readonly labelled: Dataset;
  /** Required when the objective has a term on transfer data (e.g. `kd`). */
  readonly transfer?: TransferData;
  /** For per-epoch validation metrics and early stopping. */
  readonly validation?: Dataset;
}

export interface EarlyStoppingOptions {
  /** Epochs without a better validation accuracy before stopping. */
  readonly patience: number;
  /** Put back the weights of the best epoch at the end (default true). */
  readonly restoreBest?: boolean;
}

export const LEARNING_RATE_SCHEDULES = ['constant', 'cosine'] as const;
export type LearningRateSchedule = (typeof LEARNING_RATE_SCHEDULES)[number];

/** The learning rate of epoch `epoch` (0-based) of `epochs` under `schedule`. */
export function scheduledLearningRate(learningRate: number, schedule: LearningRateSchedule | undefined, epoch: number, epochs: number): number {
  if (schedule === undefined || schedule === 'constant') return learningRate;
  return (learningRate * (1 + Math.cos((Math.PI * epoch) / epochs))) / 2;
}

export interface TrainOptions {
  readonly epochs: number;
  /** Labelled examples per step. */
  readonly batchSize: number;
  /** Transfer examples per step (default: batchSize). */
  readonly transferBatchSize?: number;
  readonly learningRate: number;
  /**
   * How the learning rate moves over the epochs: `constant` (the default), or `cosine` —
   * PyTorch's CosineAnnealingLR stepped once per epoch, from `learningRate` at epoch 0 down
   * toward 0 at the last (epoch e of E trains at learningRate · (1 + cos(π·e/E)) / 2).
   */
  readonly learningRateSchedule?: LearningRateSchedule;
  /** ≥ 1; fixes shuffling, dropout masks and augmentation. */
  readonly seed: number;
  /** Default: one pass over the transfer set if there is one, else over the labelled set. */
  readonly stepsPerEpoch?: number;
  readonly earlyStopping?: EarlyStoppingOptions;
  /**
   * Applied to labelled inputs, and with an online teacher (`transfer.teacher`) to transfer
   * inputs too, with its own derived seed; pre-computed teacher logits belong to un-augmented
   * inputs, so then transfer inputs are left as they are. A label-mixing augmentation (mixup)
   * needs every labelled term's loss to accept soft targets (`Loss.acceptsTargets`).
   */
  readonly augmentation?: Augmentation;
  /**
   * Divergence bound: an epoch whose mean value of any loss term exceeds it stops training with
   * E_DIVERGED (default 10⁴ · ln(classes), see `defaultMaxLoss`; `Infinity` turns it off). A
   * non-finite term stops training at the step it appears, whatever this is.
   */
  readonly maxLoss?: number;
  /** Emit `batch:end` every this many steps (default 10); reading losses costs a sync. */
  readonly batchEventEvery?: number;
  readonly signal?: AbortSignal;
  /**
   * Let the event loop run at least this often (ms, default 50): the steps are synchronous tfjs
   * work, and without a pause timers (progress bars redrawing), I/O and signal handlers (Ctrl-C)
   * would wait for the end of training. `Infinity` never pauses.
   */
  readonly yieldEveryMs?: number;
}

export interface TrainRequest {
  readonly model: Model;
  readonly objective: Objective;
  readonly data: TrainingData;
  readonly options: TrainOptions;
  /**
   * Work that must finish before the next epoch (evaluation, checkpoints): awaited, unlike
   * the telemetry events. Return 'stop' to end training after this epoch (a graceful stop,
   * the model keeps its weights); a throw fails the run.
   */
  readonly afterEpoch?: (record: EpochRecord, model: Model) => Promise<void | 'stop'> | void | 'stop';
}

export interface EpochRecord {
  readonly epoch: number;
  /** Mean unweighted value of each objective term over the epoch, by term name. */
  readonly losses: Readonly<Record<string, number>>;
  /** Mean weighted total. */
  readonly total: number;
  /** The epoch's learning rate (set by the trainer; it moves under a schedule). */
  readonly learningRate?: number;
  readonly validation?: EvaluationMetrics;
  readonly elapsedMs: number;
}

export interface TrainResult {
  readonly history: readonly EpochRecord[];
  /** True when an afterEpoch hook asked to stop before the last epoch. */
  readonly stoppedByHook?: boolean;
  readonly steps: number;
  /** Epoch whose weights the model holds at the end, when validation chose it. */
  readonly bestEpoch?: number;
  readonly stoppedEarly: boolean;
}

/** Telemetry: fire and forget. Listeners must not throw or block. */
export interface TrainerEvents {
  'run:start': (event: { epochs: number; stepsPerEpoch: number; terms: string[] }) => void;
  'batch:end': (event: { epoch: number; step: number; stepsPerEpoch: number; losses: Record<string, number> }) => void;
  'epoch:end': (event: EpochRecord & { epochs: number }) => void;
  'run:end': (event: TrainResult) => void;
}

export interface Trainer {
  readonly events: EventEmitter<TrainerEvents>;
  train(request: TrainRequest): Promise<TrainResult>;
}
