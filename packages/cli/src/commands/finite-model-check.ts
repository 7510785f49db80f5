import { DistilleryError, type Model } from '@distillery/core';

/**
 * A saved model with NaN or ±∞ in its weights (a diverged run saved anyway, a damaged file) must
 * not be exported or evaluated into a number that looks like a result: `export` would write an
 * ONNX file that outputs NaN and `eval` would print "cross-entropy NaN", both exiting 0.
 */
export function assertFiniteWeights(model: Model, where: string): void {
  for (const variable of [...model.trainableVariables(), ...(model.stateVariables?.() ?? [])]) {
    const values = variable.dataSync() as Float32Array;
    let bad = 0;
    let first = 0;
    for (let i = 0; i < values.length; i++) {
      if (!Number.isFinite(values[i]!)) {
        if (bad === 0) first = values[i]!;
        bad += 1;
      }
    }
    if (bad > 0) {
      throw new DistilleryError(
        'E_MODEL_IO',
        `${where}: weight ${variable.name} holds ${first} (${bad} of ${values.length} values are not finite) — ` +
          'the model was saved from a diverged run or the file is damaged; retrain it (a lower learning rate) instead of using it',
        { details: { variable: variable.name, nonFinite: bad, size: values.length } },
      );
    }
  }
}

/** Refuses metrics that are not numbers (a model whose outputs overflow even with finite weights). */
export function assertFiniteMetrics(metrics: Readonly<Record<string, number>>, where: string): void {
  for (const [name, value] of Object.entries(metrics)) {
    if (typeof value === 'number' && !Number.isFinite(value)) {
      throw new DistilleryError('E_MODEL_IO', `${where}: ${name} is ${value} — the model's outputs are not finite, so there is no result to report`, {
        details: { metric: name },
      });
    }
  }
}
