import { DISTILLERY_VERSION, DistilleryError, tf, type LayersClassifier } from '@distillery/core';
import { foldBatchNorm, type BatchNormWeights, type Folded } from './fold-batch-norm.js';
import { ONNX_FLOAT, ONNX_IR_VERSION, ONNX_OPSET, type OnnxModel, type OnnxNode, type OnnxTensor } from './onnx-model.js';

/** Names of the exported graph's input and output. */
export const ONNX_INPUT = 'input';
export const ONNX_OUTPUT = 'logits';

/**
 * A Distillery model (a tfjs Sequential of dense, conv2d, pooling, batch-norm, activation,
 * flatten and dropout layers) as an ONNX graph with the same input ([batch, ...inputShape],
 * channels last, as in tfjs) and the same logits.
 *
 * ONNX convolutions are NCHW: the input is transposed once before the first conv or pooling,
 * and back to channels-last before a flatten, so the dense kernel after it sees features in
 * tfjs' order. Batch-norm after a conv or dense (with no activation between) is folded into
 * its weights; elsewhere it becomes a per-channel scale and shift. Dropout is the identity in
 * inference and is left out.
 */
export async function layersToOnnx(model: LayersClassifier): Promise<OnnxModel> {
  const layersModel = model.layersModel;
  if (!(layersModel instanceof tf.Sequential)) {
    throw new DistilleryError('E_MODEL_IO', `model ${model.name}: only sequential models can be exported to ONNX`);
  }
  const graph = new GraphBuilder(model.inputShape);
  if (model.preprocessing !== undefined) graph.preprocess(model.preprocessing.offset, model.preprocessing.scale);
  const layers = layersModel.layers.filter((l) => !['InputLayer', 'Dropout'].includes(l.getClassName()));
  for (let i = 0; i < layers.length; i++) {
    const layer = layers[i]!;
    const next = layers[i + 1];
    const type = layer.getClassName();
    const config = layer.getConfig() as Record<string, unknown>;
    const what = `model ${model.name}: layer ${layer.name} (${type})`;
    const weights = await readWeights(layer);
    const foldsNext = (type === 'Dense' || type === 'Conv2D') && next?.getClassName() === 'BatchNormalization' && config['activation'] === 'linear';
    const bn = foldsNext ? await batchNormWeights(next!, what) : undefined;
    if (type === 'Dense') {
      graph.dense(layer.name, weights, bn, what);
      graph.activation(layer.name, String(config['activation']), what);
    } else if (type === 'Conv2D') {
      graph.conv(layer.name, weights, bn, config, what);
      graph.activation(layer.name, String(config['activation']), what);
    } else if (type === 'MaxPooling2D' || type === 'AveragePooling2D') {
      graph.pool(layer.name, type === 'MaxPooling2D' ? 'MaxPool' : 'AveragePool', config, what);
    } else if (type === 'BatchNormalization') {
      graph.scaleShift(layer.name, await batchNormWeights(layer, what), what);
    } else if (type === 'Activation') {
      graph.activation(layer.name, String(config['activation']), what);
    } else if (type === 'Flatten') {
      graph.flatten(layer.name);
    } else {
      throw new DistilleryError('E_MODEL_IO', `${what} cannot be exported to ONNX (supported: Dense, Conv2D, MaxPooling2D, AveragePooling2D, BatchNormalization, Activation, Flatten, Dropout)`);
    }
    if (foldsNext) i += 1;
  }
  if (graph.shape.length !== 1 || graph.shape[0] !== model.numClasses) {
    throw new DistilleryError('E_MODEL_IO', `model ${model.name}: the last layer gives [${graph.shape.join(', ')}], not [${model.numClasses}] logits`);
  }
  return {
    irVersion: ONNX_IR_VERSION,
    opsetVersion: ONNX_OPSET,
    producerName: 'distillery',
    producerVersion: DISTILLERY_VERSION,
    metadata: onnxMetadata(model),
    graph: {
      name: model.name,
      nodes: graph.finish(),
      initializers: graph.initializers,
      inputs: [{ name: ONNX_INPUT, elemType: ONNX_FLOAT, shape: ['batch', ...model.inputShape] }],
      outputs: [{ name: ONNX_OUTPUT, elemType: ONNX_FLOAT, shape: ['batch', model.numClasses] }],
    },
  };
}

