import type { RandomSource } from '@distillery/core';

/** One draw from Beta(α, β) as X / (X + Y) with X ~ Gamma(α), Y ~ Gamma(β). */
export function sampleBeta(random: RandomSource, alpha: number, beta: number): number {
  const x = sampleGamma(random, alpha);
  const y = sampleGamma(random, beta);
  return x / (x + y);
}

/**
 * Gamma(shape, 1) by Marsaglia & Tsang (2000); for shape < 1, Gamma(shape + 1) · U^(1/shape).
 * Mixup's α is usually 0.1–0.4, so the small-shape branch is the common one.
 */
export function sampleGamma(random: RandomSource, shape: number): number {
  if (shape < 1) return sampleGamma(random, shape + 1) * Math.pow(uniformOpen(random), 1 / shape);
  const d = shape - 1 / 3;
  const c = 1 / Math.sqrt(9 * d);
  for (;;) {
    let z: number;
    let v: number;
    do {
      z = standardNormal(random);
      v = 1 + c * z;
    } while (v <= 0);
    v = v * v * v;
    const u = uniformOpen(random);
    if (Math.log(u) < 0.5 * z * z + d - d * v + d * Math.log(v)) return d * v;
  }
}

function standardNormal(random: RandomSource): number {
  // Box–Muller: two uniforms, one normal (the second is dropped to keep the draw order simple).
  return Math.sqrt(-2 * Math.log(uniformOpen(random))) * Math.cos(2 * Math.PI * random.next());
}

/** Uniform in (0, 1): never 0, so logarithms and powers stay finite. */
function uniformOpen(random: RandomSource): number {
  let u = random.next();
  while (u === 0) u = random.next();
  return u;
}
