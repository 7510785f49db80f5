export {
  generateSoftLabels,
  type SoftLabelOptions,
  type SoftLabelProgress,
  type SoftLabelResult,
} from './soft-labels/generate-soft-labels.js';
export {
  LogitCache,
  formatCacheRejection,
  type CacheRejection,
  type LogitCacheKey,
  type LogitCacheManifest,
  type ShardRecord,
} from './cache/logit-cache.js';
export { FolderLock, LOCK_FILE, withFolderLock, type LockHolder } from './lock/folder-lock.js';
export { RunnerPool, stopRunnerPools, type RunnerPoolOptions } from './pool/runner-pool.js';
export { TEACHER_RUNTIMES, type TeacherRuntime } from './soft-labels/teacher-payload.js';
export type { ProbeResult, ProgressMessage, TeacherPayload, OnnxTeacherPayload, PluginTeacherPayload } from './protocol.js';
export { createBuiltinRegistry } from './builtin-registry.js';
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
export { sweep, type SweepOptions, type SweepProgress, type SweepResult } from './sweep/sweep.js';
export { checkSweepPlan, checkSweepFeatures } from './sweep/check-sweep-plan.js';
export { planSweep, type SweepGrid, type SearchStrategy, type PlannedTrial } from './sweep/sweep-plan.js';
export { sampleSearchSpace, isSearchRange, type SearchRange, type SearchDimension } from './sweep/search-space.js';
export { SweepResultsStore, SETTLED_STATUSES, type TrialRecord, type TrialStatus } from './sweep/results-store.js';
export { readBestStudent, type BestStudent } from './sweep/save-best-student.js';
export { summarizeTrials, rankCombinations, formatSweepTable, meanStd, type SweepSummary, type CombinationSummary, type MeanStd } from './sweep/summarize.js';
export { runTrial } from './trial/run-trial.js';
export type { TrialTask, TrialResult, TrialEpoch } from './trial/trial-spec.js';
export {
  runSpecSchema,
  runSpecShape,
  trialSpecSchema,
  trainingSchema,
  checkRunSpec,
  parseRunSpec,
  parseWith,
  trainingSettings,
  type RunSpec,
  type RunSpecInput,
  type TrialSpec,
  type TrialSpecInput,
  type TrainingSpec,
  type DataSpec,
  type TeacherSpec,
  type StudentSpec,
  type DistillationSpec,
} from './spec/run-spec.js';
export { formatConfigIssues, formatPath } from './spec/format-issues.js';
export { GRID_ALIASES, canonicalGridPath, checkGridPath, setPath } from './spec/spec-paths.js';
export { splitRun, defaultValidationCount, type RunSplit, type SplitSpec } from './run/split-run.js';
export { createObjective, createDistillationLoss, lossOptionsWithTemperature, type ObjectiveSpec } from './run/objective.js';
export { obtainTeacher, teacherSourceOf, resolvePathOptions, type ObtainTeacherOptions, type ObtainedTeacher } from './run/teacher.js';
export { trainStudent, type StudentTraining, type TeacherSignal } from './run/train-student.js';
export { studentFactory, augmentationOf, attempt, attemptAsync, type DataShape } from './run/run-parts.js';
export { prepareRun, checkSpecPlugins, type PreparedRun, type PrepareRunOptions } from './run/prepare-run.js';
export { checkFolder, writeFolderRecord, diffPaths, FOLDER_RECORD, type FolderRecord } from './run/folder-record.js';
export { RemoteTrainer, type RemoteTrainInput } from './remote/remote-trainer.js';
export type { TrialHooks } from './trial/run-trial.js';
export { createPluginRegistry, type PluginModules } from './builtin-registry.js';
export type { RunnerWorkerData } from './protocol.js';
export type {
  Executor,
  ExecutorJob,
  ExecutorOutcome,
  ExecutorProgress,
  ExecutionHandle,
  ShardSubmission,
  SubmitOptions,
  TrialSubmission,
} from './executor/executor.js';
export { QueueExecutor, type QueueExecutorOptions } from './queue/queue-executor.js';
export { startQueueWorker, type QueueWorker, type QueueWorkerEvent, type QueueWorkerOptions } from './queue/queue-worker.js';
export { connectRedis } from './queue/redis-connection.js';
export { isRedisUrl, parseRedisUrl, type RedisTarget } from './queue/redis-url.js';
export { sweepFingerprint, trialJobId, type DatasetSpec, type TrialJobData } from './queue/trial-job.js';
export { createPruner, replayIntoPruner, type Pruner, type PrunerConfig } from './pruning/pruner.js';
export { MedianPruner, type MedianOptions } from './pruning/median-pruner.js';
export { AshaPruner, type AshaOptions } from './pruning/asha-pruner.js';
export { nanPercentile } from './pruning/percentile.js';
export { countStatuses, formatStatusCounts, describeTrialOutcome, trialOutcomeDetail, divergedAtChance, TRIAL_STATUSES } from './sweep/trial-state.js';
export { PoolExecutor, ThreadExecutor, trialTask, type TrialData } from './executor/pool-executor.js';
