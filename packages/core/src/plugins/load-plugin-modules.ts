import { DistilleryError } from '../errors.js';
import { PLUGIN_KINDS, type Plugin } from './define-plugin.js';
import type { PluginRegistry } from './plugin-registry.js';
import { resolvePluginModule } from './resolve-plugin-module.js';

export interface LoadedPluginModule {
  readonly specifier: string;
  readonly url: string;
  readonly plugins: ReadonlyArray<{ readonly kind: string; readonly name: string }>;
}

/**
 * Imports the plugin modules the user named and registers what they export: a `plugins`
 * array, a default export (a plugin or an array), or plugins as named exports. Loading runs
 * the module's code — so only modules named here are loaded, and nothing is installed.
 */
export async function loadPluginModules(
  registry: PluginRegistry,
  specifiers: readonly string[],
  baseDir: string = process.cwd(),
): Promise<LoadedPluginModule[]> {
  const loaded: LoadedPluginModule[] = [];
  for (const specifier of specifiers) {
    const url = resolvePluginModule(specifier, baseDir);
    let module: Record<string, unknown>;
    try {
      module = await importPluginModule(url);
    } catch (error) {
      throw new DistilleryError('E_PLUGIN_NOT_FOUND', `plugin module ${specifier} failed to load: ${(error as Error).message}`, { cause: error });
    }
    const plugins = collectPlugins(module, specifier);
    if (plugins.length === 0) {
      throw new DistilleryError(
        'E_PLUGIN_NOT_FOUND',
        `plugin module ${specifier} exports no Distillery plugins (export them as \`plugins\`, as the default export, or by name, each made with definePlugin)`,
      );
    }
    for (const plugin of plugins) registry.register(plugin, specifier);
    loaded.push({ specifier, url, plugins: plugins.map((p) => ({ kind: p.kind, name: p.name })) });
  }
  return loaded;
}

/**
 * Imports a plugin module. A TypeScript module outside a TypeScript loader (the published CLI
 * runs plain Node) gets tsx's loader registered in this thread, when the user has tsx installed.
 */
async function importPluginModule(url: string): Promise<Record<string, unknown>> {
  try {
    return (await import(url)) as Record<string, unknown>;
  } catch (error) {
    if ((error as { code?: string }).code !== 'ERR_UNKNOWN_FILE_EXTENSION' || !/\.[cm]?ts$/.test(new URL(url).pathname)) throw error;
    let register: () => unknown;
    try {
      ({ register } = await import('tsx/esm/api'));
    } catch {
      throw new Error('it is TypeScript: install tsx beside Distillery (`npm install tsx`), or compile it to JavaScript', { cause: error });
    }
    register();
    return (await import(url)) as Record<string, unknown>;
  }
}

function collectPlugins(module: Record<string, unknown>, specifier: string): Plugin[] {
  const found = new Set<Plugin>();
  const consider = (value: unknown) => {
    if (Array.isArray(value)) value.forEach(consider);
    else if (isPluginLike(value)) {
      if (!(PLUGIN_KINDS as readonly string[]).includes(value.kind)) {
        throw new DistilleryError('E_CONFIG', `plugin ${JSON.stringify(value.name)} in ${specifier} has unknown kind ${JSON.stringify(value.kind)}; kinds: ${PLUGIN_KINDS.join(', ')}`);
      }
      found.add(value);
    }
  };
  for (const value of Object.values(module)) consider(value);
  return [...found];
}

function isPluginLike(value: unknown): value is Plugin {
  if (typeof value !== 'object' || value === null) return false;
  const v = value as Record<string, unknown>;
  return typeof v['kind'] === 'string' && typeof v['name'] === 'string' && typeof v['create'] === 'function' && 'apiVersion' in v;
}
