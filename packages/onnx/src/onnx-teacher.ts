import { DistilleryError, checkFeatureNames, fingerprint, readModelJson, tf, type FeatureInfo, type ForwardFeatures, type ForwardOptions, type Model } from '@distillery/core';
import { existsSync, readFileSync, statSync } from 'node:fs';
import { mkdir, writeFile } from 'node:fs/promises';
import { basename, join } from 'node:path';
import { decodeOnnxModel } from './decode-onnx.js';
import { planOnnxInput, type InputLayout, type OnnxDataShape, type OnnxInputPlan } from './onnx-io.js';
import type { OnnxModel } from './onnx-model.js';
import { TfjsOnnxGraph } from './tfjs-onnx-graph.js';

/** The file name an ONNX teacher is saved under in a model folder. */
export const ONNX_MODEL_FILE = 'model.onnx';
/** Beside it: the dataset shape it was checked against, so that the folder loads on its own. */
export const ONNX_TEACHER_JSON = 'onnx-teacher.json';

interface OnnxTeacherRecord {
  readonly format: 'distillery-onnx-teacher';
  readonly name: string;
  readonly inputShape: readonly number[];
  readonly numClasses: number;
  readonly layout: InputLayout;
}

export interface OnnxTeacherOptions {
  /** A .onnx file (PyTorch's torch.onnx.export, Distillery's exportOnnx, any ONNX exporter). */
  readonly file?: string;
  /** Or the file's bytes. */
  readonly bytes?: Uint8Array;
  /** The bytes, decoded already (else they are decoded here). */
  readonly decoded?: OnnxModel;
  /** The dataset's example shape and class count: a model that does not fit is refused at once. */
  readonly inputShape: readonly number[];
  readonly numClasses: number;
  /** How examples reach the model's input; default: inferred from the shapes (see InputLayout). */
  readonly layout?: InputLayout;
  readonly name?: string;
  /** Named in errors (default: the file, or "ONNX model"). */
  readonly dataName?: string;
}

/**
 * A teacher from an ONNX file. Its soft labels are computed on onnxruntime-node in the runner's
 * worker threads (generateSoftLabels); in this thread — evaluation, online-teacher mode, or
 * without onnxruntime-node — `forward` runs the same graph on TensorFlow.js. Inference only: it
 * has no trainable variables.
 */
export class OnnxTeacher implements Model {
  readonly name: string;
  readonly inputShape: readonly number[];
  readonly numClasses: number;
  readonly bytes: Uint8Array;
  readonly model: OnnxModel;
  readonly plan: OnnxInputPlan;
  readonly source: string;
  private readonly graph: TfjsOnnxGraph;
  private readonly hash: string;
  private featureList: readonly FeatureInfo[] | undefined;

  constructor(options: OnnxTeacherOptions) {
    this.source = options.file ?? 'ONNX model';
    this.bytes = options.bytes ?? readModelFile(options.file);
    this.model = options.decoded ?? decodeOnnxModel(this.bytes, this.source);
    const inputs = dataInputs(this.model);
    const data: OnnxDataShape = { inputShape: options.inputShape, numClasses: options.numClasses, ...(options.dataName === undefined ? {} : { name: options.dataName }) };
    this.plan = planOnnxInput(inputs, this.model.graph.outputs, data, `ONNX teacher ${this.source}`, options.layout);
    const last = this.model.graph.nodes.find((n) => n.outputs.includes(this.plan.outputName));
    if (last?.opType === 'Softmax') {
      throw new DistilleryError('E_MODEL_IO', `ONNX teacher ${this.source}: its output comes from a Softmax; distillation needs raw logits — export the model without the final softmax`);
    }
    this.inputShape = [...options.inputShape];
    this.numClasses = options.numClasses;
    this.name = options.name ?? (options.file === undefined ? this.model.graph.name || 'onnx-teacher' : basename(options.file, '.onnx'));
    this.graph = new TfjsOnnxGraph(this.model.graph, `ONNX teacher ${this.source}`);
    this.hash = fingerprint('onnx', this.bytes);
  }

  /** The input layout the teacher was checked with (for a worker to rebuild it). */
  get layout(): InputLayout {
    return this.plan.layout;
  }

