import { DistilleryError, LayersClassifier, modelFingerprint, pluginOrigin, serializeModel, unwrapModel, type Model } from '@distillery/core';
import { OnnxTeacher, isOnnxRuntimeAvailable, loadOnnxRuntime, onnxFormOf } from '@distillery/onnx';
import type { TeacherPayload } from '../protocol.js';

/**
 * Where a teacher's soft labels are computed:
 * - `auto` (default): on onnxruntime-node when the labels are sharded over workers, the teacher
 *   has an ONNX form (an ONNX teacher, or a Distillery MLP/CNN, exported on the fly) and
 *   onnxruntime-node is installed; else on TensorFlow.js.
 * - `ort`: onnxruntime-node, always in worker threads (a one-worker pool when none is given).
 * - `tfjs`: TensorFlow.js (an ONNX teacher's graph on tfjs ops).
 */
export type TeacherRuntime = 'auto' | 'ort' | 'tfjs';
export const TEACHER_RUNTIMES: readonly TeacherRuntime[] = ['auto', 'ort', 'tfjs'];

export interface PlannedTeacher {
  readonly runtime: 'ort' | 'tfjs';
  /** What crosses to the workers (absent when the teacher runs in this thread). */
  readonly payload?: TeacherPayload;
  /** The teacher's weights hash (the logit cache's key): the same whichever runtime runs it. */
  readonly fingerprint: string;
}

export async function planTeacher(teacher: Model, requested: TeacherRuntime, inWorkers: boolean): Promise<PlannedTeacher> {
  if (!TEACHER_RUNTIMES.includes(requested)) {
    throw new DistilleryError('E_CONFIG', `runtime: expected one of ${TEACHER_RUNTIMES.join(', ')}, got ${JSON.stringify(requested)}`);
  }
  const wantsOrt = requested === 'ort' || (requested === 'auto' && inWorkers && (await isOnnxRuntimeAvailable()));
  if (wantsOrt) {
    const bytes = await onnxFormOf(teacher);
    if (bytes !== undefined) {
      await loadOnnxRuntime(); // for `ort`: its absence is an error that says how to install it
      const fingerprint = await modelFingerprint(teacher);
      return { runtime: 'ort', payload: onnxPayload(teacher, bytes, 'ort', fingerprint), fingerprint };
    }
    if (requested === 'ort') {
      throw new DistilleryError('E_CONFIG', `runtime ort: teacher ${teacher.name} has no ONNX form (ONNX teachers and Distillery MLP/CNN models have one; ensembles do not)`);
    }
  }
  if (!inWorkers) return { runtime: 'tfjs', fingerprint: await modelFingerprint(teacher) };
  // An ONNX teacher, or one loaded from its saved folder (the `saved` plugin wraps it).
  const inner = unwrapModel(teacher);
  if (inner instanceof OnnxTeacher) {
    const fingerprint = await inner.fingerprint();
    return { runtime: 'tfjs', payload: onnxPayload(inner, inner.bytes, 'tfjs', fingerprint), fingerprint };
  }
  if (inner instanceof LayersClassifier) {
    const serialized = await serializeModel(teacher);
    return { runtime: 'tfjs', payload: serialized, fingerprint: serialized.fingerprint };
  }
  const origin = pluginOrigin(teacher);
  if (origin === undefined || origin.kind !== 'teacher') {
    throw new DistilleryError(
      'E_MODEL_IO',
      `teacher ${teacher.name} cannot reach worker threads: it is not a tfjs layers model, has no ONNX form, and was not made by a teacher plugin ` +
        `(a worker makes a teacher again from its plugin and options). Make it through a plugin, or label in this thread (workers: 0)`,
    );
  }
  const fingerprint = await modelFingerprint(teacher);
  return {
    runtime: 'tfjs',
    payload: { format: 'plugin', plugin: origin.name, options: origin.options, ...(origin.seed === undefined ? {} : { seed: origin.seed }), name: teacher.name, fingerprint },
    fingerprint,
  };
}

function onnxPayload(teacher: Model, bytes: Uint8Array, runtime: 'ort' | 'tfjs', fingerprint: string): TeacherPayload {
  const model = new SharedArrayBuffer(bytes.byteLength);
  new Uint8Array(model).set(bytes);
  // A Distillery model's export takes the dataset's own layout.
  const inner = unwrapModel(teacher);
  const layout = inner instanceof OnnxTeacher ? inner.layout : 'as-is';
  return { format: 'onnx', runtime, name: teacher.name, model, layout, fingerprint };
}
