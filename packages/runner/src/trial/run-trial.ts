import { DistilleryError, datasetFromShared, epochScores, evaluateModel, selectionScore, withPreprocessing, type Model, type PluginContext, type PluginRegistry } from '@distillery/core';
import { threadId } from 'node:worker_threads';
import { createObjective, resolveClassWeights } from '../run/objective.js';
import { augmentationOf, studentFactory } from '../run/run-parts.js';
import { splitRun } from '../run/split-run.js';
import { trainStudent } from '../run/train-student.js';
import { trainingSettings } from '../spec/run-spec.js';
import type { TrialEpoch, TrialResult, TrialTask } from './trial-spec.js';

/**
 * Runs one trial: split by the trial's seed, a fresh student from its plugin, ce + λ·L_kd on
 * the labelled subset and the transfer set, test accuracy after every epoch. The same code
 * runs in a worker thread and in the main thread (a serial sweep), so both give equal numbers.
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
  if (spec.distillation.features.length > 0) {
    // Trials train on cached logits; feature terms need the teacher itself each step.
    throw new DistilleryError('E_CONFIG', 'distillation.features: sweep trials do not take feature terms yet (they need the teacher online); use distill() or `distillery run`');
  }
  const train = datasetFromShared(task.train);
  const test = datasetFromShared(task.test);
  const split = splitRun(train, spec.data, seed);
  const pluginContext: PluginContext = { ...context, seed };
  // The scaling of this trial's split (fitted in splitRun): its validation examples stay out of it.
  const student = withPreprocessing(studentFactory(spec.student, registry, train, pluginContext)(seed), split.scaling);
  try {
    const augmentation = augmentationOf(spec.distillation, registry, pluginContext);
    const epochs: TrialEpoch[] = [];
    const patience = spec.student.earlyStoppingPatience;
    await trainStudent({
      student,
      objective: createObjective(spec.distillation, registry, pluginContext, resolveClassWeights(spec.student.classWeights, split.labelled)),
      split,
      teacher: { logits: { size: train.size, numClasses: train.numClasses, values: task.teacherLogits } },
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
    student.dispose();
  }
}
