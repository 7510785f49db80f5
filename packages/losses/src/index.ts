export { crossEntropyLoss, type CrossEntropyOptions } from './cross-entropy.js';
export { kdLoss, type KdOptions } from './hinton-kd.js';
export {
  distillationObjective,
  supervisedObjective,
  type DistillationObjectiveOptions,
} from './distillation-objective.js';
