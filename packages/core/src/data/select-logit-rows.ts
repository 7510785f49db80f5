import type { TeacherLogits } from '../contracts/trainer.js';

/** The logits of the given examples, in order: e.g. the transfer set's rows of a whole-set cache. */
export function selectLogitRows(all: TeacherLogits, rows: ArrayLike<number>): TeacherLogits {
  const c = all.numClasses;
  const values = new Float32Array(rows.length * c);
  for (let i = 0; i < rows.length; i++) {
    const start = rows[i]! * c;
    values.set(all.values.subarray(start, start + c), i * c);
  }
  return { size: rows.length, numClasses: c, values };
}
