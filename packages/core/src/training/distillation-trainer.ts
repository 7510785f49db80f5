import * as tf from '@tensorflow/tfjs';
import { EventEmitter } from 'eventemitter3';
import { termWeightAt, type ObjectiveTerm } from '../contracts/loss.js';
import { scheduledLearningRate, type EpochRecord, type Trainer, type TrainerEvents, type TrainRequest, type TrainResult } from '../contracts/trainer.js';
import { BatchStream } from '../data/batch-stream.js';
import { DistilleryError } from '../errors.js';
import { evaluateModel } from '../evaluation/evaluate-model.js';
import { deriveSeed } from '../random.js';
import { attributeNonFiniteStudent, checkTermValues, defaultMaxLoss } from './divergence.js';
import type { FeatureAdapter } from './feature-adapter.js';
import { planFeatureTerms, type FeaturePlan } from './feature-terms.js';
import { describeInput } from '../model/input-description.js';
import { labelledInputs, transferInputs, type LabelledInputs, type TransferInputs } from './step-inputs.js';
import { disposeStepBatches, drawStepBatches, sameExampleShape } from './step-batches.js';
import { WeightSnapshot } from './weight-snapshot.js';
import { createAdam } from './fused-adam.js';
import { validateTrainRequest } from './validate-train-request.js';

/**
 * The training loop: a custom step (variableGrads + Adam), not `model.fit`, which was measured
 * 2× slower on small models and cannot mix a labelled batch and a transfer batch in one step.
 *
 * Each step draws a labelled batch (if a term uses labels) and a transfer batch (if a term uses
 * teacher logits), augments them (see step-inputs.ts), runs the student once on both, and sums
 * the weighted terms. Feature terms (hint, at, rkd) take named layers of that same student pass
 * and of the online teacher's pass, the student's through the term's adapter (see feature-terms.ts).
 */
const DEFAULT_YIELD_EVERY_MS = 50;

/**
 * One turn of the event loop: a setImmediate continuation lets the timers, I/O and signal
 * handlers that are due run first (awaiting a resolved promise would not: microtasks only).
 */
const yieldToEventLoop = () => new Promise<void>((resolve) => setImmediate(resolve));

export class DistillationTrainer implements Trainer {
  readonly events = new EventEmitter<TrainerEvents>();

