import { DistilleryError } from '../errors.js';
import type { PluginNameArg, PluginOptionsOf } from './plugin-options.js';
import { parseWithSchema } from './standard-schema.js';
import {
  PLUGIN_API_VERSION,
  type Plugin,
  type PluginContext,
  type PluginInstances,
  type PluginKind,
} from './define-plugin.js';

/** Which plugin made an instance, and from which options: how an instance is made again elsewhere. */
export interface PluginOrigin {
  readonly kind: PluginKind;
  readonly name: string;
  /** The options as given to `create` (plain data when they came from a config). */
  readonly options: unknown;
  readonly seed?: number;
}

const origins = new WeakMap<object, PluginOrigin>();

/**
 * The plugin and options an instance was created from by a registry, if it was: a worker thread
 * re-creates a teacher from this (its own registry holds the same plugins).
 */
export function pluginOrigin(instance: object): PluginOrigin | undefined {
  return origins.get(instance);
}

interface Entry {
  readonly plugin: Plugin;
  readonly source: string;
}

/**
 * Resolves plugins by kind and name. Built-in plugins register exactly like third-party ones.
 */
export class PluginRegistry {
  private readonly entries = new Map<string, Entry>();

  register(plugin: Plugin, source = 'unknown source'): this {
    if (plugin.apiVersion !== PLUGIN_API_VERSION) {
      throw new DistilleryError(
        'E_PLUGIN_VERSION',
        `${plugin.kind} plugin ${JSON.stringify(plugin.name)} from ${source} was built for plugin API ${plugin.apiVersion}; this Distillery has API ${PLUGIN_API_VERSION}`,
      );
    }
    const key = `${plugin.kind}:${plugin.name}`;
    const existing = this.entries.get(key);
    if (existing !== undefined) {
      throw new DistilleryError(
        'E_PLUGIN_DUPLICATE',
        `two ${plugin.kind} plugins are named ${JSON.stringify(plugin.name)}: one from ${existing.source}, one from ${source}`,
      );
    }
    this.entries.set(key, { plugin, source });
    return this;
  }

  has(kind: PluginKind, name: string): boolean {
    return this.entries.has(`${kind}:${name}`);
  }

  names(kind: PluginKind): string[] {
    return [...this.entries.values()].filter((e) => e.plugin.kind === kind).map((e) => e.plugin.name).sort();
  }

  get(kind: PluginKind, name: string): Plugin {
    const entry = this.entries.get(`${kind}:${name}`);
    if (entry !== undefined) return entry.plugin;
    const available = this.names(kind);
    const closest = closestName(name, available);
    throw new DistilleryError(
      'E_PLUGIN_NOT_FOUND',
      `unknown ${kind} ${JSON.stringify(name)}` +
        (closest !== undefined ? ` (did you mean ${JSON.stringify(closest)}?)` : '') +
        `; available: ${available.length > 0 ? available.join(', ') : 'none registered'}`,
      { details: { kind, name, available, ...(closest === undefined ? {} : { closest }) } },
    );
  }

  /** Checks options with the plugin's own parser or schema, without creating anything. */
  parseOptions(kind: PluginKind, name: string, options: unknown): unknown {
    const plugin = this.get(kind, name);
    const label = `${kind} plugin ${JSON.stringify(name)}`;
    const input: unknown = options ?? {};
    const parsed =
      plugin.parseOptions !== undefined
        ? plugin.parseOptions(input)
        : plugin.options !== undefined
          ? parseWithSchema(plugin.options, input, label)
          : input;
    rejectDroppedKeys(label, name, input, parsed);
    return parsed;
  }

  /**
   * Validates the options with the plugin's own parser or schema, then creates the instance.
   * A literal name must be known to the type system (see plugin-options.ts), and then its options
   * are checked at compile time too; a `string` known only at run time is checked here.
   */
  create<K extends PluginKind, N extends string>(
    kind: K,
    name: PluginNameArg<K, N>,
    options?: PluginOptionsOf<K, N>,
    context: PluginContext = {},
  ): PluginInstances[K] {
    const plugin = this.get(kind, name);
    const label = `${kind} plugin ${JSON.stringify(name)}`;
    const parsed = this.parseOptions(kind, name, options);
    try {
      const instance = plugin.create(parsed, context) as PluginInstances[K];
      if (typeof instance === 'object' && instance !== null) {
        origins.set(instance, { kind, name, options: options ?? {}, ...(context.seed === undefined ? {} : { seed: context.seed }) });
      }
      return instance;
    } catch (error) {
      if (error instanceof DistilleryError && error.code !== 'E_INTERNAL') throw error;
      throw new DistilleryError('E_PLUGIN_CREATE', `${label} failed to create: ${(error as Error).message}`, {
        cause: error,
      });
    }
  }
}

const isPlainObject = (value: unknown): value is Record<string, unknown> =>
  typeof value === 'object' && value !== null && !Array.isArray(value) && Object.getPrototypeOf(value) === Object.prototype;

/**
 * A key the parser dropped (a schema that strips unknown keys, a hand-written parser that
 * picks the ones it knows) was not understood: say so, rather than ignore the setting.
 */
function rejectDroppedKeys(label: string, name: string, input: unknown, parsed: unknown): void {
  if (!isPlainObject(input) || !isPlainObject(parsed)) return;
  const known = Object.keys(parsed);
  for (const [key, value] of Object.entries(input)) {
    if (value === undefined || key in parsed) continue;
    const closest = closestName(key, known);
    throw new DistilleryError(
      'E_CONFIG',
      `${label}: option ${JSON.stringify(key)} is unknown${closest === undefined ? '' : ` (did you mean ${JSON.stringify(closest)}?)`}` +
        `; ${name} takes ${known.length > 0 ? known.join(', ') : 'no options'}`,
      { details: { field: key, known } },
    );
  }
}

/**
 * The registered name within edit distance 3 of `name`, if any (for "did you mean"); else the one
 * name that begins with it, or has it as one of its `-`/`.`/`_` parts (`fashion` → `fashion-mnist`).
 */
export function closestName(name: string, candidates: readonly string[]): string | undefined {
  let best: string | undefined;
  let bestDistance = 4;
  for (const candidate of candidates) {
    const d = editDistance(name, candidate);
    if (d < bestDistance) {
      best = candidate;
      bestDistance = d;
    }
  }
  if (best !== undefined || name.length < 3) return best;
  const only = (matches: readonly string[]) => (matches.length === 1 ? matches[0] : undefined);
  return only(candidates.filter((c) => c.startsWith(name))) ?? only(candidates.filter((c) => c.split(/[-._]/).includes(name)));
}

function editDistance(a: string, b: string): number {
  const row = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    let previous = row[0]!;
    row[0] = i;
    for (let j = 1; j <= b.length; j++) {
      const current = row[j]!;
      row[j] = Math.min(row[j]! + 1, row[j - 1]! + 1, previous + (a[i - 1] === b[j - 1] ? 0 : 1));
      previous = current;
    }
  }
  return row[b.length]!;
}
