import { listFeatures, setupBackend, tf } from '@distillery/core';
import { expectNoTensorLeak } from '@distillery/core/testing';
import { createCnn } from '@distillery/students';
import { fileURLToPath } from 'node:url';
import { beforeAll, describe, expect, it } from 'vitest';
import { OnnxTeacher, toOnnx } from '../src/index.js';

const PYTORCH_TEACHER = fileURLToPath(new URL('../../teachers/test/fixtures/pytorch-teacher.onnx', import.meta.url));

beforeAll(async () => {
  await setupBackend();
});

const maxDiff = (a: tf.Tensor, b: tf.Tensor) => tf.tidy(() => tf.max(tf.abs(tf.sub(a, b))).dataSync()[0]!);

describe('intermediate tensors of an ONNX teacher (tfjs runtime)', () => {
  it('lists the node outputs of a PyTorch-exported CNN with channels-last shapes', () => {
    const teacher = new OnnxTeacher({ file: PYTORCH_TEACHER, inputShape: [28, 28, 1], numClasses: 10 });
    const features = listFeatures(teacher);
    expect(features.filter((f) => f.kind === 'Relu').map((f) => f.shape)).toEqual([
      [28, 28, 8],
      [14, 14, 16],
    ]);
    expect(features.at(-1)).toEqual({ name: 'logits', kind: 'Gemm', shape: [10] });
    teacher.dispose();
  });

  it('gives the feature maps the tfjs model computed, channels last, beside the same logits', async () => {
    const cnn = createCnn({ inputShape: [8, 8, 1], numClasses: 3, filters: [4, 6], dense: [5], seed: 2 });
    const teacher = new OnnxTeacher({ bytes: await toOnnx(cnn), inputShape: [8, 8, 1], numClasses: 3 });
    const relu = listFeatures(teacher).find((f) => f.name.startsWith('conv2d_2/relu'))!;
    expect(relu.shape).toEqual([4, 4, 6]);
    teacher.features(); // shapes found once, with tensors of its own disposed
    await expectNoTensorLeak(() => {
      const x = tf.randomUniform([3, 8, 8, 1], 0, 1, 'float32', 5);
      const ours = cnn.forwardWithFeatures(x, ['conv2d_2', 'dense_1']);
      const onnx = teacher.forwardWithFeatures(x, [relu.name, 'dense_1/relu/Relu:10']);
      expect(maxDiff(onnx.features[relu.name]!, ours.features['conv2d_2']!)).toBeLessThan(1e-5);
      expect(maxDiff(onnx.features['dense_1/relu/Relu:10']!, ours.features['dense_1']!)).toBeLessThan(1e-5);
      expect(maxDiff(onnx.logits, ours.logits)).toBeLessThan(1e-5);
      expect(() => teacher.forwardWithFeatures(x, ['conv9'])).toThrow(/has no layer "conv9"; its layers are: .*conv2d_1\/Conv:1 \[8, 8, 4\]/);
      tf.dispose([x, ours.logits, onnx.logits, ...Object.values(ours.features), ...Object.values(onnx.features)]);
    });
    teacher.dispose();
    cnn.dispose();
  });
});
