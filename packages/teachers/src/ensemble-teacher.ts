import {
  DistilleryError,
  configError,
  fingerprint,
  modelFingerprint,
  oneOf,
  tf,
  type ForwardOptions,
  type Model,
} from '@distillery/core';
import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';

export const ENSEMBLE_COMBINES = ['logits', 'probabilities'] as const;
export type EnsembleCombine = (typeof ENSEMBLE_COMBINES)[number];

/** The file that marks a folder as a saved ensemble (its members sit in `member-<i>/`). */
export const ENSEMBLE_JSON = 'ensemble.json';

export interface EnsembleOptions {
  /** The teachers; the ensemble owns them (its `dispose` disposes them). */
  readonly members: readonly Model[];
  /**
   * `logits`: the weighted mean of the members' logits. `probabilities`: log of the weighted
   * mean of their softmax probabilities — log-probabilities are valid logits (softmax gives the
   * mean back), so distillation at temperature T softens the averaged distribution. Default `logits`.
   */
  readonly combine?: EnsembleCombine;
  /** One weight ≥ 0 per member, not all zero; normalised to sum 1. Default: equal weights. */
  readonly weights?: readonly number[];
  readonly name?: string;
}

/** What `ensemble.json` holds. */
export interface EnsembleManifest {
  readonly format: 'distillery-ensemble';
  readonly name: string;
  readonly combine: EnsembleCombine;
  readonly weights: readonly number[];
  readonly members: readonly string[];
}

/**
 * Several teachers as one Model (Hinton et al. distil an ensemble into one student). It only
 * runs forward, always in inference mode, and has no trainable variables. `save` writes each
 * member in its own folder plus `ensemble.json`; `loadTeacher` reads that back.
 */
export class EnsembleTeacher implements Model {
  readonly name: string;
  readonly inputShape: readonly number[];
  readonly numClasses: number;
  readonly combine: EnsembleCombine;
  /** Normalised to sum 1. */
  readonly weights: readonly number[];
  readonly members: readonly Model[];

  constructor(options: EnsembleOptions) {
    const { members } = options;
    if (members.length === 0) throw configError('ensemble.members', 'at least one teacher', members);
    const first = members[0]!;
    members.forEach((member, i) => {
      const same = member.inputShape.length === first.inputShape.length && member.inputShape.every((d, j) => d === first.inputShape[j]);
      if (!same || member.numClasses !== first.numClasses) {
        throw new DistilleryError(
          'E_SHAPE',
          `ensemble: member ${i} (${member.name}) maps [${member.inputShape.join(', ')}] to ${member.numClasses} classes, ` +
            `but member 0 (${first.name}) maps [${first.inputShape.join(', ')}] to ${first.numClasses}`,
        );
      }
    });
    this.members = [...members];
    this.inputShape = first.inputShape;
    this.numClasses = first.numClasses;
    this.combine = oneOf('ensemble.combine', options.combine ?? 'logits', ENSEMBLE_COMBINES);
    this.weights = normalisedWeights(options.weights, members.length);
    this.name = options.name ?? `ensemble-of-${members.length}`;
  }

  forward(x: tf.Tensor, _options?: ForwardOptions): tf.Tensor2D {
    return tf.tidy(() => {
      const logits = tf.stack(this.members.map((m) => m.forward(x, { training: false }))) as tf.Tensor3D; // [members, batch, classes]
      const weights = tf.tensor3d([...this.weights], [this.members.length, 1, 1]);
      if (this.combine === 'logits') return tf.sum(tf.mul(logits, weights), 0) as tf.Tensor2D;
      // log Σ wᵢ·softmax(zᵢ) = logsumexp over members of (log wᵢ + log-softmax(zᵢ)): stable for huge logits.
      return tf.logSumExp(tf.add(tf.logSoftmax(logits), tf.log(weights)), 0) as tf.Tensor2D;
    });
  }

  trainableVariables(): tf.Variable[] {
    return [];
  }

  countParams(): number {
    return this.members.reduce((n, m) => n + m.countParams(), 0);
  }

  async ready(): Promise<void> {
    await Promise.all(this.members.map((m) => m.ready?.()));
  }

  async fingerprint(): Promise<string> {
    const members = await Promise.all(this.members.map((m) => modelFingerprint(m)));
    return fingerprint('ensemble', this.combine, JSON.stringify(this.weights), ...members);
  }

  async save(directory: string): Promise<void> {
    await mkdir(directory, { recursive: true });
    const folders = this.members.map((_, i) => `member-${i}`);
    for (const [i, member] of this.members.entries()) await member.save(join(directory, folders[i]!));
    const manifest: EnsembleManifest = { format: 'distillery-ensemble', name: this.name, combine: this.combine, weights: this.weights, members: folders };
    await writeFile(join(directory, ENSEMBLE_JSON), JSON.stringify(manifest, null, 2));
  }

  dispose(): void {
    for (const member of this.members) member.dispose();
  }
}

function normalisedWeights(weights: readonly number[] | undefined, count: number): number[] {
  if (weights === undefined) return Array.from({ length: count }, () => 1 / count);
  if (!Array.isArray(weights) || weights.length !== count) {
    throw configError('ensemble.weights', `one weight per member (${count})`, weights);
  }
  weights.forEach((w, i) => {
    if (typeof w !== 'number' || !Number.isFinite(w) || w < 0) throw configError(`ensemble.weights[${i}]`, 'a finite number ≥ 0', w);
  });
  const total = weights.reduce((s, w) => s + w, 0);
  if (total === 0) throw configError('ensemble.weights', 'at least one weight > 0', `[${weights.join(', ')}]`);
  return weights.map((w) => w / total);
}
