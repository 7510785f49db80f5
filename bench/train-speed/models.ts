import { InMemoryDataset, createRandom, type Dataset, type Model, type Objective, type TrainingData } from '@distillery/core';
import { distillationObjective, supervisedObjective } from '@distillery/losses';
import { createCnn, createMlp } from '@distillery/students';

/** One model of the speed table, with the objective and data a step trains on. */
export interface SpeedCase {
  readonly key: 'student' | 'teacher' | 'cnn' | 'cnn-teacher' | 'cnn-student';
  readonly label: string;
  /** Rows through the network per step (labelled + transfer). */
  readonly rowsPerStep: number;
  build(seed: number): { model: Model; objective: Objective; data: TrainingData };
}

export const BATCH = 128;
const EXAMPLES = 2048;

/** Random MNIST-shaped examples: speed does not depend on the values. */
function randomDataset(name: string, inputShape: number[], seed: number): InMemoryDataset {
  const rng = createRandom(seed);
  const width = inputShape.reduce((a, b) => a * b, 1);
  const features = Float32Array.from({ length: EXAMPLES * width }, () => rng.next());
  const labels = Int32Array.from({ length: EXAMPLES }, () => Math.floor(rng.next() * 10));
  return new InMemoryDataset({ name, inputShape, numClasses: 10, features, labels });
}

function randomLogits(dataset: Dataset, seed: number) {
  const rng = createRandom(seed);
  return { size: dataset.size, numClasses: 10, values: Float32Array.from({ length: dataset.size * 10 }, () => 4 * rng.next() - 2) };
}

export const SPEED_CASES: readonly SpeedCase[] = [
  {
    key: 'student',
    label: 'student MLP 784-64-10, ce + kd',
    rowsPerStep: 2 * BATCH,
    build(seed) {
      const labelled = randomDataset('labelled', [784], seed);
      const transfer = randomDataset('transfer', [784], seed + 1);
      const model = createMlp({ inputShape: [784], numClasses: 10, hidden: [64], seed });
      const objective = distillationObjective({ lambda: 1, temperature: 4 });
      return { model, objective, data: { labelled, transfer: { dataset: transfer, teacherLogits: randomLogits(transfer, seed + 2) } } };
    },
  },
  {
    key: 'teacher',
    label: 'teacher MLP 784-1200-1200-10, ce',
    rowsPerStep: BATCH,
    build(seed) {
      const model = createMlp({ inputShape: [784], numClasses: 10, hidden: [1200, 1200], seed });
      return { model, objective: supervisedObjective(), data: { labelled: randomDataset('labelled', [784], seed) } };
    },
  },
  {
    key: 'cnn',
    label: 'CNN conv 16-32 (3×3, pool) + dense 64, ce',
    rowsPerStep: BATCH,
    build(seed) {
      const model = createCnn({ inputShape: [28, 28, 1], numClasses: 10, filters: [16, 32], dense: [64], seed });
      return { model, objective: supervisedObjective(), data: { labelled: randomDataset('labelled', [28, 28, 1], seed) } };
    },
  },
  {
    key: 'cnn-teacher',
    label: 'CNN teacher of bench/quality: conv 32-64 + batch-norm + dense 128, ce',
    rowsPerStep: BATCH,
    build(seed) {
      const model = createCnn({ inputShape: [28, 28, 1], numClasses: 10, filters: [32, 64], dense: [128], dropout: 0.3, batchNorm: true, seed });
      return { model, objective: supervisedObjective(), data: { labelled: randomDataset('labelled', [28, 28, 1], seed) } };
    },
  },
  {
    key: 'cnn-student',
    label: 'CNN student of bench/quality: conv 8-16, ce + kd',
    rowsPerStep: 2 * BATCH,
    build(seed) {
      const labelled = randomDataset('labelled', [28, 28, 1], seed);
      const transfer = randomDataset('transfer', [28, 28, 1], seed + 1);
      const model = createCnn({ inputShape: [28, 28, 1], numClasses: 10, filters: [8, 16], seed });
      const objective = distillationObjective({ lambda: 1, temperature: 4 });
      return { model, objective, data: { labelled, transfer: { dataset: transfer, teacherLogits: randomLogits(transfer, seed + 2) } } };
    },
  },
];