  async train(request: TrainRequest): Promise<TrainResult> {
    validateTrainRequest(request);
    const { model, objective, data, options } = request;
    await model.ready?.();
    if (data.transfer !== undefined && 'teacher' in data.transfer) await data.transfer.teacher.ready?.();
    // The model now expects this data: its saved metadata says so (shape, range, layout, class names).
    model.inputDescription = describeInput(data.labelled);
    const terms = objective.terms;
    const labelledTerms = terms.filter((t) => t.data === 'labelled');
    const transferTerms = terms.filter((t) => t.data === 'transfer');
    const labelledStream = labelledTerms.length > 0 ? new BatchStream(data.labelled, options.batchSize, deriveSeed(options.seed, 11)) : undefined;
    const transferStream =
      transferTerms.length > 0 && data.transfer !== undefined
        ? new BatchStream(data.transfer.dataset, options.transferBatchSize ?? options.batchSize, deriveSeed(options.seed, 12))
        : undefined;
    const mainSize = transferStream !== undefined ? data.transfer!.dataset.size : data.labelled.size;
    const mainBatch = transferStream?.batchSize ?? labelledStream!.batchSize;
    const stepsPerEpoch = options.stepsPerEpoch ?? Math.ceil(mainSize / mainBatch);
    const eventEvery = options.batchEventEvery ?? 10;
    // Unaugmented inputs with cached teacher logits: both batches drawn as one input tensor.
    const joinable =
      options.augmentation === undefined && data.transfer !== undefined && 'teacherLogits' in data.transfer && sameExampleShape(data.labelled, data.transfer.dataset);
    const features = planFeatureTerms(terms, model, data.transfer !== undefined && 'teacher' in data.transfer ? data.transfer.teacher : undefined, options.seed);
    const optimizer = createAdam(options.learningRate);
    const maxLoss = options.maxLoss ?? defaultMaxLoss(model.numClasses);
    const termNames = terms.map((t) => t.name);
    // Adapters train with the student; only the student's own weights are snapshotted.
    const variables = [...model.trainableVariables(), ...features.variables()];
    // Batch-norm moving statistics belong to the best epoch's weights as much as the weights do.
    const snapshotted = [...model.trainableVariables(), ...(model.stateVariables?.() ?? [])];
    const history: EpochRecord[] = [];
    const best = options.earlyStopping ? new WeightSnapshot() : undefined;
    let bestAccuracy = -Infinity;
    let bestEpoch: number | undefined;
    let stoppedEarly = false;
    let stoppedByHook = false;
    let steps = 0;
    const yieldEveryMs = options.yieldEveryMs ?? DEFAULT_YIELD_EVERY_MS;
    let lastYield = performance.now();

    this.events.emit('run:start', { epochs: options.epochs, stepsPerEpoch, terms: terms.map((t) => t.name) });
    try {
      for (let epoch = 0; epoch < options.epochs; epoch++) {
        const started = performance.now();
        const learningRate = scheduledLearningRate(options.learningRate, options.learningRateSchedule, epoch, options.epochs);
        optimizer.setLearningRate(learningRate);
        // Each step's term values are read anyway (the finiteness check), so they are summed here,
        // rounded to float32 after every addition as a float32 tensor sum would be: the same bits.
        const sums = new Float32Array(terms.length + 1);
        for (let step = 0; step < stepsPerEpoch; step++) {
          throwIfAborted(options.signal);
          const batches = drawStepBatches(labelledStream, transferStream, joinable);
          const { labelled, transfer } = batches;
          const stepSeed = deriveSeed(options.seed, epoch, step);
          const context = (stream: number) => ({ seed: deriveSeed(stepSeed, stream), epoch, batch: step });
          const at = { epoch, step, learningRate };
          let values: Float32Array | undefined;
          try {
            tf.tidy(() => {
              const lab = labelled !== undefined ? labelledInputs(labelled, options.augmentation, context(1), model.numClasses) : undefined;
              const tra = transfer !== undefined ? transferInputs(transfer, data.transfer!, options.augmentation, context(3), features.teacherLayers) : undefined;
              let termValues: tf.Tensor1D | undefined;
              let termFailure: { error: unknown } | undefined;
              const { value, grads } = tf.variableGrads(() => {
                const inputs = [lab?.x, tra?.x].filter((x): x is tf.Tensor => x !== undefined);
                const x = batches.joint ?? (inputs.length === 1 ? inputs[0]! : tf.concat(inputs, 0));
                const { logits, studentFeatures } = studentPass(model, x, features, deriveSeed(stepSeed, 2));
                const nLabelled = labelled?.indices.length ?? 0;
                const sLabelled = lab !== undefined ? tf.slice(logits, [0, 0], [nLabelled, -1]) : undefined;
                const sTransfer = tra !== undefined ? tf.slice(logits, [nLabelled, 0], [-1, -1]) : undefined;
                const transferRows = (f: tf.Tensor) => (nLabelled === 0 ? f : tf.slice(f, nLabelled, -1));
                let raw: tf.Scalar[];
                try {
                  raw = terms.map((term, i) =>
                    term.features === undefined
                      ? computeTerm(term, epoch, sLabelled, lab, sTransfer, tra)
                      : computeFeatureTerm(term, epoch, sTransfer!, tra!, transferRows(studentFeatures[term.features.student]!), features.adapters.get(i)),
                  );
                } catch (error) {
                  // Thrown out of variableGrads, tfjs would leak the tensors its tape saved: finish the
                  // gradient pass on a zero loss (never applied) and throw after it.
                  termFailure = { error };
                  return tf.mul(tf.sum(logits), 0) as tf.Scalar;
                }
                // A weight of 1 multiplies nothing (v·1 is v, its gradient dy·1 is dy): two kernels fewer each.
                const weighted = raw.map((v, i) => {
                  const weight = termWeightAt(terms[i]!.weight, epoch);
                  return weight === 1 ? v : tf.mul(v, weight);
                });
                const total = weighted.length === 1 ? weighted[0]! : tf.addN(weighted);
                termValues = tf.keep(tf.stack([...raw, total]) as tf.Tensor1D);
                return total as tf.Scalar;
              }, variables);
              if (termFailure !== undefined) {
                tf.dispose([value, ...Object.values(grads)]);
                throw termFailure.error;
              }
              // A step whose loss is already non-finite must not update the weights (the read is a few floats).
              values = termValues!.dataSync() as Float32Array;
              termValues!.dispose();
              if (values.every(Number.isFinite)) {
                optimizer.applyGradients(grads);
              }
              tf.dispose([value, ...Object.values(grads)]);
            });
            checkTermValues(termNames, values!, Infinity, at, 'step');
          } catch (error) {
            throw attributeNonFiniteStudent(error, at);
          } finally {
            disposeStepBatches(batches);
          }
          for (let i = 0; i < sums.length; i++) sums[i] = Math.fround(sums[i]! + values![i]!);
          steps += 1;
          if (performance.now() - lastYield >= yieldEveryMs) {
            await yieldToEventLoop();
            lastYield = performance.now();
          }
          if ((step + 1) % eventEvery === 0 && this.events.listenerCount('batch:end') > 0) {
            const means = toRecord(terms, sums, step + 1);
            this.events.emit('batch:end', { epoch, step: step + 1, stepsPerEpoch, losses: means });
          }
        }
        const totals = sums;
        const losses = toRecord(terms, totals, stepsPerEpoch);
        const total = totals[terms.length]! / stepsPerEpoch;
        checkTermValues(termNames, termNames.map((name) => losses[name]!), maxLoss, { epoch, step: stepsPerEpoch - 1, learningRate }, 'epoch mean');
        const validation = data.validation !== undefined ? await evaluateModel(model, data.validation) : undefined;
        const record: EpochRecord = {
          epoch,
          losses,
          total,
          learningRate,
          ...(validation !== undefined ? { validation } : {}),
          elapsedMs: performance.now() - started,
        };
        history.push(record);
        this.events.emit('epoch:end', { ...record, epochs: options.epochs });
        if ((await request.afterEpoch?.(record, model)) === 'stop') {
          stoppedByHook = epoch + 1 < options.epochs;
          break;
        }
        if (best !== undefined && validation !== undefined) {
          if (validation.accuracy > bestAccuracy) {
            bestAccuracy = validation.accuracy;
            bestEpoch = epoch;
            best.capture(snapshotted);
          } else if (epoch - bestEpoch! >= options.earlyStopping!.patience) {
            stoppedEarly = true;
            break;
          }
        }
      }
      if (best !== undefined && options.earlyStopping?.restoreBest !== false) best.restore(snapshotted);
    } finally {
      optimizer.dispose();
      best?.dispose();
      // The adapters were for training only: they leave with the trainer, never with the student.
      features.dispose();
    }
    const result: TrainResult = {
      history,
      steps,
      stoppedEarly,
      ...(stoppedByHook ? { stoppedByHook } : {}),
      ...(bestEpoch !== undefined ? { bestEpoch } : {}),
    };
    this.events.emit('run:end', result);
    return result;
  }
}