  /** The tfjs runtime: the ONNX graph on TensorFlow.js ops. */
  forward(x: tf.Tensor, _options?: ForwardOptions): tf.Tensor2D {
    return tf.tidy(() => this.runGraph(x, []).logits);
  }

  /**
   * The graph's float node outputs (ONNX value names, e.g. `/conv2/Conv_output_0`), shapes found
   * by running one example through the tfjs runtime once. Feature maps are reported and returned
   * channels last ([h, w, c], transposed from ONNX's NCHW), as TensorFlow.js students compute them.
   */
  features(): readonly FeatureInfo[] {
    if (this.featureList === undefined) {
      const kinds = new Map(this.model.graph.nodes.flatMap((n) => n.outputs.map((o) => [o, n.opType] as const)));
      let list: FeatureInfo[] = [];
      tf.tidy(() => {
        const { features } = this.runGraph(tf.zeros([1, ...this.inputShape]), ['*']);
        list = Object.entries(features)
          .filter(([name]) => kinds.get(name) !== 'Constant')
          .map(([name, value]) => ({ name, kind: kinds.get(name) ?? 'value', shape: value.shape.slice(1) }));
      });
      this.featureList = list;
    }
    return this.featureList;
  }

  forwardWithFeatures(x: tf.Tensor, layers: readonly string[], _options?: ForwardOptions): ForwardFeatures {
    checkFeatureNames(this, layers);
    return tf.tidy(() => this.runGraph(x, layers) as unknown as tf.TensorContainerObject) as unknown as ForwardFeatures;
  }

  private runGraph(x: tf.Tensor, wanted: readonly string[]): ForwardFeatures {
    const got = x.shape.slice(1);
    if (got.length !== this.inputShape.length || got.some((d, i) => d !== this.inputShape[i])) {
      throw new DistilleryError('E_SHAPE', `teacher ${this.name}: input examples must have shape [${this.inputShape.join(', ')}], got [${got.join(', ')}]`);
    }
    const n = x.shape[0]!;
    const input = this.plan.layout === 'nchw' ? tf.transpose(x, [0, 3, 1, 2]) : tf.reshape(x, this.plan.feedShape(n));
    const { output, values } = this.graph.runWithValues(input, this.plan.inputName, this.plan.outputName, wanted);
    const features = Object.fromEntries(Object.entries(values).map(([name, v]) => [name, v.rank === 4 ? tf.transpose(v, [0, 2, 3, 1]) : v]));
    return { logits: tf.reshape(output, [n, this.numClasses]) as tf.Tensor2D, features };
  }

  /** Ops the tfjs runtime cannot run (then only onnxruntime-node can run this teacher). */
  get tfjsUnsupportedOps(): readonly string[] {
    return this.graph.unsupported;
  }

  trainableVariables(): tf.Variable[] {
    return [];
  }

  countParams(): number {
    return this.model.graph.initializers.reduce((n, t) => n + (t.type === 'float32' ? t.data.length : 0), 0);
  }

  async fingerprint(): Promise<string> {
    return this.hash;
  }

  /** Its ONNX form, as given: what onnxruntime runs. */
  async toOnnx(): Promise<Uint8Array> {
    return this.bytes;
  }

  /** Writes the ONNX file into the folder, as `model.onnx`, and its data shape beside it (`loadOnnxTeacher` reads both back). */
  async save(directory: string): Promise<void> {
    await mkdir(directory, { recursive: true });
    await writeFile(join(directory, ONNX_MODEL_FILE), this.bytes);
    const record: OnnxTeacherRecord = { format: 'distillery-onnx-teacher', name: this.name, inputShape: this.inputShape, numClasses: this.numClasses, layout: this.layout };
    await writeFile(join(directory, ONNX_TEACHER_JSON), `${JSON.stringify(record, null, 2)}\n`);
  }

  dispose(): void {
    this.graph.dispose();
  }
}

function readModelFile(file: string | undefined): Uint8Array {
  if (typeof file !== 'string' || file === '') throw new DistilleryError('E_CONFIG', `onnx.file: expected the path of a .onnx file, got ${JSON.stringify(file)}`);
  if (!existsSync(file)) throw new DistilleryError('E_MODEL_IO', `onnx.file: ${file} does not exist`);
  return new Uint8Array(readFileSync(file));
}

