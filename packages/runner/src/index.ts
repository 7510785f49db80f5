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
export type { ProbeResult, ProgressMessage, TeacherPayload, OnnxTeacherPayload } from './protocol.js';
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
export { planSweep, type SweepGrid, type SearchStrategy, type PlannedTrial } from './sweep/sweep-plan.js';
export { sampleSearchSpace, isSearchRange, type SearchRange, type SearchDimension } from './sweep/search-space.js';
export { SweepResultsStore, type TrialRecord } from './sweep/results-store.js';
export { summarizeTrials, formatSweepTable, meanStd, type SweepSummary, type CombinationSummary, type MeanStd } from './sweep/summarize.js';
export { runTrial } from './trial/run-trial.js';
export type { TrialSpec, TrialTask, TrialResult, TrialEpoch } from './trial/trial-spec.js';
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
