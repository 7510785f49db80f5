import {
  DistillationTrainer,
  selectLogitRows,
  type Augmentation,
  type EpochRecord,
  type Model,
  type Objective,
  type TeacherLogits,
  type TrainRequest,
  type TrainResult,
  type TransferData,
} from '@distillery/core';
import type { RunSplit } from './split-run.js';
import type { TrainingSettings } from './teacher.js';

/** The teacher's side of a student's training: its logits on the whole training set, or the teacher itself (online). */
export type TeacherSignal = { readonly logits: TeacherLogits } | { readonly online: Model };

export interface StudentTraining {
  readonly student: Model;
  readonly objective: Objective;
  readonly split: RunSplit;
  /** Needed when the objective has a transfer term. */
  readonly teacher?: TeacherSignal;
  readonly settings: TrainingSettings;
  readonly seed: number;
  readonly augmentation?: Augmentation;
  readonly earlyStopping?: { readonly patience: number; readonly restoreBest: boolean };
  readonly onEpoch?: (record: EpochRecord & { epochs: number }) => void;
  readonly afterEpoch?: TrainRequest['afterEpoch'];
  readonly signal?: AbortSignal;
}

/**
 * Trains one student of a run — the student alone, the distilled student, a sweep trial: the
 * same steps for all, so distillation is never credited with more training (one epoch is a pass
 * over the transfer set, whatever λ is).
 */
export async function trainStudent(t: StudentTraining): Promise<TrainResult> {
  const { split, settings } = t;
  const transferBatch = Math.min(settings.transferBatchSize ?? settings.batchSize, split.transfer.size);
  const trainer = new DistillationTrainer();
  if (t.onEpoch !== undefined) trainer.events.on('epoch:end', t.onEpoch);
  return trainer.train({
    model: t.student,
    objective: t.objective,
    data: {
      labelled: split.labelled,
      ...(t.teacher === undefined ? {} : { transfer: transferData(split, t.teacher) }),
      ...(split.validation === undefined ? {} : { validation: split.validation }),
    },
    options: {
      epochs: settings.epochs,
      batchSize: settings.batchSize,
      transferBatchSize: transferBatch,
      learningRate: settings.learningRate,
      ...(settings.learningRateSchedule === undefined ? {} : { learningRateSchedule: settings.learningRateSchedule }),
      seed: t.seed,
      stepsPerEpoch: Math.ceil(split.transfer.size / transferBatch),
      ...(t.earlyStopping === undefined ? {} : { earlyStopping: t.earlyStopping }),
      ...(t.augmentation === undefined ? {} : { augmentation: t.augmentation }),
      ...(t.signal === undefined ? {} : { signal: t.signal }),
    },
    ...(t.afterEpoch === undefined ? {} : { afterEpoch: t.afterEpoch }),
  });
}

function transferData(split: RunSplit, teacher: TeacherSignal): TransferData {
  if ('online' in teacher) return { dataset: split.transfer, teacher: teacher.online };
  return { dataset: split.transfer, teacherLogits: selectLogitRows(teacher.logits, split.indices.transfer) };
}
