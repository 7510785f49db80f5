import { PluginRegistry, isPluginPath, loadPluginModules } from '@distillery/core';
import { resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { registerAugmentations } from '@distillery/augmentations';
import { registerDatasets } from '@distillery/datasets';
import { registerLosses } from '@distillery/losses';
import { registerStudents } from '@distillery/students';
import { registerTeachers } from '@distillery/teachers';

/** Third-party plugin modules to load, and where their names are resolved from. */
export interface PluginModules {
  /** Package names or paths (`distillery-plugin-x`, `./my-loss.ts`). */
  readonly plugins?: readonly string[];
  /** Folder the names are resolved from (default: the current directory). */
  readonly baseDir?: string;
}

/**
 * The composition root of plugins for one thread: the built-ins, registered exactly as a
 * third-party plugin would be. The main thread and every worker build the same registry.
 */
export function createBuiltinRegistry(): PluginRegistry {
  const registry = new PluginRegistry();
  registerStudents(registry);
  registerLosses(registry);
  registerDatasets(registry);
  registerTeachers(registry);
  registerAugmentations(registry);
  return registry;
}

/** Built-ins plus the user's plugin modules: what every thread of a run resolves names with. */
export async function createPluginRegistry(modules: PluginModules = {}): Promise<PluginRegistry> {
  const registry = createBuiltinRegistry();
  if (modules.plugins !== undefined && modules.plugins.length > 0) {
    await loadPluginModules(registry, modules.plugins, modules.baseDir ?? process.cwd());
  }
  return registry;
}

/**
 * A plugin module as a thread would load it, for comparing two lists: a path (or file: URL)
 * resolved against `baseDir`, a package by its name (`./rings.mjs` and `/proj/rings.mjs` are one).
 */
export function pluginModuleKey(specifier: string, baseDir: string): string {
  if (specifier.startsWith('file:')) return fileURLToPath(specifier);
  return isPluginPath(specifier) ? resolve(baseDir, specifier) : specifier;
}
