export { generateSoftLabels, type SoftLabelOptions, type SoftLabelResult } from './generate-soft-labels.js';
export {
  distill,
  type DistillOptions,
  type DistillResult,
  type DistillReport,
  type DistillProgress,
  type DistillPhase,
  type TeacherSource,
  type TrainingSettings,
} from './distill.js';
