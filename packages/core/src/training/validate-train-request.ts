import type { TrainRequest } from '../contracts/trainer.js';
import { DistilleryError, configError } from '../errors.js';
import { checkCompatible } from '../evaluation/evaluate-model.js';
import { assertPositiveInteger, assertPositiveNumber, assertSeed } from '../validate.js';

/** Every check that can fail before the first step, so a bad run fails in milliseconds. */
export function validateTrainRequest({ model, objective, data, options }: TrainRequest): void {
  assertPositiveInteger('epochs', options.epochs);
  assertPositiveInteger('batchSize', options.batchSize);
  if (options.transferBatchSize !== undefined) assertPositiveInteger('transferBatchSize', options.transferBatchSize);
  if (options.stepsPerEpoch !== undefined) assertPositiveInteger('stepsPerEpoch', options.stepsPerEpoch);
  if (options.batchEventEvery !== undefined) assertPositiveInteger('batchEventEvery', options.batchEventEvery);
  assertPositiveNumber('learningRate', options.learningRate);
  assertSeed('seed', options.seed);
  if (objective.terms.length === 0) throw configError('objective.terms', 'at least one term', objective.terms);
  const names = new Set<string>();
  for (const [i, term] of objective.terms.entries()) {
    if (names.has(term.name)) throw configError(`objective.terms[${i}].name`, 'a name not used by another term', term.name);
    names.add(term.name);
    if (typeof term.weight === 'number' && (!Number.isFinite(term.weight) || term.weight < 0)) {
      throw configError(`objective.terms[${i}].weight`, 'a finite number ≥ 0', term.weight);
    }
    const needs = term.data === 'transfer' ? 'teacherLogits' : 'labels';
    if (!term.loss.requires.every((r) => r === needs)) {
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
    throw new DistilleryError('E_CONFIG', 'objective has a term on transfer data but no transfer set with teacher logits was given');
  }
  if (data.transfer !== undefined) {
    const { dataset, teacherLogits } = data.transfer;
    checkCompatible(model, dataset);
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
}
