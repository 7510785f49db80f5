import { DistilleryError, isDistilleryError, type PluginKind, type PluginRegistry } from '@distillery/core';
import { withObjectiveTemperature } from '@distillery/losses';
import type { DistilleryConfig } from './config-schema.js';

/** Trial options a sweep grid may vary (nested ones by path, e.g. `student.options.hidden`). */
const GRID_ROOTS = [
  'lambda', 'temperature', 'form', 'labelledFraction', 'labelledCount', 'validationCount', 'epochs', 'batchSize',
  'transferBatchSize', 'learningRate', 'earlyStoppingPatience', 'student', 'loss', 'augmentation',
] as const;

/**
 * The checks that need the plugin registry: every plugin name exists (the error lists the
 * available ones) and every plugin's options pass its own parser — all before anything runs.
 */
export function checkConfigPlugins(config: DistilleryConfig, registry: PluginRegistry, source: string): void {
  const refs: Array<[string, PluginKind, string, unknown]> = [
    ['data.dataset', 'dataset', config.data.dataset, config.data.options],
    ['teacher.plugin', 'teacher', config.teacher.plugin, config.teacher.options],
    ['student.plugin', 'student', config.student.plugin, config.student.options],
    ['distillation.loss', 'loss', config.distillation.loss, config.distillation.options],
  ];
  if (config.distillation.augmentation !== undefined) {
    refs.push(['distillation.augmentation.plugin', 'augmentation', config.distillation.augmentation.plugin, config.distillation.augmentation.options]);
  }
  for (const [field, kind, name, options] of refs) {
    try {
      registry.get(kind, name);
    } catch (error) {
      throw new DistilleryError('E_PLUGIN_NOT_FOUND', `${source}: ${field}: ${(error as Error).message}`);
    }
    // Students and teachers get their shape and seed at run time; the rest is checked now.
    if (kind === 'student' || kind === 'teacher') continue;
    try {
      const checked = kind === 'loss' ? withObjectiveTemperature(name, options as Record<string, unknown>, config.distillation.temperature) : options;
      registry.parseOptions(kind, name, checked);
    } catch (error) {
      const optionsField = field.replace(/\.(plugin|loss|dataset)$/, '.options');
      throw new DistilleryError(isDistilleryError(error) ? error.code : 'E_CONFIG', `${source}: ${optionsField}: ${(error as Error).message}`);
    }
  }
  for (const key of Object.keys(config.sweep?.grid ?? {})) {
    const root = key.split('.')[0]!;
    if (!(GRID_ROOTS as readonly string[]).includes(root)) {
      throw new DistilleryError('E_CONFIG', `${source}: sweep.grid.${key}: not an option a sweep can vary; use one of ${GRID_ROOTS.join(', ')} (nested by path, e.g. student.options.hidden)`);
    }
  }
}
