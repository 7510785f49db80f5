import {
  PluginRegistry,
  assertPositiveInteger,
  configError,
  definePlugin,
  readOptions,
  type Model,
  type Plugin,
} from '@distillery/core';
import { parseCnnPluginOptions, parseMlpPluginOptions } from '@distillery/students';
import { EnsembleTeacher, type EnsembleCombine } from './ensemble-teacher.js';
import { onnxTeacherPlugin, type OnnxTeacherPluginOptions } from './onnx-teacher-plugin.js';
import { SavedTeacher, type SavedTeacherOptions } from './saved-teacher.js';
import { createTeacherCnn, createTeacherMlp, type TeacherCnnOptions, type TeacherMlpOptions } from './teacher-architectures.js';

/** Options of the architecture plugins: the builder's, the seed optional (the run seed is the default). */
export type TeacherMlpPluginOptions = Omit<TeacherMlpOptions, 'seed'> & { readonly seed?: number };
export type TeacherCnnPluginOptions = Omit<TeacherCnnOptions, 'seed'> & { readonly seed?: number };

/** A member of an `ensemble`: any teacher plugin by name, with its options. */
export interface EnsembleMemberSpec {
  readonly plugin: string;
  readonly options?: Readonly<Record<string, unknown>>;
}

export interface EnsemblePluginOptions {
  readonly members: readonly EnsembleMemberSpec[];
  readonly combine?: EnsembleCombine;
  readonly weights?: readonly number[];
  /** Passed on to members that do not set their own (the runner gives the dataset's). */
  readonly inputShape?: readonly number[];
  readonly numClasses?: number;
  readonly name?: string;
}

export const mlpTeacherPlugin = definePlugin({
  kind: 'teacher',
  name: 'mlp',
  description: 'MLP teacher: hidden [1200, 1200], dropout 0.5, input dropout 0.2 on images (Hinton et al.), none on feature vectors',
  parseOptions: (input) => parseMlpPluginOptions('mlp', input, [1200, 1200]) as TeacherMlpPluginOptions,
  create: (options, context) => createTeacherMlp({ ...options, seed: options.seed ?? context.seed ?? 1 }),
});

export const cnnTeacherPlugin = definePlugin({
  kind: 'teacher',
  name: 'cnn',
  description: 'CNN teacher: filters [32, 64], dense [128], dropout 0.3',
  parseOptions: (input) => parseCnnPluginOptions('cnn', input, { filters: [32, 64] }) as TeacherCnnPluginOptions,
  create: (options, context) => createTeacherCnn({ ...options, seed: options.seed ?? context.seed ?? 1 }),
});

export function parseSavedTeacherOptions(input: unknown): SavedTeacherOptions {
  const options = readOptions('saved', input, { directory: undefined, inputShape: undefined, numClasses: undefined });
  if (typeof options.directory !== 'string' || options.directory === '') throw configError('saved.directory', 'a folder path', options.directory);
  const inputShape = options.inputShape;
  if (!Array.isArray(inputShape) || inputShape.length === 0) throw configError('saved.inputShape', "the dataset's example shape", inputShape);
  inputShape.forEach((d, i) => assertPositiveInteger(`saved.inputShape[${i}]`, d));
  assertPositiveInteger('saved.numClasses', options.numClasses);
  return { directory: options.directory, inputShape: inputShape as number[], numClasses: options.numClasses };
}

export const savedTeacherPlugin = definePlugin({
  kind: 'teacher',
  name: 'saved',
  description: 'a teacher (or ensemble) saved in TensorFlow.js layers format; loads in ready()',
  parseOptions: parseSavedTeacherOptions,
  create: (options) => new SavedTeacher(options),
});

const ENSEMBLE_KEYS = { members: undefined, combine: undefined, weights: undefined, inputShape: undefined, numClasses: undefined, name: undefined };

export function parseEnsembleOptions(input: unknown): EnsemblePluginOptions {
  const options = readOptions('ensemble', input, ENSEMBLE_KEYS);
  const members = options.members;
  if (!Array.isArray(members) || members.length === 0) {
    throw configError('ensemble.members', 'a non-empty list of { plugin, options }', members);
  }
  members.forEach((m: unknown, i) => {
    const member = readOptions(`ensemble.members[${i}]`, m, { plugin: undefined, options: undefined });
    if (typeof member.plugin !== 'string' || member.plugin === '') throw configError(`ensemble.members[${i}].plugin`, 'a teacher plugin name', member.plugin);
  });
  return Object.fromEntries(Object.entries(options).filter(([, v]) => v !== undefined)) as unknown as EnsemblePluginOptions;
}

/**
 * The `ensemble` plugin, resolving its members by name in `registry` — so members may be any
 * teacher registered there, third-party ones included. Weights and `combine` are checked by
 * `EnsembleTeacher`. Members are created with the ensemble's seed, shape and class count.
 */
export function createEnsembleTeacherPlugin(registry: PluginRegistry): Plugin<'teacher', 'ensemble', EnsemblePluginOptions> {
  return definePlugin({
    kind: 'teacher',
    name: 'ensemble',
    description: 'several teachers, logits averaged (or probabilities averaged, as log-probabilities), optional weights',
    parseOptions: parseEnsembleOptions,
    create: (options, context) => {
      const shared = {
        ...(options.inputShape === undefined ? {} : { inputShape: options.inputShape }),
        ...(options.numClasses === undefined ? {} : { numClasses: options.numClasses }),
      };
      const members: Model[] = [];
      try {
        for (const member of options.members) members.push(registry.create('teacher', member.plugin, { ...shared, ...member.options }, context));
        return new EnsembleTeacher({
          members,
          ...(options.combine === undefined ? {} : { combine: options.combine }),
          ...(options.weights === undefined ? {} : { weights: options.weights }),
          ...(options.name === undefined ? {} : { name: options.name }),
        });
      } catch (error) {
        for (const member of members) member.dispose();
        throw error;
      }
    },
  });
}

const builtinArchitectures = [mlpTeacherPlugin, cnnTeacherPlugin, savedTeacherPlugin, onnxTeacherPlugin] as const;

/** Registers the built-in teachers on `registry`; its `ensemble` resolves members in that registry. */
export function registerTeachers(registry: PluginRegistry): PluginRegistry {
  for (const plugin of builtinArchitectures) registry.register(plugin, '@distillery/teachers');
  registry.register(createEnsembleTeacherPlugin(registry), '@distillery/teachers');
  return registry;
}

const builtins = registerTeachers(new PluginRegistry());

/** The built-in teacher plugins; this list's `ensemble` resolves members among the built-ins only. */
export const teacherPlugins: readonly Plugin<'teacher'>[] = builtins.names('teacher').map((name) => builtins.get('teacher', name) as Plugin<'teacher'>);

declare module '@distillery/core' {
  interface TeacherPluginOptions {
    mlp: TeacherMlpPluginOptions;
    cnn: TeacherCnnPluginOptions;
    saved: SavedTeacherOptions;
    ensemble: EnsemblePluginOptions;
    onnx: OnnxTeacherPluginOptions;
  }
}
