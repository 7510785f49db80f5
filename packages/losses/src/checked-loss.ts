import { tf, type Loss, type LossInputs } from '@distillery/core';
import { checkLossInputs, type LossInputRules } from './input-checks.js';

export interface CheckedLossSpec extends LossInputRules {
  readonly name: string;
  /** The loss reads `inputs.targets` (mixed class distributions) in place of `labels` when given. */
  readonly acceptsTargets?: boolean;
  /** The math, run inside `tf.tidy` once the inputs have passed the checks. */
  readonly compute: (inputs: LossInputs) => tf.Scalar;
}

/**
 * Every built-in loss goes through here, so each one rejects bad input the same way: checked
 * before any tfjs op runs, with an error naming the loss, never an opaque failure inside tfjs.
 */
export function checkedLoss(spec: CheckedLossSpec): Loss {
  const rules: LossInputRules = { requires: spec.requires, ...(spec.minClasses === undefined ? {} : { minClasses: spec.minClasses }) };
  return {
    name: spec.name,
    requires: spec.requires,
    ...(spec.acceptsTargets === true ? { acceptsTargets: true } : {}),
    compute(inputs) {
      checkLossInputs(spec.name, rules, inputs);
      return tf.tidy(() => spec.compute(inputs));
    },
  };
}
