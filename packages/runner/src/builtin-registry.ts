import { PluginRegistry } from '@distillery/core';
import { registerLosses } from '@distillery/losses';
import { registerStudents } from '@distillery/students';

/**
 * The composition root of plugins for one thread: the built-ins, registered exactly as a
 * third-party plugin would be. The main thread and every worker build the same registry.
 */
export function createBuiltinRegistry(): PluginRegistry {
  const registry = new PluginRegistry();
  registerStudents(registry);
  registerLosses(registry);
  return registry;
}
