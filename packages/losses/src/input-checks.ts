import { DistilleryError, type LossInputs, type LossRequirement, type tf } from '@distillery/core';

/**
 * Shape checks read only tensor metadata, so they are free and always on.
 *
 * Value checks (NaN or ±∞ in either logit set, labels outside [0, classes)) must read each batch
 * back from the backend with `dataSync`, inside the trainer's gradient scope, every step. On
 * Distillery's backends (wasm, cpu, tfjs-node) the tensors already live in host memory, so that is
 * a copy and a scan of batch × classes numbers: 15–30 µs for a 128 × 10 batch on wasm, and with
 * checks on or off the default job's student (784-32-10, batches of 64 + 64) trained at the same
 * 5–6 ms a step, within noise (measured on 2 cores). A bad teacher-logit cache or label file then fails at
 * the first step with a message naming the loss, the input and the position, instead of as a NaN
 * loss an epoch later — what someone debugging a run wants by default. On a GPU backend the same
 * read would stall the pipeline every step; `setLossValueChecks(false)` turns the value checks off
 * (per thread: each worker has its own copy of this module).
 */
let valueChecks = true;

/** Turns the per-step value checks on or off; returns the previous setting. */
export function setLossValueChecks(enabled: boolean): boolean {
  const previous = valueChecks;
  valueChecks = enabled;
  return previous;
}

export function lossValueChecksEnabled(): boolean {
  return valueChecks;
}

export interface LossInputRules {
  readonly requires: readonly LossRequirement[];
  /** dkd, ls-kd and dist are undefined below 2 classes (no non-target class, no spread). */
  readonly minClasses?: number;
}

/** Throws a DistilleryError naming the loss if the inputs cannot give a meaningful value. */
export function checkLossInputs(loss: string, rules: LossInputRules, inputs: LossInputs): void {
  const { studentLogits, teacherLogits, labels } = inputs;
  const shape = (t: tf.Tensor) => `[${t.shape.join(', ')}]`;
  if (studentLogits.rank !== 2) {
    throw new DistilleryError('E_SHAPE', `${loss}: student logits must be [batch, classes], got shape ${shape(studentLogits)}`);
  }
  const [batch, classes] = studentLogits.shape;
  const minClasses = rules.minClasses ?? 1;
  if (classes < minClasses) {
    throw new DistilleryError('E_SHAPE', `${loss}: needs at least ${minClasses} classes, got student logits with ${classes}`);
  }
  if (rules.requires.includes('teacherLogits')) {
    if (teacherLogits === undefined) {
      throw new DistilleryError('E_CONFIG', `${loss}: needs teacher logits (a term on the transfer set), got none`);
    }
    if (teacherLogits.rank !== 2 || teacherLogits.shape[1] !== classes) {
      throw new DistilleryError(
        'E_SHAPE',
        `${loss}: teacher logits must have as many classes as the student's (${classes}), got shape ${shape(teacherLogits)}`,
      );
    }
    if (teacherLogits.shape[0] !== batch) {
      throw new DistilleryError('E_SHAPE', `${loss}: teacher logits have ${teacherLogits.shape[0]} rows but student logits have ${batch}`);
    }
  }
  if (rules.requires.includes('labels')) {
    if (labels === undefined) throw new DistilleryError('E_CONFIG', `${loss}: needs labels (a term on the labelled set), got none`);
    if (labels.rank !== 1 || labels.shape[0] !== batch) {
      throw new DistilleryError('E_SHAPE', `${loss}: labels must have shape [${batch}] (one per row of logits), got ${shape(labels)}`);
    }
    if (labels.dtype !== 'int32') throw new DistilleryError('E_DATASET', `${loss}: labels must be int32 class indices, got ${labels.dtype}`);
    const targets = inputs.targets;
    if (targets !== undefined && (targets.rank !== 2 || targets.shape[0] !== batch || targets.shape[1] !== classes)) {
      throw new DistilleryError('E_SHAPE', `${loss}: targets must have the student logits' shape [${batch}, ${classes}], got ${shape(targets)}`);
    }
  }
  if (!valueChecks) return;
  assertFinite(loss, 'student logits', studentLogits, classes);
  if (rules.requires.includes('teacherLogits')) assertFinite(loss, 'teacher logits', teacherLogits!, classes);
  if (rules.requires.includes('labels')) assertLabelsInRange(loss, labels!, classes);
}

/**
 * Non-finite teacher logits come from the data (a bad cache or logit file): E_DATASET. Non-finite
 * student logits are the student's own output: E_DIVERGED here, which the trainer attributes —
 * to the inputs before the first update, to the training after it (see core's divergence.ts).
 */
function assertFinite(loss: string, what: 'student logits' | 'teacher logits', logits: tf.Tensor, classes: number): void {
  const values = logits.dataSync() as Float32Array;
  for (let i = 0; i < values.length; i++) {
    if (!Number.isFinite(values[i]!)) {
      throw new DistilleryError(
        what === 'student logits' ? 'E_DIVERGED' : 'E_DATASET',
        `${loss}: ${what} hold ${values[i]} at row ${Math.floor(i / classes)}, class ${i % classes}`,
        { details: { loss, input: what, row: Math.floor(i / classes), class: i % classes } },
      );
    }
  }
}

function assertLabelsInRange(loss: string, labels: tf.Tensor, classes: number): void {
  const values = labels.dataSync() as Int32Array;
  for (let i = 0; i < values.length; i++) {
    const label = values[i]!;
    if (label < 0 || label >= classes) {
      throw new DistilleryError('E_DATASET', `${loss}: label ${label} at row ${i} is out of range for ${classes} classes`, {
        details: { row: i, label, classes },
      });
    }
  }
}