function computeTerm(
  term: ObjectiveTerm,
  epoch: number,
  sLabelled: tf.Tensor2D | undefined,
  labelled: LabelledInputs | undefined,
  sTransfer: tf.Tensor2D | undefined,
  transfer: TransferInputs | undefined,
): tf.Scalar {
  if (term.data === 'labelled') {
    const targets = labelled!.targets === undefined ? {} : { targets: labelled!.targets };
    return term.loss.compute({ studentLogits: sLabelled!, labels: labelled!.labels, ...targets, epoch });
  }
  return term.loss.compute({ studentLogits: sTransfer!, teacherLogits: transfer!.teacherLogits, epoch });
}

/** The student's logits on the step's inputs and, when feature terms need them, its named layers from the same pass. */
function studentPass(model: TrainRequest['model'], x: tf.Tensor, features: FeaturePlan, seed: number): { logits: tf.Tensor2D; studentFeatures: Readonly<Record<string, tf.Tensor>> } {
  const options = { training: true, seed };
  if (features.studentLayers.length === 0) return { logits: model.forward(x, options), studentFeatures: {} };
  const { logits, features: studentFeatures } = model.forwardWithFeatures!(x, features.studentLayers, options);
  return { logits, studentFeatures };
}

function computeFeatureTerm(
  term: ObjectiveTerm,
  epoch: number,
  sTransfer: tf.Tensor2D,
  transfer: TransferInputs,
  studentFeature: tf.Tensor,
  adapter: FeatureAdapter | undefined,
): tf.Scalar {
  return term.loss.compute({
    studentLogits: sTransfer,
    teacherLogits: transfer.teacherLogits,
    studentFeature: adapter === undefined ? studentFeature : adapter.apply(studentFeature),
    teacherFeature: transfer.teacherFeatures![term.features!.teacher]!,
    epoch,
  });
}

function toRecord(terms: readonly ObjectiveTerm[], sums: Float32Array, count: number): Record<string, number> {
  return Object.fromEntries(terms.map((t, i) => [t.name, sums[i]! / count]));
}

function throwIfAborted(signal: AbortSignal | undefined): void {
  if (signal?.aborted === true) throw new DistilleryError('E_ABORTED', 'training was aborted', { cause: signal.reason });
}