/**
 * An ONNX teacher from a `.onnx` file or a folder an `OnnxTeacher` was saved in (model.onnx).
 * Its example shape and class count come from `expected` (the dataset it will label), else from
 * the folder's onnx-teacher.json, else from the file's own input and output shapes (channels
 * first read as an image [c, h, w] when c is 1 or 3).
 */
export async function loadOnnxTeacher(path: string, expected?: OnnxDataShape): Promise<OnnxTeacher> {
  const found = statSync(path, { throwIfNoEntry: false });
  if (found === undefined) throw new DistilleryError('E_MODEL_IO', `ONNX file ${path} does not exist`);
  const folder = found.isDirectory();
  const file = folder ? join(path, ONNX_MODEL_FILE) : path;
  const record = folder ? await readRecord(join(path, ONNX_TEACHER_JSON)) : undefined;
  const bytes = readModelFile(file);
  // Read without a dataset or a record, the file itself says its shape: decoded once, for both.
  const decoded = expected === undefined && record === undefined ? decodeOnnxModel(bytes, file) : undefined;
  const declared = expected ?? record ?? declaredDataShape(decoded!, file);
  // The layout goes with the shape it was found for; a dataset's shape finds its own.
  const layout = expected === undefined ? (record ?? (declared as { layout?: InputLayout })).layout : undefined;
  return new OnnxTeacher({
    file,
    bytes,
    ...(decoded === undefined ? {} : { decoded }),
    inputShape: declared.inputShape,
    numClasses: declared.numClasses,
    ...(record === undefined ? {} : { name: record.name }),
    ...(layout === undefined ? {} : { layout }),
  });
}

async function readRecord(path: string): Promise<OnnxTeacherRecord | undefined> {
  const record = (await readModelJson(path)) as Partial<OnnxTeacherRecord> | undefined;
  if (record === undefined) return undefined;
  if (record.format !== 'distillery-onnx-teacher' || !Array.isArray(record.inputShape) || typeof record.numClasses !== 'number') {
    throw new DistilleryError('E_MODEL_IO', `${path} is not a Distillery ONNX teacher record (format "distillery-onnx-teacher" with inputShape and numClasses)`);
  }
  return record as OnnxTeacherRecord;
}

/** The graph's inputs that take data: older exporters list the weights among the inputs too. */
function dataInputs(model: OnnxModel): OnnxModel['graph']['inputs'] {
  const initializers = new Set(model.graph.initializers.map((t) => t.name));
  return model.graph.inputs.filter((i) => !initializers.has(i.name));
}

/** The data shape an ONNX model's one input and output declare, for a file read without its dataset. */
function declaredDataShape(model: OnnxModel, source: string): OnnxDataShape & { readonly layout: InputLayout } {
  const inputs = dataInputs(model);
  const [input] = inputs;
  const [output] = model.graph.outputs;
  const example = input?.shape.slice(1) ?? [];
  const classes = output?.shape[1];
  if (inputs.length !== 1 || model.graph.outputs.length !== 1 || example.length === 0 || example.some((d) => typeof d !== 'number' || d <= 0) || typeof classes !== 'number') {
    const show = (v: { name: string; shape: readonly (number | string)[] } | undefined) => (v === undefined ? 'none' : `'${v.name}' [${v.shape.join(', ')}]`);
    throw new DistilleryError(
      'E_SHAPE',
      `ONNX model ${source}: its input ${show(input)} and output ${show(output)} do not give one example shape and a class count (one input [batch, …] of fixed sizes, one output [batch, classes]); load it as the teacher of a dataset (plugin: onnx), which gives them`,
    );
  }
  const dims = example as number[];
  const channelsFirst = dims.length === 3 && (dims[0] === 1 || dims[0] === 3) && dims[2] !== 1 && dims[2] !== 3;
  return channelsFirst ? { inputShape: [dims[1]!, dims[2]!, dims[0]!], numClasses: classes, layout: 'nchw' } : { inputShape: dims, numClasses: classes, layout: 'as-is' };
}
