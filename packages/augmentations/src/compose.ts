import { DistilleryError, deriveSeed, tf, type Augmentation, type TargetBatch } from '@distillery/core';

/**
 * Several augmentations applied in order as one (the trainer takes one), e.g. shift then
 * cutout. Each part draws from its own seed derived from the step's, so adding a part does not
 * change the draws of the others. Mixes labels if any part does.
 */
export function composeAugmentations(parts: readonly Augmentation[]): Augmentation {
  if (parts.length === 0) throw new DistilleryError('E_CONFIG', 'composeAugmentations: expected at least one augmentation, got none');
  const name = parts.map((p) => p.name).join('+');
  const partContext = (i: number, context: Parameters<Augmentation['apply']>[1]) => ({ ...context, seed: deriveSeed(context.seed, i) });
  const composed: Augmentation = {
    name,
    apply: (x, context) => tf.tidy(() => parts.reduce((h, part, i) => part.apply(h, partContext(i, context)), x)),
  };
  if (!parts.some((p) => p.applyToBatch !== undefined)) return composed;
  return {
    ...composed,
    applyToBatch: (batch, context) =>
      parts.reduce<TargetBatch>((b, part, i) => {
        const c = partContext(i, context);
        return part.applyToBatch !== undefined ? part.applyToBatch(b, c) : { x: part.apply(b.x, c), targets: b.targets };
      }, batch),
  };
}
