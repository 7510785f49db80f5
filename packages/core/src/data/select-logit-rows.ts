import type { TeacherLogits } from '../contracts/trainer.js';

/** The logits of the given examples, in order: e.g. the transfer set's rows of a whole-set cache. */
export function selectLogitRows(all: TeacherLogits, rows: readonly number[]): TeacherLogits {
  const c = all.numClasses;
  const values = new Float32Array(rows.length * c);
  rows.forEach((row, i) => values.set(all.values.subarray(row * c, (row + 1) * c), i * c));
  return { size: rows.length, numClasses: c, values };
}
