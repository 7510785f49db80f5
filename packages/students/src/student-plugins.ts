import { definePlugin, type PluginRegistry } from '@distillery/core';
import { parseCnnPluginOptions, parseMlpPluginOptions, type CnnPluginOptions, type MlpPluginOptions } from './architecture-options.js';
import { createCnn } from './cnn.js';
import { createMlp } from './mlp.js';

export const mlpStudentPlugin = definePlugin({
  kind: 'student',
  name: 'mlp',
  description: 'multilayer perceptron: hidden widths, activation, dropout',
  parseOptions: (input) => parseMlpPluginOptions('mlp', input),
  create: (options, context) => createMlp({ ...options, seed: options.seed ?? context.seed ?? 1 }),
});

export const cnnStudentPlugin = definePlugin({
  kind: 'student',
  name: 'cnn',
  description: 'small CNN: conv blocks (conv → act → 2×2 max-pool), dense head',
  parseOptions: (input) => parseCnnPluginOptions('cnn', input),
  create: (options, context) => createCnn({ ...options, seed: options.seed ?? context.seed ?? 1 }),
});

export const studentPlugins = [mlpStudentPlugin, cnnStudentPlugin] as const;

export function registerStudents(registry: PluginRegistry): PluginRegistry {
  for (const plugin of studentPlugins) registry.register(plugin, '@distillery/students');
  return registry;
}

/** Options of the student plugins: the builder's, with the seed optional (the run seed is the default). */
export type StudentMlpPluginOptions = MlpPluginOptions;
export type StudentCnnPluginOptions = CnnPluginOptions;

declare module '@distillery/core' {
  interface StudentPluginOptions {
    mlp: StudentMlpPluginOptions;
    cnn: StudentCnnPluginOptions;
  }
}
