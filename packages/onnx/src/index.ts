export { exportOnnx, toOnnx, onnxFormOf } from './export-onnx.js';
export { layersToOnnx, ONNX_INPUT, ONNX_OUTPUT } from './layers-to-onnx.js';
export { encodeOnnxModel } from './encode-onnx.js';
export { decodeOnnxModel } from './decode-onnx.js';
export { foldBatchNorm, type BatchNormWeights } from './fold-batch-norm.js';
export type { OnnxModel, OnnxGraph, OnnxNode, OnnxTensor, OnnxAttribute, OnnxValueInfo } from './onnx-model.js';
export { ONNX_IR_VERSION, ONNX_OPSET, ONNX_FLOAT, ONNX_INT64 } from './onnx-model.js';
export { OnnxTeacher, ONNX_MODEL_FILE, ONNX_TEACHER_JSON, loadOnnxTeacher, type OnnxTeacherOptions } from './onnx-teacher.js';
export { TfjsOnnxGraph, TFJS_ONNX_OPS } from './tfjs-onnx-graph.js';
export { planOnnxInput, layoutBatch, type InputLayout, type OnnxInputPlan, type OnnxDataShape, type OnnxValueShape } from './onnx-io.js';
export {
  loadOnnxRuntime,
  isOnnxRuntimeAvailable,
  teacherSessionOptions,
  ONNX_RUNTIME_INSTALL_HINT,
  type OnnxRuntime,
  type OnnxRuntimeImporter,
} from './onnx-runtime.js';
export { OrtLogitsSession } from './ort-logits-session.js';
export { ProtoWriter } from './protobuf-writer.js';
export { readFields, type ProtoField } from './protobuf-reader.js';
