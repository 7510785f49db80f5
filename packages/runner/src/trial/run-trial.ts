import {
  DistilleryError,
  datasetFromShared,
  epochScores,
  evaluateModel,
  selectionScore,
  withPreprocessing,
  type Dataset,
  type Model,
  type PluginContext,
  type PluginRegistry,
} from '@distillery/core';
import { threadId } from 'node:worker_threads';
import { createFeatureTerms, featureOptionsOf } from '../run/feature-terms.js';
import { createObjective, resolveClassWeights } from '../run/objective.js';
import { attempt, attemptAsync, augmentationOf, studentFactory } from '../run/run-parts.js';
import { splitRun } from '../run/split-run.js';
import { trainStudent, type TeacherSignal } from '../run/train-student.js';
import { trainingSettings } from '../spec/run-spec.js';
import { loadTeacherModel } from '../worker/teacher-runner.js';
import type { TrialEpoch, TrialResult, TrialTask } from './trial-spec.js';

/**
 * Runs one trial: split by the trial's seed, a fresh student from its plugin, ce + λ·L_kd on
 * the labelled subset and the transfer set, test accuracy after every epoch. The same code
 * runs in a worker thread and in the main thread (a serial sweep), so both give equal numbers.
 * A trial with feature terms loads the teacher from `task.teacher` and runs it online, with
 * the objective `distill()` builds (logit terms, then the feature terms); others train on the
 * cached logits.
 */
export interface TrialHooks {
  /** After each epoch: epochs done and planned. */
  readonly onEpoch?: (done: number, total: number, epoch: TrialEpoch) => void;
  /** Checked after each epoch: true ends training there, keeping the weights (a graceful stop). */
  readonly shouldStop?: () => boolean;
  /** Called with the trained student before it is disposed (e.g. to serialise its weights). */
  readonly onTrained?: (student: Model) => Promise<void>;
}

export async function runTrial(
  task: TrialTask,
  registry: PluginRegistry,
  context: PluginContext = {},
  hooks: TrialHooks = {},
): Promise<TrialResult> {
  const started = performance.now();
  const { spec, seed } = task;
  const train = datasetFromShared(task.train);
  const test = datasetFromShared(task.test);
  const split = splitRun(train, spec.data, seed);
  const pluginContext: PluginContext = { ...context, seed };
  const featureTerms = attempt('distillation.features', () => createFeatureTerms(featureOptionsOf(spec.distillation.features), registry, pluginContext));
  const online = featureTerms.length > 0 ? await onlineTeacher(task, train, registry) : undefined;
  let student: Model | undefined;
  try {
    // The scaling of this trial's split (fitted in splitRun): its validation examples stay out of it.
    student = withPreprocessing(studentFactory(spec.student, registry, train, pluginContext)(seed), split.scaling);
    const augmentation = augmentationOf(spec.distillation, registry, pluginContext);
    const epochs: TrialEpoch[] = [];
    const patience = spec.student.earlyStoppingPatience;
    const logitTerms = createObjective(spec.distillation, registry, pluginContext, resolveClassWeights(spec.student.classWeights, split.labelled));
    const teacher: TeacherSignal = online === undefined ? { logits: { size: train.size, numClasses: train.numClasses, values: task.teacherLogits } } : { online };
    await trainStudent({
      student,
      objective: featureTerms.length === 0 ? logitTerms : { terms: [...logitTerms.terms, ...featureTerms] },
      split,
      teacher,
      settings: trainingSettings(spec.student.train),
      seed,
      ...(augmentation === undefined ? {} : { augmentation }),
      // The trial keeps every epoch's numbers and picks its best on validation itself.
      ...(patience === undefined ? {} : { earlyStopping: { patience, restoreBest: false } }),
      afterEpoch: async (record, model) => {
        const testScores = epochScores(await evaluateModel(model, test));
        const epoch: TrialEpoch = {
          epoch: record.epoch,
          losses: record.losses,
          testAccuracy: testScores.accuracy,
          testScores,
          ...(record.validation === undefined ? {} : { validationAccuracy: record.validation.accuracy, validationScores: epochScores(record.validation) }),
        };
        epochs.push(epoch);
        hooks.onEpoch?.(record.epoch + 1, spec.student.train.epochs, epoch);
        if (hooks.shouldStop === undefined) return undefined;
        // Let queued messages (a stop request) in: training otherwise only yields to microtasks.
        await new Promise((resolve) => setImmediate(resolve));
        return hooks.shouldStop() ? 'stop' : undefined;
      },
    });
    await hooks.onTrained?.(student);
    const last = epochs[epochs.length - 1]!;
    const on = spec.data.selectOn ?? 'accuracy';
    const score = (e: TrialEpoch) => selectionScore(e.validationScores ?? { accuracy: e.validationAccuracy! }, on) ?? -Infinity;
    const best = split.validation === undefined ? last : epochs.reduce((a, b) => (score(b) > score(a) ? b : a));
    return { type: 'trial', id: task.id, params: task.params, seed, epochs, best, last, elapsedMs: performance.now() - started, threadId };
  } finally {
    student?.dispose();
    online?.dispose();
  }
}

/** The trial's teacher, loaded from its payload in this thread (one per trial: it is disposed with the trial). */
async function onlineTeacher(task: TrialTask, train: Dataset, registry: PluginRegistry): Promise<Model> {
  if (task.teacher === undefined) {
    throw new DistilleryError(
      'E_CONFIG',
      'distillation.features: this trial has feature terms, which run the teacher online, but its task carries no teacher (TrialTask.teacher): give the sweep the teacher model, not only its logits',
    );
  }
  const payload = task.teacher;
  return attemptAsync(`teacher ${payload.name}`, () => loadTeacherModel(payload, train, registry));
}
