import { DistilleryError } from '@distillery/core';
import type * as Ort from 'onnxruntime-node';

export type OnnxRuntime = typeof Ort;

/** Imports onnxruntime-node; tests substitute one that fails to check the message. */
export type OnnxRuntimeImporter = () => Promise<unknown>;

const defaultImporter: OnnxRuntimeImporter = () => import('onnxruntime-node');

export const ONNX_RUNTIME_INSTALL_HINT =
  'install it beside Distillery with `pnpm add onnxruntime-node` (or npm install onnxruntime-node); ' +
  'its CPU runtime ships inside the npm package, so its install script is not needed ' +
  '(pnpm skips it; with npm, ONNXRUNTIME_NODE_INSTALL=skip avoids its CUDA download)';

let cached: Promise<OnnxRuntime> | undefined;

/**
 * onnxruntime-node, an optional peer dependency: loaded on first use, once per thread. Its
 * absence is an E_BACKEND error that says how to install it.
 */
export function loadOnnxRuntime(importer: OnnxRuntimeImporter = defaultImporter): Promise<OnnxRuntime> {
  if (importer !== defaultImporter) return importRuntime(importer);
  cached ??= importRuntime(importer);
  return cached;
}

/** Whether onnxruntime-node is installed and loads in this thread. */
export async function isOnnxRuntimeAvailable(importer: OnnxRuntimeImporter = defaultImporter): Promise<boolean> {
  return loadOnnxRuntime(importer).then(
    () => true,
    () => false,
  );
}

async function importRuntime(importer: OnnxRuntimeImporter): Promise<OnnxRuntime> {
  let loaded: unknown;
  try {
    loaded = await importer();
  } catch (error) {
    const code = (error as { code?: string }).code;
    const missing = code === 'ERR_MODULE_NOT_FOUND' || code === 'MODULE_NOT_FOUND';
    throw new DistilleryError(
      'E_BACKEND',
      missing
        ? `onnxruntime-node is not installed, and ONNX models run on it: ${ONNX_RUNTIME_INSTALL_HINT}`
        : `onnxruntime-node is installed but did not load (${(error as Error).message}); reinstall it: ${ONNX_RUNTIME_INSTALL_HINT}`,
      { cause: error },
    );
  }
  const runtime = ((loaded as { default?: unknown }).default ?? loaded) as Partial<OnnxRuntime>;
  if (typeof runtime.InferenceSession?.create !== 'function') {
    throw new DistilleryError('E_BACKEND', `onnxruntime-node loaded but has no InferenceSession; ${ONNX_RUNTIME_INSTALL_HINT}`);
  }
  return runtime as OnnxRuntime;
}

/**
 * Session options for a teacher in a worker thread: one intra-op thread per worker (the pool
 * is the parallelism), and no spinning — idle ORT threads that busy-wait steal the cores the
 * student trains on.
 */
export function teacherSessionOptions(): Ort.InferenceSession.SessionOptions {
  return {
    intraOpNumThreads: 1,
    interOpNumThreads: 1,
    executionMode: 'sequential',
    graphOptimizationLevel: 'all',
    executionProviders: ['cpu'],
    extra: { session: { intra_op: { allow_spinning: '0' }, inter_op: { allow_spinning: '0' } } },
  };
}
