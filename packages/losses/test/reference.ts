/**
 * Independent float64 reference implementations, written from the formulas (no tfjs), used to
 * check the tfjs losses and their gradients.
 */
export type Matrix = number[][];

export function logSoftmax(row: number[], temperature = 1): number[] {
  const z = row.map((v) => v / temperature);
  const max = Math.max(...z);
  const logSum = max + Math.log(z.reduce((s, v) => s + Math.exp(v - max), 0));
  return z.map((v) => v - logSum);
}

export function softmax(row: number[], temperature = 1): number[] {
  return logSoftmax(row, temperature).map(Math.exp);
}

export function crossEntropy(logits: Matrix, labels: number[], smoothing = 0): number {
  const c = logits[0]!.length;
  return (
    logits.reduce((sum, row, b) => {
      const lp = logSoftmax(row);
      return sum - lp.reduce((s, v, k) => s + ((k === labels[b] ? 1 - smoothing : 0) + smoothing / c) * v, 0);
    }, 0) / logits.length
  );
}

/** d CE / d logits = (softmax − target) / B. */
export function crossEntropyGrad(logits: Matrix, labels: number[], smoothing = 0): Matrix {
  const c = logits[0]!.length;
  return logits.map((row, b) =>
    softmax(row).map((p, k) => (p - ((k === labels[b] ? 1 - smoothing : 0) + smoothing / c)) / logits.length),
  );
}

export function hintonKd(student: Matrix, teacher: Matrix, t: number): number {
  return (
    (t * t *
      student.reduce((sum, s, b) => {
        const lpt = logSoftmax(teacher[b]!, t);
        const lps = logSoftmax(s, t);
        return sum + lpt.reduce((acc, v, k) => acc + Math.exp(v) * (v - lps[k]!), 0);
      }, 0)) /
    student.length
  );
}

/** d KD / d s = T · (softmax(s/T) − softmax(t/T)) / B. */
export function hintonKdGrad(student: Matrix, teacher: Matrix, t: number): Matrix {
  return student.map((s, b) => {
    const ps = softmax(s, t);
    const pt = softmax(teacher[b]!, t);
    return ps.map((p, k) => (t * (p - pt[k]!)) / student.length);
  });
}

/** mean over rows of Σ_k (a_k − b_k)². */
export function meanSquaredRowDistance(a: Matrix, b: Matrix): number {
  return a.reduce((sum, row, i) => sum + row.reduce((s, v, k) => s + (v - b[i]![k]!) ** 2, 0), 0) / a.length;
}
