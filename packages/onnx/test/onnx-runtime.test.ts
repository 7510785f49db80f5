import { setupBackend } from '@distillery/core';
import { createMlp } from '@distillery/students';
import { readdirSync } from 'node:fs';
import { availableParallelism } from 'node:os';
import { beforeAll, describe, expect, it } from 'vitest';
import {
  ONNX_FLOAT,
  OnnxTeacher,
  encodeOnnxModel,
  isOnnxRuntimeAvailable,
  loadOnnxRuntime,
  teacherSessionOptions,
  toOnnx,
  type OnnxModel,
} from '../src/index.js';

beforeAll(async () => {
  await setupBackend();
});

/** A one-node model: logits = Gemm(x, W) (+ an optional softmax), with the given input shape. */
function tinyModel(inputShape: (number | string)[], softmax = false): Uint8Array {
  const model: OnnxModel = {
    irVersion: 8,
    opsetVersion: 17,
    producerName: 'test',
    graph: {
      name: 'tiny',
      nodes: [
        { opType: 'Gemm', inputs: ['x', 'w'], outputs: [softmax ? 'z' : 'y'] },
        ...(softmax ? [{ opType: 'Softmax', inputs: ['z'], outputs: ['y'] }] : []),
      ],
      initializers: [{ name: 'w', dims: [4, 3], type: 'float32', data: new Float32Array(12).fill(0.5) }],
      inputs: [{ name: 'x', elemType: ONNX_FLOAT, shape: inputShape }],
      outputs: [{ name: 'y', elemType: ONNX_FLOAT, shape: [inputShape[0]!, 3] }],
    },
  };
  return encodeOnnxModel(model);
}

describe('onnxruntime-node, the optional peer', () => {
  it('is installed in this workspace and loads without its install script', async () => {
    expect(await isOnnxRuntimeAvailable()).toBe(true);
    const ort = await loadOnnxRuntime();
    expect(typeof ort.InferenceSession.create).toBe('function');
  });

  it('when absent, the error says what is missing and how to install it', async () => {
    const missing = () => Promise.reject(Object.assign(new Error("Cannot find package 'onnxruntime-node'"), { code: 'ERR_MODULE_NOT_FOUND' }));
    await expect(loadOnnxRuntime(missing)).rejects.toMatchObject({
      code: 'E_BACKEND',
      message: expect.stringMatching(/onnxruntime-node is not installed.*pnpm add onnxruntime-node.*ONNXRUNTIME_NODE_INSTALL=skip/),
    });
    expect(await isOnnxRuntimeAvailable(missing)).toBe(false);
    const broken = () => Promise.reject(new Error('libonnxruntime.so.1: cannot open shared object file'));
    await expect(loadOnnxRuntime(broken)).rejects.toThrow(/installed but did not load \(libonnxruntime\.so\.1/);
  });

  it('rejects tensors backed by a SharedArrayBuffer: why every batch is copied before session.run', async () => {
    const ort = await loadOnnxRuntime();
    const session = await ort.InferenceSession.create(tinyModel(['batch', 4]), teacherSessionOptions());
    const shared = new Float32Array(new SharedArrayBuffer(8 * 4));
    await expect(session.run({ x: new ort.Tensor('float32', shared, [2, 4]) })).rejects.toThrow();
    const copied = await session.run({ x: new ort.Tensor('float32', shared.slice(), [2, 4]) });
    expect(Array.from(copied['y']!.data as Float32Array)).toEqual([0, 0, 0, 0, 0, 0]);
    await session.release();
  });

  it.runIf(process.platform === 'linux' && availableParallelism() > 1)('starts no thread pool with the teacher options (one intra-op thread per worker), unlike the defaults', async () => {
    const ort = await loadOnnxRuntime();
    const bytes = await toOnnx(createMlp({ inputShape: [4], numClasses: 3, hidden: [8], seed: 1 }));
    const threads = () => readdirSync('/proc/self/task').length;
    const feeds = { input: new ort.Tensor('float32', new Float32Array(8), [2, 4]) };
    // ORT's environment starts once per process; count threads after it.
    await (await ort.InferenceSession.create(bytes, teacherSessionOptions())).release();
    const before = threads();
    const ours = await ort.InferenceSession.create(bytes, teacherSessionOptions());
    await ours.run(feeds);
    const withOurs = threads() - before;
    const defaults = await ort.InferenceSession.create(bytes);
    await defaults.run(feeds);
    const withDefaults = threads() - before - withOurs;
    await Promise.all([ours.release(), defaults.release()]);
    expect(withOurs).toBe(0);
    expect(withDefaults).toBeGreaterThan(0);
    expect(teacherSessionOptions()).toMatchObject({ intraOpNumThreads: 1, extra: { session: { intra_op: { allow_spinning: '0' } } } });
  });
});

describe('ONNX teachers refuse what cannot work, naming it', () => {
  const data = { inputShape: [4], numClasses: 3 };

  it('a fixed batch size (PyTorch exports batch 1 unless told otherwise)', () => {
    expect(() => new OnnxTeacher({ bytes: tinyModel([1, 4]), ...data })).toThrow(
      /input 'x' \[1, 4\] has a fixed batch size of 1; export it with a dynamic batch axis \(PyTorch: dynamic_axes=\{'x': \{0: 'batch'\}\}\)/,
    );
  });

  it('probabilities instead of logits', () => {
    expect(() => new OnnxTeacher({ bytes: tinyModel(['batch', 4], true), ...data })).toThrow(/its output comes from a Softmax; distillation needs raw logits/);
  });

  it('bytes that are not an ONNX model', () => {
    expect(() => new OnnxTeacher({ bytes: new TextEncoder().encode('{"not": "onnx"}'), ...data })).toThrow(/ONNX model/);
  });

  it('a model that fits is accepted, flattened images included', () => {
    const teacher = new OnnxTeacher({ bytes: tinyModel(['batch', 4]), inputShape: [2, 2, 1], numClasses: 3 });
    expect(teacher.layout).toBe('flatten');
  });
});
