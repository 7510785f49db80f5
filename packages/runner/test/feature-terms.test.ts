import { DistillationTrainer, setupBackend, tf, type Model, type Objective, type TrainOptions } from '@distillery/core';
import { embeddedMnistSplit } from '@distillery/datasets';
import { atLoss, crossEntropyLoss, featureTerm, kdLoss, lossTerm, supervisedObjective } from '@distillery/losses';
import { createCnn } from '@distillery/students';
import { beforeAll, describe, expect, it } from 'vitest';

const { train, test } = embeddedMnistSplit();
const shape = { inputShape: train.inputShape, numClasses: 10 };
const labelled = train.subset(Array.from({ length: 60 }, (_, i) => i), 'labelled');
const transfer = train.subset(Array.from({ length: 320 }, (_, i) => i), 'transfer');
const options: TrainOptions = { epochs: 3, batchSize: 32, learningRate: 3e-3, seed: 5 };
const student = () => createCnn({ ...shape, filters: [4, 8], dense: [16], seed: 2 });
const logitTerms = () => [lossTerm(crossEntropyLoss()), lossTerm(kdLoss({ temperature: 4 }), 1)];
const AT = 'at(conv2d_2→conv2d_2)';

let teacher: Model;
beforeAll(async () => {
  await setupBackend();
  teacher = createCnn({ ...shape, filters: [8, 16], dense: [32], seed: 1, name: 'teacher' });
  await new DistillationTrainer().train({ model: teacher, objective: supervisedObjective(), data: { labelled: train }, options: { epochs: 2, batchSize: 64, learningRate: 3e-3, seed: 1 } });
}, 120_000);

/** The attention-transfer distance between a student's and the teacher's conv2d_2 on 200 test digits. */
function atDistance(model: Model): number {
  return tf.tidy(() => {
    const { x } = test.batchOf(Int32Array.from({ length: 200 }, (_, i) => i));
    const s = model.forwardWithFeatures!(x, ['conv2d_2']).features['conv2d_2']!;
    const t = teacher.forwardWithFeatures!(x, ['conv2d_2']).features['conv2d_2']!;
    return atLoss().compute({ studentLogits: tf.zeros([1, 2]) as tf.Tensor2D, studentFeature: s, teacherFeature: t, epoch: 0 }).dataSync()[0]!;
  });
}

const weights = (model: Model) => model.trainableVariables().map((v) => Array.from(v.dataSync()));

describe('feature terms in the trainer (online CNN teacher → small CNN student)', () => {
  it('kd + at + hint: the student moves toward the teacher’s attention, the teacher and the student’s layers stay as they were', async () => {
    const before = tf.memory().numTensors;
    const teacherWeights = weights(teacher);
    const [kdOnly, withFeatures] = [student(), student()];
    const variables = withFeatures.trainableVariables().length;
    const params = withFeatures.countParams();
    const untrained = atDistance(withFeatures);
    const data = { labelled, transfer: { dataset: transfer, teacher } };
    await new DistillationTrainer().train({ model: kdOnly, objective: { terms: logitTerms() }, data, options });
    const objective: Objective = {
      terms: [
        ...logitTerms(),
        featureTerm({ student: 'conv2d_2', teacher: 'conv2d_2', loss: 'at', weight: 1000 }),
        featureTerm({ student: 'dense_1', teacher: 'dense_1', loss: 'hint', adapter: 'dense', weight: 0.1 }),
      ],
    };
    const { history } = await new DistillationTrainer().train({ model: withFeatures, objective, data, options });
    expect(Object.keys(history[0]!.losses)).toEqual(['ce', 'kd', AT, 'hint(dense_1→dense_1)']);
    expect(history.at(-1)!.losses[AT]!).toBeLessThan(history[0]!.losses[AT]!);
    // The at term trained the student's convolutions (gradients reached them through the feature) …
    const [featured, plain] = [atDistance(withFeatures), atDistance(kdOnly)];
    expect(featured).toBeLessThan(0.5 * plain);
    expect(featured).toBeLessThan(0.5 * untrained);
    // … and left nothing of its own in the student: the adapter was the trainer's, now disposed.
    expect(withFeatures.trainableVariables()).toHaveLength(variables);
    expect(withFeatures.countParams()).toBe(params);
    expect(weights(teacher)).toEqual(teacherWeights);
    kdOnly.dispose();
    withFeatures.dispose();
    expect(tf.memory().numTensors).toBe(before);
  }, 180_000);

  it('refuses what cannot work before the first step, in one error naming the term, both layers and both shapes', async () => {
    const model = student();
    const before = tf.memory().numTensors;
    const run = (term: ReturnType<typeof featureTerm>, online = true) =>
      new DistillationTrainer().train({
        model,
        objective: { terms: [term] },
        data: { labelled, transfer: online ? { dataset: transfer, teacher } : { dataset: transfer, teacherLogits: { size: 320, numClasses: 10, values: new Float32Array(3200) } } },
        options,
      });
    await expect(run(featureTerm({ student: 'conv2d_2', teacher: 'conv2d_2', loss: 'hint' }))).rejects.toThrow(
      'feature term hint(conv2d_2→conv2d_2): student layer conv2d_2 [14, 14, 8] and teacher layer conv2d_2 [14, 14, 16] do not fit: hint: the student feature must have the teacher feature\'s shape',
    );
    await expect(run(featureTerm({ student: 'conv2d_1', teacher: 'conv2d_2', loss: 'hint', adapter: 'conv1x1' }))).rejects.toThrow(
      /student layer conv2d_1 \[28, 28, 4\] and teacher layer conv2d_2 \[14, 14, 16\] do not fit \(through the conv1x1 adapter: \[28, 28, 16\]\): hint:/,
    );
    await expect(run(featureTerm({ student: 'dense_1', teacher: 'conv2d_2', loss: 'at', adapter: 'conv1x1' }))).rejects.toThrow(
      'a conv1x1 adapter maps the channels of feature maps [height, width, channels] on both sides',
    );
    await expect(run(featureTerm({ student: 'dense_1', teacher: 'dense_1', loss: 'at' }))).rejects.toThrow(
      /student layer dense_1 \[16\] and teacher layer dense_1 \[32\] do not fit: at: needs feature maps/,
    );
    await expect(run(featureTerm({ student: 'conv2d_7', teacher: 'conv2d_2', loss: 'at' }))).rejects.toThrow(
      /feature term at\(conv2d_7→conv2d_2\): student cnn-4-8 has no layer "conv2d_7"; its layers are: conv2d_1 \[28, 28, 4\], max_pooling2d_1/,
    );
    await expect(run(featureTerm({ student: 'conv2d_2', teacher: 'conv2d_2', loss: 'at' }), false)).rejects.toThrow(
      'feature term at(conv2d_2→conv2d_2): needs an online teacher',
    );
    expect(tf.memory().numTensors).toBe(before);
    model.dispose();
    expect(() => featureTerm({ student: 'conv2d_2', teacher: 'conv2d_2', loss: 'kd' })).toThrow('features.loss: kd is not a feature loss');
  });
});
