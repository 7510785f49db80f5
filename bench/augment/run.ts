/**
 * bench/augment — what each augmentation adds to a training step, as a ratio to the same step
 * without one, measured side by side in one run: rounds cycle through the augmentations, so
 * machine noise hits them alike; each figure is the median over rounds.
 *
 *   pnpm bench:augment            # about a minute on 2 cores; ROUNDS=9 for steadier medians
 */
import { augmentationPlugins, createAugmentation, type BuiltinAugmentationName } from '@distillery/augmentations';
import { DistillationTrainer, createRandom, setupBackend, tf, type Augmentation, type Model } from '@distillery/core';
import { embeddedMnistSplit } from '@distillery/datasets';
import { supervisedObjective } from '@distillery/losses';
import { createCnn, createMlp } from '@distillery/students';
import { availableParallelism } from 'node:os';

const ROUNDS = Number(process.env['ROUNDS'] ?? 5);
const BATCH = 64;

const backend = await setupBackend();
const { train } = embeddedMnistSplit();
const shape = { inputShape: train.inputShape, numClasses: train.numClasses };
// Steps per measurement: more for the cheap MLP step, so each measurement lasts about as long.
const students: { label: string; steps: number; create: () => Model }[] = [
  { label: 'MLP 784-32-10 (the default student)', steps: 60, create: () => createMlp({ ...shape, hidden: [32], seed: 1 }) },
  { label: 'CNN 8-16, dense 32', steps: 15, create: () => createCnn({ ...shape, filters: [8, 16], dense: [32], seed: 1 }) },
];
const names = augmentationPlugins.map((p) => p.name as BuiltinAugmentationName);
const augmentations: { name: string; augmentation?: Augmentation }[] = [
  { name: 'none' },
  ...names.map((name) => ({ name, augmentation: createAugmentation(name) })),
  { name: 'shift (tf ops)', augmentation: shiftWithTfOps(2) },
];

/**
 * For comparison only: the same ±k shift composed of tfjs ops (pad, then one gather of every
 * output pixel by flat index), the vectorised form Distillery's `shift` replaced by row copies.
 */
function shiftWithTfOps(k: number): Augmentation {
  return {
    name: 'shift-tf-ops',
    apply: (x, { seed }) =>
      tf.tidy(() => {
        const [n, height, width, channels] = x.shape as [number, number, number, number];
        const [hp, wp] = [height + 2 * k, width + 2 * k];
        const random = createRandom(seed);
        const offsets = () => tf.tensor3d(Int32Array.from({ length: n }, () => random.int(2 * k + 1)), [n, 1, 1], 'int32');
        const padded = tf.pad(x as tf.Tensor4D, [[0, 0], [k, k], [k, k], [0, 0]]);
        const base = tf.tensor3d(Int32Array.from({ length: n }, (_, i) => i * hp * wp), [n, 1, 1], 'int32');
        const rows = tf.add(tf.reshape(tf.range(0, height, 1, 'int32'), [1, height, 1]), offsets());
        const cols = tf.add(tf.reshape(tf.range(0, width, 1, 'int32'), [1, 1, width]), offsets());
        const flat = tf.add(tf.add(base, tf.mul(rows, tf.scalar(wp, 'int32'))), cols);
        return tf.reshape(tf.gather(tf.reshape(padded, [n * hp * wp, channels]), tf.reshape(flat, [-1])), x.shape);
      }),
  };
}

/** ms per training step of a fresh student (same seed) over `steps` steps of BATCH labelled images. */
async function msPerStep(create: () => Model, augmentation: Augmentation | undefined, steps: number): Promise<number> {
  const model = create();
  const result = await new DistillationTrainer().train({
    model,
    objective: supervisedObjective(),
    data: { labelled: train },
    options: { epochs: 1, stepsPerEpoch: steps, batchSize: BATCH, learningRate: 1e-3, seed: 1, ...(augmentation === undefined ? {} : { augmentation }) },
  });
  model.dispose();
  return result.history[0]!.elapsedMs / steps;
}

/** ms to augment one batch alone, for scale. */
function msPerBatch(augmentation: Augmentation): number {
  const batch = train.batches({ batchSize: BATCH }).next().value!;
  const calls = 20;
  const started = performance.now();
  for (let i = 0; i < calls; i++) {
    const out = tf.tidy(() => augmentation.apply(batch.x, { seed: i + 1, epoch: 0, batch: i }));
    out.dataSync();
    out.dispose();
  }
  tf.dispose([batch.x, batch.y]);
  return (performance.now() - started) / calls;
}

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
console.log(`bench/augment: training step (batch ${BATCH}, ce) with each augmentation vs none, median of ${ROUNDS} rounds, backend ${backend.name}, ${availableParallelism()} cores\n`);
for (const student of students) {
  for (const a of augmentations) await msPerStep(student.create, a.augmentation, 3); // warm up every code path
  const times = new Map<string, number[]>(augmentations.map((a) => [a.name, []]));
  for (let round = 0; round < ROUNDS; round++) {
    for (const a of augmentations) times.get(a.name)!.push(await msPerStep(student.create, a.augmentation, student.steps));
  }
  const base = median(times.get('none')!);
  console.log(`${student.label}, ${student.steps} steps per measurement`);
  console.log(`  ${'augmentation'.padEnd(16)}${'ms/step'.padStart(9)}${'× none'.padStart(9)}${'ms/batch alone'.padStart(17)}`);
  for (const a of augmentations) {
    const ms = median(times.get(a.name)!);
    const alone = a.augmentation === undefined ? '—' : msPerBatch(a.augmentation).toFixed(2);
    console.log(`  ${a.name.padEnd(16)}${ms.toFixed(2).padStart(9)}${(ms / base).toFixed(2).padStart(9)}${alone.padStart(17)}`);
  }
  console.log('');
}
