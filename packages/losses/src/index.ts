export { crossEntropyLoss, crossEntropyPlugin, crossEntropyDefaults, type CrossEntropyOptions } from './cross-entropy.js';
export { kdLoss, kdPlugin, kdDefaults, type KdOptions } from './hinton-kd.js';
export {
  softCrossEntropyLoss,
  softCrossEntropyPlugin,
  softCrossEntropyDefaults,
  type SoftCrossEntropyOptions,
} from './soft-cross-entropy.js';
export { logitMseLoss, logitMsePlugin, logitMseDefaults, type LogitMseOptions } from './logit-mse.js';
export { dkdLoss, dkdPlugin, dkdDefaults, type DkdOptions } from './decoupled-kd.js';
export { lsKdLoss, lsKdPlugin, lsKdDefaults, standardizeLogits, type LsKdOptions } from './logit-standardized-kd.js';
export { distLoss, distPlugin, distDefaults, type DistOptions } from './dist-relation.js';
export { hintLoss, hintPlugin, hintDefaults, type HintOptions } from './hint-loss.js';
export { atLoss, atPlugin, atDefaults, type AtOptions } from './attention-transfer.js';
export { rkdLoss, rkdPlugin, rkdDefaults, type RkdOptions } from './relational-kd.js';
export { featureTerm, FEATURE_ADAPTERS, type FeatureTermOptions } from './feature-term.js';
export {
  lossPlugins,
  registerLosses,
  createLoss,
  builtinLossDefaults,
  isBuiltinLossName,
  type BuiltinLossName,
  type BuiltinLossOptions,
} from './loss-plugins.js';
export { setLossValueChecks, lossValueChecksEnabled } from './input-checks.js';
export { constantWeight, linearWarmup } from './weight-schedules.js';
export {
  distillationObjective,
  supervisedObjective,
  lossTerm,
  type DistillationObjectiveOptions,
} from './distillation-objective.js';
