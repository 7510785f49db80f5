import * as tf from '@tensorflow/tfjs';
import type { ObjectiveTerm } from '../contracts/loss.js';
import type { Model } from '../contracts/model.js';
import { DistilleryError, isDistilleryError } from '../errors.js';
import { describeFeature, featureOf } from '../model/model-features.js';
import { deriveSeed } from '../random.js';
import { FeatureAdapter } from './feature-adapter.js';

/** What the feature terms of a run need from each step, and the adapters they train. */
export interface FeaturePlan {
  /** Student layers to return beside the logits (empty: a plain forward). */
  readonly studentLayers: readonly string[];
  /** Teacher layers to return beside its logits, from the online teacher. */
  readonly teacherLayers: readonly string[];
  /** By term index: the term's adapter, for terms that have one. */
  readonly adapters: ReadonlyMap<number, FeatureAdapter>;
  /** The adapters' variables, trained with the student's. */
  variables(): tf.Variable[];
  dispose(): void;
}

const NO_FEATURES: FeaturePlan = { studentLayers: [], teacherLayers: [], adapters: new Map(), variables: () => [], dispose: () => {} };

/**
 * Checks every feature term before the first step — the layers exist, an online teacher gives
 * them, the (adapted) shapes suit the loss — and builds the adapters. A shape problem is one
 * error naming the term, both layers and both shapes, with the loss's own reason.
 */
export function planFeatureTerms(terms: readonly ObjectiveTerm[], student: Model, teacher: Model | undefined, seed: number): FeaturePlan {
  const featureTerms = terms.map((term, index) => ({ term, index })).filter(({ term }) => term.loss.requires.includes('features'));
  if (featureTerms.length === 0) return NO_FEATURES;
  const adapters = new Map<number, FeatureAdapter>();
  const plan: FeaturePlan = {
    studentLayers: [...new Set(featureTerms.map(({ term }) => linkOf(term).student))],
    teacherLayers: [...new Set(featureTerms.map(({ term }) => linkOf(term).teacher))],
    adapters,
    variables: () => [...adapters.values()].flatMap((a) => a.variables()),
    dispose: () => adapters.forEach((a) => a.dispose()),
  };
  try {
    for (const { term, index } of featureTerms) {
      const link = linkOf(term);
      if (teacher === undefined) {
        throw new DistilleryError(
          'E_CONFIG',
          `feature term ${term.name}: needs an online teacher (transfer data with a teacher, distill's onlineTeacher): teacher features are computed in each step, not read from the logit cache`,
        );
      }
      const s = featureOf(student, link.student, `feature term ${term.name}: student`);
      const t = featureOf(teacher, link.teacher, `feature term ${term.name}: teacher`);
      const pair = () => `feature term ${term.name}: student layer ${describeFeature(s)} and teacher layer ${describeFeature(t)}`;
      const adapter = link.adapter === undefined ? undefined : new FeatureAdapter(link.adapter, s.shape, t.shape, deriveSeed(seed, 31, index), pair);
      if (adapter !== undefined) adapters.set(index, adapter);
      checkShapesFit(term, adapter?.outputShape ?? s.shape, t.shape, () => `${pair()} do not fit${adapter === undefined ? '' : ` (through the ${adapter.kind} adapter: [${adapter.outputShape.join(', ')}])`}`);
    }
  } catch (error) {
    plan.dispose();
    throw error;
  }
  return plan;
}

function linkOf(term: ObjectiveTerm): NonNullable<ObjectiveTerm['features']> {
  if (term.features === undefined) {
    throw new DistilleryError('E_CONFIG', `term ${term.name}: loss ${term.loss.name} compares features, but the term names no layers (features: { student, teacher })`);
  }
  return term.features;
}

/** Runs the loss once on a random batch of two with these shapes: whatever it refuses, it refuses now. */
function checkShapesFit(term: ObjectiveTerm, student: readonly number[], teacher: readonly number[], what: () => string): void {
  try {
    tf.tidy(() => {
      const logits = tf.zeros([2, 2]) as tf.Tensor2D;
      const studentFeature = tf.randomUniform([2, ...student], 0, 1, 'float32', 1);
      const teacherFeature = tf.randomUniform([2, ...teacher], 0, 1, 'float32', 2);
      term.loss.compute({ studentLogits: logits, teacherLogits: logits, studentFeature, teacherFeature, epoch: 0 });
    });
  } catch (error) {
    if (!isDistilleryError(error) || error.code !== 'E_SHAPE') throw error;
    throw new DistilleryError('E_SHAPE', `${what()}: ${error.message}`, { cause: error });
  }
}

/**
 * The trainer's checks of feature terms, run early — e.g. before a teacher trains for minutes,
 * on a fresh model with the layers it will have — without keeping the adapters.
 */
export function checkFeatureTerms(terms: readonly ObjectiveTerm[], student: Model, teacher: Model): void {
  planFeatureTerms(terms, student, teacher, 1).dispose();
}
