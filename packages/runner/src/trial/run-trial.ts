import {
  DistillationTrainer,
  datasetFromShared,
  evaluateModel,
  selectLogitRows,
  splitIndices,
  type Augmentation,
  type Loss,
  type Model,
  type PluginContext,
  type Objective,
  type PluginRegistry,
} from '@distillery/core';
import { distillationObjective, supervisedObjective, withObjectiveTemperature } from '@distillery/losses';
import { threadId } from 'node:worker_threads';
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
  const train = datasetFromShared(task.train);
  const test = datasetFromShared(task.test);
  const parts = splitIndices(train, {
    seed,
    ...(spec.labelledFraction === undefined ? {} : { labelledFraction: spec.labelledFraction }),
    ...(spec.labelledCount === undefined ? {} : { labelledCount: spec.labelledCount }),
    ...(spec.validationCount === undefined ? {} : { validationCount: spec.validationCount }),
  });
  const labelled = train.subset(parts.labelled, `${train.name}/labelled`);
  const transfer = train.subset(parts.transfer, `${train.name}/transfer`);
  const validation = parts.validation.length > 0 ? train.subset(parts.validation, `${train.name}/validation`) : undefined;
  const pluginContext: PluginContext = { ...context, seed };
  const student = registry.create(
    'student',
    spec.student.plugin,
    { ...spec.student.options, inputShape: train.inputShape, numClasses: train.numClasses, seed },
    pluginContext,
  ) as Model;
  const augmentation =
    spec.augmentation === undefined ? undefined : (registry.create('augmentation', spec.augmentation.name, spec.augmentation.options ?? {}, pluginContext) as Augmentation);
  try {
    const objective = buildObjective(task, registry, pluginContext);
    const transferBatch = Math.min(spec.transferBatchSize ?? spec.batchSize, transfer.size);
    const epochs: TrialEpoch[] = [];
    await new DistillationTrainer().train({
      model: student,
      objective,
      data: {
        labelled,
        transfer: { dataset: transfer, teacherLogits: selectLogitRows({ size: train.size, numClasses: train.numClasses, values: task.teacherLogits }, parts.transfer) },
        ...(validation === undefined ? {} : { validation }),
      },
      options: {
        epochs: spec.epochs,
        batchSize: spec.batchSize,
        transferBatchSize: transferBatch,
        learningRate: spec.learningRate,
        seed,
        // The same number of steps whatever λ, so λ = 0 (student alone) gets as much training.
        stepsPerEpoch: Math.ceil(transfer.size / transferBatch),
        ...(spec.earlyStoppingPatience === undefined ? {} : { earlyStopping: { patience: spec.earlyStoppingPatience, restoreBest: false } }),
        ...(augmentation === undefined ? {} : { augmentation }),
      },
      afterEpoch: async (record, model) => {
        const testAccuracy = (await evaluateModel(model, test)).accuracy;
        const epoch: TrialEpoch = {
          epoch: record.epoch,
          losses: record.losses,
          testAccuracy,
          ...(record.validation === undefined ? {} : { validationAccuracy: record.validation.accuracy }),
        };
        epochs.push(epoch);
        hooks.onEpoch?.(record.epoch + 1, spec.epochs, epoch);
        if (hooks.shouldStop === undefined) return undefined;
        // Let queued messages (a stop request) in: training otherwise only yields to microtasks.
        await new Promise((resolve) => setImmediate(resolve));
        return hooks.shouldStop() ? 'stop' : undefined;
      },
    });
    await hooks.onTrained?.(student);
    const last = epochs[epochs.length - 1]!;
    const best = validation === undefined ? last : epochs.reduce((a, b) => (b.validationAccuracy! > a.validationAccuracy! ? b : a));
    return { type: 'trial', id: task.id, params: task.params, seed, epochs, best, last, elapsedMs: performance.now() - started, threadId };
  } finally {
    student.dispose();
  }
}

function buildObjective(task: TrialTask, registry: PluginRegistry, context: PluginContext): Objective {
  const { spec } = task;
  if (spec.lambda === 0) return supervisedObjective();
  const lossName = spec.loss?.name ?? 'kd';
  const options = withObjectiveTemperature(lossName, spec.loss?.options ?? {}, spec.temperature);
  const distillationLoss = registry.create('loss', lossName, options, context) as Loss;
  return distillationObjective({
    lambda: spec.lambda,
    temperature: spec.temperature,
    distillationLoss,
    ...(spec.form === undefined ? {} : { form: spec.form }),
  });
}

