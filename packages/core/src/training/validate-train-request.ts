import * as tf from '@tensorflow/tfjs';
import type { Augmentation } from '../contracts/augmentation.js';
import type { Dataset } from '../contracts/dataset.js';
import type { Objective } from '../contracts/loss.js';
import type { Model } from '../contracts/model.js';
import type { TeacherLogits, TrainOptions, TrainRequest, TrainingData } from '../contracts/trainer.js';
import { DistilleryError, configError } from '../errors.js';
import { checkCompatible } from '../evaluation/evaluate-model.js';
import { assertPositiveInteger, assertPositiveNumber, assertSeed, checkCallOptions, type OptionKeys } from '../validate.js';

const REQUEST_KEYS: OptionKeys<TrainRequest> = { model: true, objective: true, data: true, options: true, afterEpoch: true };
const DATA_KEYS: OptionKeys<TrainingData> = { labelled: true, transfer: true, validation: true };
const OPTION_KEYS: OptionKeys<TrainOptions> = {
  epochs: true, batchSize: true, transferBatchSize: true, learningRate: true, learningRateSchedule: true, seed: true, stepsPerEpoch: true, earlyStopping: true,
  augmentation: true, maxLoss: true, batchEventEvery: true, signal: true, yieldEveryMs: true,
};

/** Every check that can fail before the first step, so a bad run fails in milliseconds. */
export function validateTrainRequest(request: TrainRequest): void {
  // A plain-JavaScript caller's misspelt key was a TypeError from inside (`dat:`) or a setting ignored.
  checkCallOptions('train', request, REQUEST_KEYS, ['model', 'objective', 'data', 'options']);
  checkCallOptions('train data', request.data, DATA_KEYS, ['labelled']);
  checkCallOptions('train options', request.options, OPTION_KEYS);
  const { model, objective, data, options } = request;
  assertPositiveInteger('epochs', options.epochs);
  assertPositiveInteger('batchSize', options.batchSize);
  if (options.transferBatchSize !== undefined) assertPositiveInteger('transferBatchSize', options.transferBatchSize);
  if (options.stepsPerEpoch !== undefined) assertPositiveInteger('stepsPerEpoch', options.stepsPerEpoch);
  if (options.batchEventEvery !== undefined) assertPositiveInteger('batchEventEvery', options.batchEventEvery);
  assertPositiveNumber('learningRate', options.learningRate);
  if (options.maxLoss !== undefined && !(options.maxLoss > 0)) throw configError('maxLoss', 'a positive number (or Infinity)', options.maxLoss);
  assertSeed('seed', options.seed);
  if (objective.terms.length === 0) throw configError('objective.terms', 'at least one term', objective.terms);
  const names = new Set<string>();
  for (const [i, term] of objective.terms.entries()) {
    if (names.has(term.name)) throw configError(`objective.terms[${i}].name`, 'a name not used by another term', term.name);
    names.add(term.name);
    if (typeof term.weight === 'number' && (!Number.isFinite(term.weight) || term.weight < 0)) {
      throw configError(`objective.terms[${i}].weight`, 'a finite number ≥ 0', term.weight);
    }
    // A feature loss runs on the transfer set, where the teacher is.
    const provided: readonly string[] = term.data === 'transfer' ? ['teacherLogits', 'features'] : ['labels'];
    if (!term.loss.requires.every((r) => provided.includes(r))) {
      throw configError(
        `objective.terms[${i}].data`,
        `data that provides ${term.loss.requires.join(' and ')} for loss ${term.loss.name}`,
        term.data,
      );
    }
  }
  checkCompatible(model, data.labelled);
  if (data.validation !== undefined) checkCompatible(model, data.validation);
  if (options.earlyStopping !== undefined) {
    assertPositiveInteger('earlyStopping.patience', options.earlyStopping.patience);
    if (data.validation === undefined) {
      throw new DistilleryError('E_CONFIG', 'earlyStopping: needs a validation dataset (data.validation)');
    }
  }
  const usesTransfer = objective.terms.some((t) => t.data === 'transfer');
  if (usesTransfer && data.transfer === undefined) {
    throw new DistilleryError('E_CONFIG', 'objective has a term on transfer data but no transfer set (with teacher logits or a teacher) was given');
  }
  if (options.augmentation !== undefined) checkAugmentation(options.augmentation, data.labelled.inputShape);
  if (options.augmentation?.applyToBatch !== undefined) checkTargetsAccepted(objective, options.augmentation.name);
  if (data.transfer !== undefined) {
    checkCompatible(model, data.transfer.dataset);
    if ('teacher' in data.transfer) checkOnlineTeacher(model, data.transfer.teacher, data.transfer.dataset);
    else checkTeacherLogits(model, data.transfer.teacherLogits, data.transfer.dataset);
  }
}

/**
 * Runs an augmentation once on a batch of zeros shaped like the data's examples, so that one that
 * cannot take them (an image transform on a table's feature vectors) or changes their shape fails
 * before anything trains — `distill` calls it before the teacher trains — not at the first batch.
 */
export function checkAugmentation(augmentation: Augmentation, inputShape: readonly number[]): void {
  tf.tidy(() => {
    const x = tf.zeros([2, ...inputShape]);
    const y = augmentation.apply(x, { seed: 1, epoch: 0, batch: 0 });
    if (y.shape.length !== x.shape.length || y.shape.some((d, i) => d !== x.shape[i])) {
      throw new DistilleryError('E_SHAPE', `augmentation ${augmentation.name} must keep its input's shape: examples shaped [${inputShape.join(', ')}] came out [${y.shape.slice(1).join(', ')}]`);
    }
  });
}

/** A label-mixing augmentation is only honest with losses that read the mixed targets. */
function checkTargetsAccepted(objective: Objective, augmentation: string): void {
  for (const [i, term] of objective.terms.entries()) {
    if (term.data === 'labelled' && term.loss.acceptsTargets !== true) {
      throw new DistilleryError(
        'E_CONFIG',
        `objective.terms[${i}]: augmentation ${augmentation} mixes labels, but loss ${term.loss.name} reads only hard labels (it does not accept targets)`,
      );
    }
  }
}

function checkOnlineTeacher(model: Model, teacher: Model, dataset: Dataset): void {
  try {
    checkCompatible(teacher, dataset);
  } catch (error) {
    throw new DistilleryError('E_SHAPE', `online teacher: ${(error as Error).message}`);
  }
  if (teacher.numClasses !== model.numClasses) {
    throw new DistilleryError('E_SHAPE', `online teacher ${teacher.name} predicts ${teacher.numClasses} classes but student ${model.name} predicts ${model.numClasses}`);
  }
}

function checkTeacherLogits(model: Model, teacherLogits: TeacherLogits, dataset: Dataset): void {
  if (teacherLogits.size !== dataset.size || teacherLogits.numClasses !== model.numClasses) {
    throw new DistilleryError(
      'E_SHAPE',
      `teacher logits are [${teacherLogits.size}, ${teacherLogits.numClasses}] but the transfer set ` +
        `${dataset.name} needs [${dataset.size}, ${model.numClasses}]`,
    );
  }
  if (teacherLogits.values.length !== teacherLogits.size * teacherLogits.numClasses) {
    throw new DistilleryError('E_SHAPE', `teacher logits hold ${teacherLogits.values.length} values, expected ${teacherLogits.size * teacherLogits.numClasses}`);
  }
}
