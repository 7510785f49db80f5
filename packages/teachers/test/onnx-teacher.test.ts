import { evaluateModel, setupBackend, shareDataset, tf } from '@distillery/core';
import { expectNoTensorLeak } from '@distillery/core/testing';
import { embeddedMnistSplit } from '@distillery/datasets';
import { OrtLogitsSession } from '@distillery/onnx';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { beforeAll, describe, expect, it } from 'vitest';
import { type OnnxTeacher, registerTeachers } from '../src/index.js';
import { PluginRegistry } from '@distillery/core';

/** A small CNN trained and exported by PyTorch 1.13 (fixtures/make_pytorch_teacher.py), with what PyTorch computed. */
const file = fileURLToPath(new URL('./fixtures/pytorch-teacher.onnx', import.meta.url));
const golden = JSON.parse(readFileSync(new URL('./fixtures/pytorch-teacher.json', import.meta.url), 'utf8')) as {
  testAccuracy: number;
  testImages: number;
  firstTestLogits: number[][];
};
const registry = registerTeachers(new PluginRegistry());
const mnist = { inputShape: [28, 28, 1], numClasses: 10 };
const maxAbsDiff = (a: ArrayLike<number>, b: ArrayLike<number>) => Array.from(a).reduce((m, v, i) => Math.max(m, Math.abs(v - b[i]!)), 0);

beforeAll(async () => {
  await setupBackend();
});

describe('the onnx teacher plugin, on a PyTorch-exported CNN', () => {
  it('reads the model, sees it takes channels-first images, and computes what PyTorch computed', async () => {
    const { test } = embeddedMnistSplit();
    expect(test.size).toBe(golden.testImages);
    const tensorsBefore = tf.memory().numTensors;
    const teacher = registry.create('teacher', 'onnx', { file, ...mnist }) as OnnxTeacher;
    expect(teacher.layout).toBe('nchw');
    expect(teacher.plan.inputName).toBe('image');
    expect(teacher.countParams()).toBe(9098);
    // The whole test set through the tfjs runtime: PyTorch's accuracy, to the image.
    const { accuracy } = await evaluateModel(teacher, test);
    expect(Math.abs(accuracy - golden.testAccuracy)).toBeLessThan(0.5 / test.size);
    // Weights became tensors on first use; a forward leaves nothing else behind.
    await expectNoTensorLeak(async () => {
      const first = test.batchOf(Int32Array.from({ length: golden.firstTestLogits.length }, (_, i) => i));
      const logits = teacher.forward(first.x);
      expect(maxAbsDiff(await logits.data(), golden.firstTestLogits.flat())).toBeLessThanOrEqual(1e-4);
      tf.dispose([logits, first.x, first.y]);
    });
    teacher.dispose();
    expect(tf.memory().numTensors).toBe(tensorsBefore);
  });

  it('runs on onnxruntime from shared memory (each batch copied: ORT rejects shared buffers) with PyTorch’s logits', async () => {
    const { test } = embeddedMnistSplit();
    const shared = shareDataset(test);
    expect(shared.features.buffer).toBeInstanceOf(SharedArrayBuffer);
    const session = await OrtLogitsSession.create(new Uint8Array(readFileSync(file)), mnist, 'pytorch-teacher');
    expect(session.plan.layout).toBe('nchw');
    const n = golden.firstTestLogits.length;
    const logits = await session.run(shared.features.subarray(0, n * 784), n);
    expect(maxAbsDiff(logits, golden.firstTestLogits.flat())).toBeLessThanOrEqual(1e-4);
    await session.release();
  });

  it('names the input, the expected and found shapes, and the class counts when the model does not fit', () => {
    expect(() => registry.create('teacher', 'onnx', { file, inputShape: [28, 28, 1], numClasses: 5 })).toThrow(
      /output 'logits' \[batch, 10\] gives 10 classes but the dataset has 5/,
    );
    expect(() => registry.create('teacher', 'onnx', { file, inputShape: [32, 32, 3], numClasses: 10 })).toThrow(
      /input 'image' \[batch, 1, 28, 28\] does not fit the dataset: expected \[batch, 32, 32, 3\] \(or \[batch, 3, 32, 32\] channels first, or \[batch, 3072\] flattened\)/,
    );
    expect(() => registry.create('teacher', 'onnx', { file, ...mnist, layout: 'as-is' })).toThrow(/with layout as-is/);
    expect(() => registry.create('teacher', 'onnx', { file: 'missing.onnx', ...mnist })).toThrow(/onnx.file: missing.onnx does not exist/);
    expect(() => registry.create('teacher', 'onnx', { file, ...mnist, layout: 'nhwc' } as never)).toThrow(/onnx.layout: expected one of "as-is", "nchw", "flatten"/);
    expect(() => registry.create('teacher', 'onnx', { ...mnist } as never)).toThrow(/onnx.file: expected the path of a .onnx file/);
  });
});
