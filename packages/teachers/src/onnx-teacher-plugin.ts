import { assertPositiveInteger, configError, definePlugin, oneOf, readOptions } from '@distillery/core';
import { OnnxTeacher, type InputLayout } from '@distillery/onnx';

export interface OnnxTeacherPluginOptions {
  /** The .onnx file (PyTorch's torch.onnx.export, Distillery's exportOnnx, …). */
  readonly file: string;
  /** The dataset's example shape and class count (the runner passes the dataset's). */
  readonly inputShape: readonly number[];
  readonly numClasses: number;
  /** How examples reach the model's input; default: inferred from the shapes. */
  readonly layout?: InputLayout;
}

const LAYOUTS: readonly InputLayout[] = ['as-is', 'nchw', 'flatten'];

export function parseOnnxTeacherOptions(input: unknown): OnnxTeacherPluginOptions {
  const options = readOptions('onnx', input, { file: undefined, inputShape: undefined, numClasses: undefined, layout: undefined });
  if (typeof options.file !== 'string' || options.file === '') throw configError('onnx.file', 'the path of a .onnx file', options.file);
  const inputShape = options.inputShape;
  if (!Array.isArray(inputShape) || inputShape.length === 0) throw configError('onnx.inputShape', "the dataset's example shape", inputShape);
  inputShape.forEach((d, i) => assertPositiveInteger(`onnx.inputShape[${i}]`, d));
  assertPositiveInteger('onnx.numClasses', options.numClasses);
  const layout = options.layout === undefined ? undefined : oneOf('onnx.layout', options.layout, LAYOUTS);
  return { file: options.file, inputShape: inputShape as number[], numClasses: options.numClasses, ...(layout === undefined ? {} : { layout }) };
}

/**
 * The `onnx` teacher: a model from an ONNX file — typically a PyTorch teacher exported with
 * torch.onnx.export. Its input and output are checked against the dataset at create. Soft
 * labels run on onnxruntime-node in the runner's workers when it is installed (an optional
 * peer dependency), else on the graph's TensorFlow.js version.
 */
export const onnxTeacherPlugin = definePlugin({
  kind: 'teacher',
  name: 'onnx',
  description: 'a teacher from an .onnx file (e.g. exported from PyTorch); soft labels on onnxruntime-node when installed',
  parseOptions: parseOnnxTeacherOptions,
  create: (options) => new OnnxTeacher(options),
});
