import { DistilleryError, MODEL_JSON, listFeatures, modelFingerprint, type tf, type FeatureInfo, type ForwardFeatures, type ForwardOptions, type Model } from '@distillery/core';
import { existsSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { ONNX_MODEL_FILE } from '@distillery/onnx';
import { ENSEMBLE_JSON } from './ensemble-teacher.js';
import { loadTeacher, type TeacherShape } from './load-teacher.js';

export interface SavedTeacherOptions {
  /** A folder written by `model.save` (model.json + weights.bin), an ONNX teacher's `save` (model.onnx) or an ensemble's `save`. */
  readonly directory: string;
  /** The dataset's example shape and class count: a teacher that does not fit is refused. */
  readonly inputShape: readonly number[];
  readonly numClasses: number;
}

/**
 * The `saved` teacher plugin's model. Plugin `create` is synchronous and tfjs loads models
 * asynchronously, so this checks the folder at once (a wrong path fails at create) and loads
 * the weights in `ready()`, which the trainer and `distill` await. In code, prefer
 * `await loadTeacher(directory, dataset)`, which needs no `ready()`.
 */
export class SavedTeacher implements Model {
  readonly inputShape: readonly number[];
  readonly numClasses: number;
  readonly directory: string;
  private loaded: Model | undefined;
  private loading: Promise<void> | undefined;

  constructor(options: SavedTeacherOptions) {
    this.directory = options.directory;
    this.inputShape = [...options.inputShape];
    this.numClasses = options.numClasses;
    checkFolder(options.directory);
  }

  get name(): string {
    return this.loaded?.name ?? `saved:${this.directory}`;
  }

  ready(): Promise<void> {
    const shape: TeacherShape = { inputShape: this.inputShape, numClasses: this.numClasses };
    this.loading ??= loadTeacher(this.directory, shape).then((model) => {
      this.loaded = model;
    });
    return this.loading;
  }

  forward(x: tf.Tensor, options?: ForwardOptions): tf.Tensor2D {
    return this.model().forward(x, options);
  }

  /** The loaded model's layers (feature terms connect them); a model without any is refused as it would be on its own. */
  features(): readonly FeatureInfo[] {
    return listFeatures(this.model());
  }

  forwardWithFeatures(x: tf.Tensor, layers: readonly string[], options?: ForwardOptions): ForwardFeatures {
    const model = this.model();
    if (model.forwardWithFeatures === undefined) listFeatures(model); // throws, naming the model
    return model.forwardWithFeatures!(x, layers, options);
  }

  trainableVariables(): tf.Variable[] {
    return this.model().trainableVariables();
  }

  stateVariables(): tf.Variable[] {
    return this.model().stateVariables?.() ?? [];
  }

  unwrap(): Model {
    return this.model();
  }

  countParams(): number {
    return this.model().countParams();
  }

  async fingerprint(): Promise<string> {
    await this.ready();
    return modelFingerprint(this.model());
  }

  async save(directory: string): Promise<void> {
    await this.ready();
    await this.model().save(directory);
  }

  dispose(): void {
    this.loaded?.dispose();
    this.loaded = undefined;
  }

  private model(): Model {
    if (this.loaded === undefined) {
      throw new DistilleryError('E_MODEL_IO', `teacher saved in ${this.directory} is not loaded yet: await teacher.ready() first`);
    }
    return this.loaded;
  }
}

/** The cheap, synchronous part of the checks; weight files are checked when loading. */
function checkFolder(directory: string): void {
  if (typeof directory !== 'string' || directory === '') {
    throw new DistilleryError('E_CONFIG', `saved.directory: expected a folder path, got ${JSON.stringify(directory)}`);
  }
  if (!existsSync(directory) || !statSync(directory).isDirectory()) {
    throw new DistilleryError('E_MODEL_IO', `saved.directory: teacher folder ${directory} does not exist`);
  }
  if (![MODEL_JSON, ENSEMBLE_JSON, ONNX_MODEL_FILE].some((file) => existsSync(join(directory, file)))) {
    throw new DistilleryError('E_MODEL_IO', `saved.directory: ${directory} holds none of ${MODEL_JSON}, ${ENSEMBLE_JSON}, ${ONNX_MODEL_FILE}; is it a saved model folder?`);
  }
}
