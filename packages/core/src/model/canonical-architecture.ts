import type * as tf from '@tensorflow/tfjs';

/**
 * A model's topology and weight specs as a string that depends only on what the model computes:
 * layer and model names become their position (tfjs numbers auto-named layers per process, so
 * two identical teachers built in different orders would otherwise hash apart), and initialisers
 * are dropped (they are spent once weights exist). Keys are sorted, so key order cannot matter.
 */
export function canonicalArchitecture(topology: unknown, weightSpecs: readonly tf.io.WeightsManifestEntry[]): string {
  const names = new Map<string, string>();
  collectNames(topology, names);
  const rename = (name: string) => names.get(name) ?? name;
  const canonical = (value: unknown): unknown => {
    if (Array.isArray(value)) return value.map(canonical);
    if (typeof value === 'string') return rename(value);
    if (value === null || typeof value !== 'object') return value;
    const entries = Object.entries(value)
      .filter(([key]) => !key.endsWith('_initializer'))
      .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
    return Object.fromEntries(entries.map(([key, v]) => [key, canonical(v)]));
  };
  const specs = weightSpecs.map((spec) => {
    const slash = spec.name.indexOf('/');
    const name = slash === -1 ? rename(spec.name) : rename(spec.name.slice(0, slash)) + spec.name.slice(slash);
    return { ...spec, name };
  });
  return JSON.stringify([canonical(topology), canonical(specs)]);
}

/** Names of the model and its layers (objects with a `class_name` and a `config.name`), in order. */
function collectNames(value: unknown, names: Map<string, string>): void {
  if (Array.isArray(value)) {
    for (const item of value) collectNames(item, names);
    return;
  }
  if (value === null || typeof value !== 'object') return;
  const node = value as { class_name?: unknown; config?: { name?: unknown } };
  if (typeof node.class_name === 'string' && typeof node.config?.name === 'string' && !names.has(node.config.name)) {
    names.set(node.config.name, `#${names.size}`);
  }
  for (const child of Object.values(value)) collectNames(child, names);
}