/**
 * metadata_props: the model's name and input layout, and — for a model trained here — what it
 * expects of its input, from its training data (shape, value range, layout, class names), so
 * an onnxruntime user needs nothing but the file.
 */
function onnxMetadata(model: LayersClassifier): Record<string, string> {
  const metadata: Record<string, string> = { 'distillery.model': model.name, 'distillery.input_layout': 'channels_last' };
  const input = model.inputDescription;
  if (input === undefined) return metadata;
  metadata['distillery.input_shape'] = JSON.stringify(input.shape);
  metadata['distillery.input_range'] = JSON.stringify(input.range);
  metadata['distillery.input_kind'] = input.layout;
  metadata['distillery.dataset'] = input.dataset;
  if (input.classNames !== undefined) metadata['distillery.class_names'] = JSON.stringify(input.classNames);
  return metadata;
}

type Weights = Record<string, { data: Float32Array; shape: number[] }>;

async function readWeights(layer: tf.layers.Layer): Promise<Weights> {
  const out: Weights = {};
  const values = layer.getWeights();
  for (const [i, variable] of layer.weights.entries()) {
    const value = values[i]!;
    out[variable.originalName.split('/').pop()!] = { data: (await value.data()) as Float32Array, shape: value.shape };
  }
  return out;
}

async function batchNormWeights(layer: tf.layers.Layer, what: string): Promise<BatchNormWeights> {
  const config = layer.getConfig() as { axis: number | number[]; epsilon: number };
  const axis = Array.isArray(config.axis) ? config.axis : [config.axis];
  const rank = layer.inputSpec?.[0]?.ndim ?? (layer.batchInputShape?.length ?? 0);
  if (axis.length !== 1 || (axis[0] !== -1 && rank !== 0 && axis[0] !== rank - 1)) {
    throw new DistilleryError('E_MODEL_IO', `${what}: batch-norm over axis ${JSON.stringify(config.axis)}; only the channel (last) axis can be exported`);
  }
  const w = await readWeights(layer);
  const mean = w['moving_mean']!.data;
  return {
    gamma: w['gamma']?.data ?? new Float32Array(mean.length).fill(1),
    beta: w['beta']?.data ?? new Float32Array(mean.length),
    mean,
    variance: w['moving_variance']!.data,
    epsilon: config.epsilon,
  };
}

/** Emits nodes while tracking the current tensor's name, example shape (tfjs order) and layout. */
class GraphBuilder {
  readonly initializers: OnnxTensor[] = [];
  private readonly nodes: OnnxNode[] = [];
  private current = ONNX_INPUT;
  /** Shape of one example in tfjs order ([h, w, c] or [features]), whatever the layout. */
  shape: number[];
  private layout: 'channels-last' | 'nchw' = 'channels-last';

  constructor(inputShape: readonly number[]) {
    this.shape = [...inputShape];
  }

  dense(name: string, w: Weights, bn: BatchNormWeights | undefined, what: string): void {
    this.toChannelsLast(name);
    if (this.shape.length !== 1) throw new DistilleryError('E_MODEL_IO', `${what}: dense on an input of shape [${this.shape.join(', ')}]; flatten first`);
    const kernel = w['kernel']!;
    const [inputs, units] = kernel.shape as [number, number];
    // tfjs' dense kernel is [in, out]: Gemm with transB = 0. Batch-norm scales the output columns.
    const folded: Folded = foldBatchNorm(kernel.data, w['bias']?.data, units, (i) => i % units, bn);
    const kernelName = this.weight(`${name}/kernel`, [inputs, units], folded.weights);
    const biasName = this.weight(`${name}/bias`, [units], folded.bias);
    this.emit(name, 'Gemm', [this.current, kernelName, biasName]);
    this.shape = [units];
  }

