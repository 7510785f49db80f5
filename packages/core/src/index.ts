// First, before TensorFlow.js is imported: a second copy of this package refuses to load (see single-copy.ts).
import './single-copy.js';
export * from './errors.js';
export * from './validate.js';
export * from './random.js';
export { setupBackend, resolveBackendName, BACKEND_NAMES, BACKEND_ENV_VARIABLE } from './backend/setup-backend.js';
export type { BackendName, BackendOptions, BackendInfo } from './backend/setup-backend.js';
export {
  installWasmKernels,
  uninstallWasmKernels,
  wasmKernelsInstalled,
  DISTILLERY_WASM_KERNELS,
} from './backend/wasm-kernels/install-wasm-kernels.js';
export { setWasmKernelScratchLimit } from './backend/wasm-kernels/wasm-backend-handle.js';
export { warmUpBackend } from './backend/warm-up.js';
export {
  installNativeKernels,
  uninstallNativeKernels,
  nativeKernelsInstalled,
  loadNative,
  DISTILLERY_NATIVE_KERNELS,
  NATIVE_ENV_VARIABLE,
  type NativeStatus,
} from './backend/native-kernels/install-native-kernels.js';
export { fusedCrossEntropy, fusedKd } from './backend/native-kernels/logit-losses.js';

// tfjs itself, so that plugins use the very instance (and engine) Distillery uses.
export * as tf from '@tensorflow/tfjs';

export type { Model, ForwardOptions, FeatureInfo, ForwardFeatures } from './contracts/model.js';
export { listFeatures, featureOf, checkFeatureNames, describeFeature } from './model/model-features.js';
export type { Dataset, Batch, BatchOptions, DatasetSplit, DatasetSource } from './contracts/dataset.js';
export type { Loss, LossInputs, LossRequirement, Objective, ObjectiveTerm, TermWeight, FeatureLink, FeatureAdapterKind } from './contracts/loss.js';
export { termWeightAt } from './contracts/loss.js';
export type { Augmentation, AugmentationContext } from './contracts/augmentation.js';
export { checkAugmentation } from './training/validate-train-request.js';
export type { Evaluator, EvaluationMetrics, ClassificationMetrics, ClassScores, ModelEvaluation } from './contracts/evaluator.js';
export {
  classificationMetrics,
  confusionMatrix,
  classScores,
  expectedCalibrationError,
  argMaxRows,
  ECE_BINS,
  type ClassificationInput,
} from './evaluation/classification-metrics.js';
export { SELECTION_METRICS, selectionScore, metricValue, epochScores, type SelectionMetric, type EpochScores } from './evaluation/selection-metric.js';
export type {
  Trainer,
  TrainerEvents,
  TrainRequest,
  TrainOptions,
  TrainResult,
  TrainingData,
  EpochRecord,
  EarlyStoppingOptions,
  TeacherLogits,
  LearningRateSchedule,
} from './contracts/trainer.js';
export { LEARNING_RATE_SCHEDULES, scheduledLearningRate } from './contracts/trainer.js';

export { InMemoryDataset, type InMemoryDatasetInit } from './data/in-memory-dataset.js';
export { splitDataset, type SplitOptions } from './data/split-dataset.js';
export { BatchStream } from './data/batch-stream.js';
export { fingerprint } from './data/fingerprint.js';
export { encodeNpy, decodeNpy, parseNpy, type NpyArray, type NpyDtype } from './data/npy.js';
export { LayersClassifier } from './model/layers-classifier.js';
export { DISTILLERY_VERSION } from './version.js';
export { describeInput, parseInputDescription, type ModelInputDescription } from './model/input-description.js';
export { loadModel } from './model/load-model.js';
export { withPreprocessing, balancedClassWeights } from './model/with-preprocessing.js';
export { saveLayersModel, loadLayersModel, MODEL_JSON, WEIGHTS_FILE, PREPROCESSING_FILE, type SavedModelMetadata } from './model/model-directory.js';
export { readModelJson } from './model/read-model-json.js';
export {
  fitFeatureScaling,
  scaleDataset,
  scaleTensor,
  parseFeatureScaling,
  SCALING_KINDS,
  type FeatureScaling,
  type ScalingKind,
} from './data/feature-scaling.js';
export {
  evaluateModel,
  predictLogits,
  AccuracyEvaluator,
  checkCompatible,
  shapeMismatch,
  type ExpectedShape,
} from './evaluation/evaluate-model.js';
export { DistillationTrainer } from './training/distillation-trainer.js';
export { checkFeatureTerms } from './training/feature-terms.js';
export { defaultMaxLoss } from './training/divergence.js';
export {
  definePlugin,
  PLUGIN_API_VERSION,
  PLUGIN_KINDS,
  type Plugin,
  type PluginDefinition,
  type PluginContext,
  type PluginInstances,
  type PluginKind,
} from './plugins/define-plugin.js';
export { PluginRegistry, pluginOrigin, closestName, type PluginOrigin } from './plugins/plugin-registry.js';
export { serializeModel, deserializeModel, modelFingerprint, unwrapModel, type SerializedModel } from './model/serialized-model.js';
export { shareDataset, datasetFromShared, type SharedDataset } from './data/shared-dataset.js';
export { splitIndices, type SplitIndices } from './data/split-dataset.js';
export { loadPluginModules, type LoadedPluginModule } from './plugins/load-plugin-modules.js';
export { isPluginPath, resolvePluginModule } from './plugins/resolve-plugin-module.js';
export { parseWithSchema, type StandardSchemaV1, type InferSchemaOutput } from './plugins/standard-schema.js';
export type {
  TeacherPluginOptions,
  StudentPluginOptions,
  LossPluginOptions,
  AugmentationPluginOptions,
  DatasetPluginOptions,
  PluginOptionsByKind,
  PluginOptionsOf,
  KnownPluginName,
} from './plugins/plugin-options.js';
export { createServiceContainer, pluginServices, type ServiceOptions } from './services/composition-root.js';
export { LOGGER, CLOCK, RANDOM_SOURCE, BACKEND_INFO } from './services/tokens.js';
export { silentLogger, type Logger, type Clock, type PluginServices, type ServiceToken } from './services/services.js';
export type { TargetBatch } from './contracts/augmentation.js';
export type { TransferData } from './contracts/trainer.js';
export { selectLogitRows } from './data/select-logit-rows.js';
