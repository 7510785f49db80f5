import 'reflect-metadata';
import {
  DistilleryError,
  datasetFromShared,
  deserializeModel,
  isDistilleryError,
  predictLogits,
  setupBackend,
  warmUpBackend,
  tf,
  createServiceContainer,
  pluginServices,
  type Model,
  type PluginContext,
  type PluginRegistry,
} from '@distillery/core';
import { Piscina } from 'piscina';
import { threadId, workerData } from 'node:worker_threads';
import { createPluginRegistry } from '../builtin-registry.js';
import type { RunnerWorkerData, ProbeResult, ProgressMessage, SoftLabelShard, SoftLabelTask, WorkerOutput, WorkerReply, WorkerTask } from '../protocol.js';
import { runTrial } from '../trial/run-trial.js';

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

const teachers = new Map<string, Promise<Model>>();

export default async function handle(task: WorkerTask): Promise<WorkerReply> {
  try {
    const { registry, context, backend, startupMs } = await ready;
    let value: WorkerOutput;
    if (task.type === 'soft-labels') value = await softLabels(task);
    else if (task.type === 'trial') {
      value = await runTrial(task.trial, registry, context, {
        onEpoch: (done, total) => task.progress?.postMessage({ threadId, done, total } satisfies ProgressMessage),
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

async function softLabels(task: SoftLabelTask): Promise<SoftLabelShard> {
  const teacher = await teacherFor(task);
  const dataset = datasetFromShared(task.dataset);
  const indices = Int32Array.from({ length: task.end - task.start }, (_, i) => task.start + i);
  const shard = dataset.subset(indices, `${dataset.name}[${task.start}:${task.end}]`);
  const total = task.end - task.start;
  let done = 0;
  const logits = await predictLogits(teacher, shard, task.batchSize, (batchSize) => {
    done += batchSize;
    task.progress?.postMessage({ threadId, done, total } satisfies ProgressMessage);
  });
  task.progress?.close();
  return { type: 'soft-labels', start: task.start, end: task.end, numClasses: logits.numClasses, logits: logits.values, threadId };
}

function teacherFor(task: SoftLabelTask): Promise<Model> {
  let teacher = teachers.get(task.teacher.fingerprint);
  if (teacher === undefined) {
    // Keep one teacher per worker: a sweep labels with one teacher, and weights can be large.
    for (const old of teachers.values()) void old.then((m) => m.dispose());
    teachers.clear();
    teacher = deserializeModel(task.teacher);
    teachers.set(task.teacher.fingerprint, teacher);
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