  conv(name: string, w: Weights, bn: BatchNormWeights | undefined, config: Record<string, unknown>, what: string): void {
    if (config['dataFormat'] !== 'channelsLast') throw new DistilleryError('E_MODEL_IO', `${what}: only channels-last convolutions can be exported`);
    this.toNchw(name, what);
    const kernel = w['kernel']!;
    const [kh, kw, cin, cout] = kernel.shape as [number, number, number, number];
    // tfjs [kh, kw, in, out] → ONNX [out, in, kh, kw].
    const transposed = new Float32Array(kernel.data.length);
    for (let y = 0; y < kh; y++)
      for (let x = 0; x < kw; x++)
        for (let i = 0; i < cin; i++)
          for (let o = 0; o < cout; o++) transposed[((o * cin + i) * kh + y) * kw + x] = kernel.data[((y * kw + x) * cin + i) * cout + o]!;
    const perOut = cin * kh * kw;
    const folded = foldBatchNorm(transposed, w['bias']?.data, cout, (i) => Math.floor(i / perOut), bn);
    const strides = config['strides'] as [number, number];
    const dilations = config['dilationRate'] as [number, number];
    const geometry = windowGeometry(this.shape, [kh, kw], strides, dilations, config['padding'] as string, what);
    const inputs = [this.current, this.weight(`${name}/kernel`, [cout, cin, kh, kw], folded.weights), this.weight(`${name}/bias`, [cout], folded.bias)];
    this.emit(name, 'Conv', inputs, {
      kernel_shape: { type: 'ints', value: [kh, kw] },
      strides: { type: 'ints', value: strides },
      dilations: { type: 'ints', value: dilations },
      pads: { type: 'ints', value: geometry.pads },
    });
    this.shape = [...geometry.out, cout];
  }

  pool(name: string, op: 'MaxPool' | 'AveragePool', config: Record<string, unknown>, what: string): void {
    if (config['dataFormat'] !== 'channelsLast') throw new DistilleryError('E_MODEL_IO', `${what}: only channels-last pooling can be exported`);
    this.toNchw(name, what);
    const size = config['poolSize'] as [number, number];
    const strides = config['strides'] as [number, number];
    const geometry = windowGeometry(this.shape, size, strides, [1, 1], config['padding'] as string, what);
    // TF's 'same' average pooling divides by the window's cells inside the image: count_include_pad = 0.
    this.emit(name, op, [this.current], {
      kernel_shape: { type: 'ints', value: size },
      strides: { type: 'ints', value: strides },
      pads: { type: 'ints', value: geometry.pads },
      ...(op === 'AveragePool' ? { count_include_pad: { type: 'int' as const, value: 0 } } : {}),
    });
    this.shape = [...geometry.out, this.shape[2]!];
  }

  /** The model's input scaling, (x − offset) · scale, per feature of an example (broadcast over the batch). */
  preprocess(offset: readonly number[], scale: readonly number[]): void {
    const dims = [...this.shape];
    const centred = this.emit('preprocessing/offset', 'Sub', [this.current, this.weight('preprocessing/offset', dims, Float32Array.from(offset))]);
    this.emit('preprocessing/scale', 'Mul', [centred, this.weight('preprocessing/scale', dims, Float32Array.from(scale))]);
  }

  /** A batch-norm that could not be folded: x·s + t per channel (the channel axis of the layout). */
  scaleShift(name: string, bn: BatchNormWeights, _what: string): void {
    const channels = bn.mean.length;
    const scale = bn.gamma.map((g, c) => g / Math.sqrt(bn.variance[c]! + bn.epsilon));
    const shift = bn.beta.map((b, c) => b - bn.mean[c]! * scale[c]!);
    const dims = this.layout === 'nchw' ? [channels, 1, 1] : [channels];
    const scaled = this.emit(`${name}/scale`, 'Mul', [this.current, this.weight(`${name}/scale`, dims, scale)]);
    this.emit(`${name}/shift`, 'Add', [scaled, this.weight(`${name}/shift`, dims, shift)]);
  }

