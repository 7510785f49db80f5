import { DistilleryError, definePlugin, tf, type Loss } from '@distillery/core';
import { checkedFeatureLoss, shapeText } from './feature-loss.js';
import { readLossOptions } from './loss-options.js';

// eslint-disable-next-line @typescript-eslint/no-empty-object-type -- hint has no options (yet)
export interface HintOptions {}

export const hintDefaults = {} as const;

export function parseHintOptions(input: unknown): HintOptions {
  readLossOptions('hint', input, hintDefaults);
  return {};
}

/**
 * `hint`, FitNets (Romero et al. 2015): the mean squared error between the student's feature —
 * through its adapter, FitNets' regressor — and the teacher's hint layer, averaged over every
 * element (PyTorch's `F.mse_loss`). The shapes must be equal; an adapter makes them so.
 */
export function hintLoss(options: HintOptions = {}): Loss {
  parseHintOptions(options);
  return checkedFeatureLoss({
    name: 'hint',
    checkShapes(student, teacher) {
      if (student.length !== teacher.length || student.some((d, i) => d !== teacher[i])) {
        throw new DistilleryError(
          'E_SHAPE',
          `hint: the student feature must have the teacher feature's shape, got ${shapeText(student)} and ${shapeText(teacher)} (give the term an adapter: conv1x1 for feature maps, dense otherwise)`,
        );
      }
    },
    compute: (s, t) => tf.mean(tf.squaredDifference(s, t)) as tf.Scalar,
  });
}

export const hintPlugin = definePlugin({
  kind: 'loss',
  name: 'hint',
  description: 'FitNets hint: mean squared error between the (adapted) student feature and the teacher feature',
  parseOptions: parseHintOptions,
  create: (options) => hintLoss(options),
});
