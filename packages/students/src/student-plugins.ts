import { configError, definePlugin, type PluginRegistry } from '@distillery/core';
import { createCnn, type CnnOptions } from './cnn.js';
import { createMlp, type MlpOptions } from './mlp.js';

/** Options must be an object; each field is then checked (with its name) by the builder. */
function asOptions<T>(kind: string, input: unknown): T {
  if (typeof input !== 'object' || input === null || Array.isArray(input)) throw configError(`${kind} options`, 'an object', input);
  return input as T;
}

export const mlpStudentPlugin = definePlugin({
  kind: 'student',
  name: 'mlp',
  description: 'multilayer perceptron: hidden widths, activation, dropout',
  parseOptions: (input) => asOptions<StudentMlpPluginOptions>('mlp', input),
  create: (options, context) => createMlp({ ...options, seed: options.seed ?? context.seed ?? 1 }),
});

export const cnnStudentPlugin = definePlugin({
  kind: 'student',
  name: 'cnn',
  description: 'small CNN: conv blocks (conv → act → 2×2 max-pool), dense head',
  parseOptions: (input) => asOptions<StudentCnnPluginOptions>('cnn', input),
  create: (options, context) => createCnn({ ...options, seed: options.seed ?? context.seed ?? 1 }),
});

export const studentPlugins = [mlpStudentPlugin, cnnStudentPlugin] as const;

export function registerStudents(registry: PluginRegistry): PluginRegistry {
  for (const plugin of studentPlugins) registry.register(plugin, '@distillery/students');
  return registry;
}

/** Options of the student plugins: the builder's, with the seed optional (the run seed is the default). */
export type StudentMlpPluginOptions = Omit<MlpOptions, 'seed'> & { readonly seed?: number };
export type StudentCnnPluginOptions = Omit<CnnOptions, 'seed'> & { readonly seed?: number };

declare module '@distillery/core' {
  interface StudentPluginOptions {
    mlp: StudentMlpPluginOptions;
    cnn: StudentCnnPluginOptions;
  }
}