  activation(name: string, activation: string, what: string): void {
    const op = SIMPLE_ACTIVATIONS[activation];
    if (activation === 'linear') return;
    if (op !== undefined) this.emit(`${name}/${activation}`, op, [this.current]);
    else if (activation === 'swish') {
      // swish(x) = x · sigmoid(x), as tfjs defines it.
      const input = this.current;
      const gate = this.emit(`${name}/swish_gate`, 'Sigmoid', [input]);
      this.emit(`${name}/swish`, 'Mul', [input, gate]);
    } else {
      throw new DistilleryError('E_MODEL_IO', `${what}: activation ${activation} cannot be exported (supported: linear, ${[...Object.keys(SIMPLE_ACTIVATIONS), 'swish'].join(', ')})`);
    }
  }

  flatten(name: string): void {
    this.toChannelsLast(name);
    if (this.shape.length > 1) this.emit(name, 'Flatten', [this.current], { axis: { type: 'int', value: 1 } });
    this.shape = [this.shape.reduce((a, b) => a * b, 1)];
  }

  /** The nodes, the last one writing the graph's output name. */
  finish(): OnnxNode[] {
    const last = this.nodes[this.nodes.length - 1];
    if (last === undefined) throw new DistilleryError('E_MODEL_IO', 'model has no layers to export');
    this.nodes[this.nodes.length - 1] = { ...last, outputs: [ONNX_OUTPUT] };
    return this.nodes;
  }

  private toNchw(name: string, what: string): void {
    if (this.layout === 'nchw') return;
    if (this.shape.length !== 3) throw new DistilleryError('E_MODEL_IO', `${what}: needs [height, width, channels] inputs, got [${this.shape.join(', ')}]`);
    this.emit(`${name}/to_nchw`, 'Transpose', [this.current], { perm: { type: 'ints', value: [0, 3, 1, 2] } });
    this.layout = 'nchw';
  }

  private toChannelsLast(name: string): void {
    if (this.layout === 'channels-last') return;
    this.emit(`${name}/to_nhwc`, 'Transpose', [this.current], { perm: { type: 'ints', value: [0, 2, 3, 1] } });
    this.layout = 'channels-last';
  }

  private weight(name: string, dims: number[], data: Float32Array): string {
    this.initializers.push({ name, dims, type: 'float32', data });
    return name;
  }

  private emit(name: string, opType: string, inputs: string[], attributes?: OnnxNode['attributes']): string {
    const output = `${name}/${opType}:${this.nodes.length}`;
    this.nodes.push({ name: `${name}/${opType}`, opType, inputs, outputs: [output], ...(attributes === undefined ? {} : { attributes }) });
    this.current = output;
    return output;
  }
}

const SIMPLE_ACTIVATIONS: Record<string, string> = { relu: 'Relu', elu: 'Elu', selu: 'Selu', tanh: 'Tanh', sigmoid: 'Sigmoid', softplus: 'Softplus' };

/** TF's 'valid' and 'same' windows as ONNX pads [top, left, bottom, right] (same: the odd cell at the bottom/right). */
function windowGeometry(
  shape: readonly number[],
  kernel: readonly number[],
  strides: readonly number[],
  dilations: readonly number[],
  padding: string,
  what: string,
): { pads: number[]; out: number[] } {
  const before: number[] = [];
  const after: number[] = [];
  const out: number[] = [];
  for (let axis = 0; axis < 2; axis++) {
    const size = shape[axis]!;
    const span = (kernel[axis]! - 1) * dilations[axis]! + 1;
    if (padding === 'valid') {
      out.push(Math.floor((size - span) / strides[axis]!) + 1);
      before.push(0);
      after.push(0);
    } else if (padding === 'same') {
      const o = Math.ceil(size / strides[axis]!);
      const total = Math.max((o - 1) * strides[axis]! + span - size, 0);
      out.push(o);
      before.push(Math.floor(total / 2));
      after.push(total - Math.floor(total / 2));
    } else {
      throw new DistilleryError('E_MODEL_IO', `${what}: padding ${padding} cannot be exported (valid or same)`);
    }
  }
  return { pads: [...before, ...after], out };
}
