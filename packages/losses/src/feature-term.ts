import { DistilleryError, configError, type FeatureAdapterKind, type Loss, type ObjectiveTerm, type TermWeight } from '@distillery/core';
import { createLoss } from './loss-plugins.js';

export interface FeatureTermOptions {
  /** A student layer name (`distillery inspect <model-dir>`, `listFeatures(model)`). */
  readonly student: string;
  /** A teacher layer name. */
  readonly teacher: string;
  /** A feature loss — `hint`, `at`, `rkd` or a registered one by name — or a Loss that requires `features`. */
  readonly loss: Loss | string;
  /** Options of the loss named by `loss`. */
  readonly lossOptions?: Readonly<Record<string, unknown>>;
  /** Default 1. Attention transfer's paper weight is β/2 = 500 with its mean reduction, 1000 in the usual setting. */
  readonly weight?: TermWeight;
  /** A trainable adapter from the student's feature to the teacher's shape: `conv1x1` for maps, `dense` otherwise. */
  readonly adapter?: FeatureAdapterKind;
}

export const FEATURE_ADAPTERS: readonly FeatureAdapterKind[] = ['dense', 'conv1x1'];

/**
 * One feature term on the transfer set, e.g.
 * `featureTerm({ student: 'conv2d_2', teacher: 'conv2d_4', loss: 'at', weight: 1000 })`;
 * named `at(conv2d_2→conv2d_4)` in losses and reports. The trainer checks the layers and shapes.
 */
export function featureTerm(options: FeatureTermOptions): ObjectiveTerm {
  const { student, teacher, adapter } = options;
  if (typeof student !== 'string' || student === '') throw configError('features.student', 'a student layer name', student);
  if (typeof teacher !== 'string' || teacher === '') throw configError('features.teacher', 'a teacher layer name', teacher);
  if (adapter !== undefined && !FEATURE_ADAPTERS.includes(adapter)) throw configError('features.adapter', '"dense" or "conv1x1"', adapter);
  const loss = typeof options.loss === 'string' ? createLoss(options.loss, options.lossOptions ?? {}) : options.loss;
  if (!loss.requires.includes('features')) {
    throw new DistilleryError('E_CONFIG', `features.loss: ${loss.name} is not a feature loss (it needs ${loss.requires.join(' and ')}); feature losses: hint, at, rkd`);
  }
  const weight = options.weight ?? 1;
  return {
    name: `${loss.name}(${student}→${teacher})`,
    loss,
    weight,
    data: 'transfer',
    features: { student, teacher, ...(adapter === undefined ? {} : { adapter }) },
  };
}
