import 'reflect-metadata';
import {
  DistilleryError,
  isDistilleryError,
  setupBackend,
  warmUpBackend,
  tf,
  createServiceContainer,
  pluginServices,
  type PluginContext,
  type PluginRegistry,
} from '@distillery/core';
import { Piscina } from 'piscina';
import { threadId, workerData } from 'node:worker_threads';
import { createPluginRegistry } from '../builtin-registry.js';
import type { RunnerWorkerData, ProbeResult, ProgressMessage, SoftLabelShard, SoftLabelTask, WorkerOutput, WorkerReply, WorkerTask } from '../protocol.js';
import { runTrial } from '../trial/run-trial.js';
import { createTeacherRunner, type TeacherRunner } from './teacher-runner.js';

/**
 * The piscina worker. Per thread, once: the backend, the plugin registry, and each teacher
 * (cached by fingerprint, so a teacher's weights are read from shared memory once per worker).
 */
const loadedAt = performance.now();
const data = workerData as RunnerWorkerData;
const ready: Promise<{ registry: PluginRegistry; context: PluginContext; backend: string; startupMs: number }> = (async () => {
  const info = await setupBackend({ backend: data.backend });
  await warmUpBackend();
  // This thread's composition root: services by token, then the same plugins as the main thread.
  const services = pluginServices(createServiceContainer({ backend: info }));
  const registry = await createPluginRegistry({ plugins: data.plugins, baseDir: data.baseDir });
  return { registry, context: { services }, backend: info.name, startupMs: performance.now() - loadedAt };
})();
// A failed start-up (say, a plugin module that does not load) is reported by each task.
ready.catch(() => undefined);

const teachers = new Map<string, Promise<TeacherRunner>>();
/** Set by the pool when it shuts down: running shards stop at their next batch. */
const poolStop = new Int32Array(data.stop);

export default async function handle(task: WorkerTask): Promise<WorkerReply> {
  try {
    const { registry, context, backend, startupMs } = await ready;
    let value: WorkerOutput;
    if (task.type === 'soft-labels') value = await softLabels(task, registry);
    else if (task.type === 'trial') {
      const stop = task.stop === undefined ? undefined : new Int32Array(task.stop);
      let epochsDone = 0;
      value = await runTrial(task.trial, registry, context, {
        onEpoch: (done, total, epoch) => {
          epochsDone = done;
          task.progress?.postMessage({ threadId, done, total, epoch } satisfies ProgressMessage);
        },
        ...(stop === undefined
          ? {}
          : {
              shouldStop: () => {
                if (task.waitForDecision === true) waitForDecision(stop, epochsDone);
                return Atomics.load(stop, 0) !== 0;
              },
            }),
      });
      task.progress?.close();
    } else value = probe(backend, startupMs);
    if (value.type === 'soft-labels') return transferring({ ok: true, value }, [value.logits.buffer as ArrayBuffer]);
    return { ok: true, value };
  } catch (error) {
    const distilleryError = isDistilleryError(error)
      ? error
      : new DistilleryError('E_INTERNAL', error instanceof Error ? error.message : String(error));
    if (!isDistilleryError(error) && error instanceof Error && error.stack !== undefined) distilleryError.stack = error.stack;
    return { ok: false, error: distilleryError.toJSON() };
  }
}

async function softLabels(task: SoftLabelTask, registry: PluginRegistry): Promise<SoftLabelShard> {
  const teacher = await teacherFor(task, registry);
  const { dataset } = task;
  const row = dataset.inputShape.reduce((a, b) => a * b, 1);
  const total = task.end - task.start;
  const logits = new Float32Array(total * dataset.numClasses);
  const callStop = task.stop === undefined ? undefined : new Int32Array(task.stop);
  for (let done = 0; done < total; ) {
    // The only place a shard stops: between batches, never inside the runtime's call.
    const why = Atomics.load(poolStop, 0) !== 0 ? 'the runner pool is shutting down' : callStop !== undefined && Atomics.load(callStop, 0) !== 0 ? 'the call was stopped' : undefined;
    if (why !== undefined) {
      task.progress?.close();
      throw new DistilleryError('E_ABORTED', `${why}: soft labels stopped after ${done} of ${total} examples of shard [${task.start}, ${task.end})`);
    }
    const n = Math.min(task.batchSize, total - done);
    const first = task.start + done;
    const values = await teacher.run(dataset.features.subarray(first * row, (first + n) * row), n);
    logits.set(values, done * dataset.numClasses);
    done += n;
    task.progress?.postMessage({ threadId, done, total } satisfies ProgressMessage);
  }
  task.progress?.close();
  return { type: 'soft-labels', start: task.start, end: task.end, numClasses: dataset.numClasses, logits, threadId, runtime: teacher.runtime };
}

/**
 * Blocks this worker until the main thread has decided on epoch `done` (index 1 of the flag
 * reaches it) or asked it to stop; 5 s at most, so a busy main thread never hangs a trial.
 */
function waitForDecision(flag: Int32Array, done: number): void {
  const deadline = Date.now() + 5000;
  for (;;) {
    const decided = Atomics.load(flag, 1);
    const left = deadline - Date.now();
    if (decided >= done || Atomics.load(flag, 0) !== 0 || left <= 0) return;
    Atomics.wait(flag, 1, decided, Math.min(left, 200));
  }
}

function teacherFor(task: SoftLabelTask, registry: PluginRegistry): Promise<TeacherRunner> {
  const { teacher: payload, dataset } = task;
  const runtime = payload.format === 'onnx' ? payload.runtime : 'tfjs';
  const key = `${payload.format}:${runtime}:${payload.fingerprint}:${dataset.inputShape.join('x')}:${dataset.numClasses}`;
  let teacher = teachers.get(key);
  if (teacher === undefined) {
    // Keep one teacher per worker: a sweep labels with one teacher, and weights can be large.
    for (const old of teachers.values()) void old.then((t) => t.dispose(), () => undefined);
    teachers.clear();
    teacher = createTeacherRunner(payload, dataset, registry);
    teachers.set(key, teacher);
    // A teacher that failed to load is not kept: the next task tries again and reports its own error.
    teacher.catch(() => teachers.delete(key));
  }
  return teacher;
}

/** Hands the logits' buffer to the main thread instead of copying it (piscina's transferable protocol). */
function transferring(reply: WorkerReply, buffers: ArrayBuffer[]): WorkerReply {
  const transferable = {
    get [Piscina.transferableSymbol]() {
      return buffers;
    },
    get [Piscina.valueSymbol]() {
      return reply;
    },
  };
  return Piscina.move(transferable as unknown as ArrayBuffer) as unknown as WorkerReply;
}

function probe(backend: string, startupMs: number): ProbeResult {
  return { type: 'probe', threadId, backend, startupMs, heapUsedBytes: process.memoryUsage().heapUsed, tensorBytes: tf.memory().numBytes };
}
