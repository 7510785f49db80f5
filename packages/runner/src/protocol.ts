import type { MessagePort } from 'node:worker_threads';
import type { DistilleryErrorJSON, SerializedModel, SharedDataset } from '@distillery/core';
import type { InputLayout } from '@distillery/onnx';
import type { TrialEpoch, TrialResult, TrialTask } from './trial/trial-spec.js';

/**
 * Everything that crosses a thread boundary, as one discriminated union of plain data and
 * typed arrays. Tensors never cross; shared memory (datasets, weights) is shared, not copied.
 */
export type WorkerTask = SoftLabelTask | TrialTaskMessage | ProbeTask;

/**
 * A teacher as it crosses to a worker — the one teacher path: a tfjs layers model's weights, an
 * ONNX model and the runtime to run it on, or the plugin and options it was made from (a worker
 * makes it again through its own registry: ensembles, third-party teachers).
 */
export type TeacherPayload = SerializedModel | OnnxTeacherPayload | PluginTeacherPayload;

export interface PluginTeacherPayload {
  readonly format: 'plugin';
  readonly plugin: string;
  /** Plain data (paths absolute), as the registry recorded them at `create`. */
  readonly options: unknown;
  readonly seed?: number;
  readonly name: string;
  readonly fingerprint: string;
}

export interface OnnxTeacherPayload {
  readonly format: 'onnx';
  /** `ort`: onnxruntime-node; `tfjs`: the ONNX graph on TensorFlow.js ops. */
  readonly runtime: 'ort' | 'tfjs';
  readonly name: string;
  /** The ONNX file's bytes, shared by every worker. */
  readonly model: SharedArrayBuffer;
  /** How examples reach the model's input, as checked on the main thread. */
  readonly layout: InputLayout;
  readonly fingerprint: string;
}

export interface SoftLabelTask {
  readonly type: 'soft-labels';
  readonly teacher: TeacherPayload;
  readonly dataset: SharedDataset;
  /** Examples [start, end) of the dataset. */
  readonly start: number;
  readonly end: number;
  readonly batchSize: number;
  /**
   * Int32Array(1) over shared memory, set to 1 to stop this call's tasks: each checks it between
   * batches and ends with E_ABORTED. A thread is never stopped from outside inside `session.run`.
   */
  readonly stop?: SharedArrayBuffer;
  /** Receives `ProgressMessage`s while the shard runs. */
  readonly progress?: MessagePort;
}

export interface TrialTaskMessage {
  readonly type: 'trial';
  readonly trial: TrialTask;
  /** Int32Array(1) over shared memory, set to 1 to end the trial after its current epoch (kept, ok). */
  readonly stop?: SharedArrayBuffer;
  /**
   * With an Int32Array(2) `stop`: after each epoch the trial waits (a few seconds at most) until
   * index 1 holds that epoch's number — the main thread's pruning decision, made in between.
   */
  readonly waitForDecision?: boolean;
  readonly progress?: MessagePort;
}

/** Start-up and memory facts of a worker (bench and diagnostics). */
export interface ProbeTask {
  readonly type: 'probe';
}

export interface ProgressMessage {
  readonly threadId: number;
  /** Units done within this task (examples for soft labels, epochs for trials). */
  readonly done: number;
  readonly total: number;
  /** Trials: the epoch just finished (its losses and accuracies), what a pruner decides on. */
  readonly epoch?: TrialEpoch;
}

export interface SoftLabelShard {
  readonly type: 'soft-labels';
  readonly start: number;
  readonly end: number;
  readonly numClasses: number;
  /** Transferred, not copied. */
  readonly logits: Float32Array;
  readonly threadId: number;
  /** Where the logits were computed. */
  readonly runtime: 'ort' | 'tfjs';
  /** The queue worker (`host/pid`) that computed them, for a shard that ran on a queue. */
  readonly worker?: string;
}

export interface ProbeResult {
  readonly type: 'probe';
  readonly threadId: number;
  readonly backend: string;
  /** Time from the worker's first line to its backend being ready. */
  readonly startupMs: number;
  readonly heapUsedBytes: number;
  readonly tensorBytes: number;
}

export type WorkerOutput = SoftLabelShard | TrialResult | ProbeResult;

/** piscina drops an error's name and code on the way back, so errors travel as data. */
export type WorkerReply = { readonly ok: true; readonly value: WorkerOutput } | { readonly ok: false; readonly error: DistilleryErrorJSON };

/** What every worker of a pool is started with. */
export interface RunnerWorkerData {
  readonly backend: string;
  /** Plugin modules to load beside the built-ins, resolved from `baseDir`. */
  readonly plugins: readonly string[];
  readonly baseDir: string;
  /** The pool's stop flag (Int32Array(1) over shared memory): 1 once the pool is shutting down. */
  readonly stop: SharedArrayBuffer;
}
