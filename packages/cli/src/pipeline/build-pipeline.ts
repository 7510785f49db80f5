import { setupBackend, type BackendInfo } from '@distillery/core';
import {
  RunnerPool,
  prepareRun,
  resolvePathOptions,
  type FolderRecord,
  type PreparedRun,
  type RunSpec,
} from '@distillery/runner';
import { join, resolve } from 'node:path';
import { runSpecOf, type DistilleryConfig } from '../config/config-schema.js';
import type { LoadedConfig } from '../config/load-config.js';

/** A config resolved into what the commands run: the run spec's parts, on a backend. */
export interface Pipeline {
  readonly config: DistilleryConfig;
  readonly spec: RunSpec;
  readonly backend: BackendInfo;
  readonly run: PreparedRun;
}

/** Sets up the backend and resolves the config's run spec (see `prepareRun`): the one mapping. */
export async function buildPipeline(loaded: LoadedConfig): Promise<Pipeline> {
  const { config } = loaded;
  const backend = await setupBackend(config.backend === undefined ? {} : { backend: config.backend });
  const spec = runSpecOf(config);
  const run = await prepareRun(spec, { baseDir: loaded.directory, source: loaded.path, backend });
  return { config, spec, backend, run };
}

/**
 * What a folder made from this pipeline holds (see `checkFolder`): the data, the teacher (with the
 * seed and validation hold-out it trains under, when trained here), and the rest.
 */
export function folderRecordOf(pipeline: Pipeline, kind: FolderRecord['kind'], spec: unknown): FolderRecord {
  const { data, teacher, seed } = pipeline.spec;
  const trained = teacher.train !== undefined;
  return {
    kind,
    data: { dataset: data.dataset, options: data.options, train: pipeline.run.train.fingerprint, test: pipeline.run.test.fingerprint },
    teacher: {
      plugin: teacher.plugin,
      options: resolvePathOptions(teacher.options, pipeline.run.baseDir),
      ...(trained ? { train: teacher.train, seed, validationCount: data.validationCount } : {}),
    },
    ...(spec === undefined ? {} : { spec }),
  };
}

/** The logit cache of a run: the config's `teacher.cache` (relative to the config), else <out>/logit-cache. */
export function logitCacheDirectory(pipeline: Pipeline, outDirectory: string): string {
  const configured = pipeline.config.teacher.cache;
  return configured === undefined ? join(outDirectory, 'logit-cache') : resolve(pipeline.run.baseDir, configured);
}

/** A worker pool on the pipeline's backend whose workers load the config's plugins. */
export function runnerPoolFor(pipeline: Pipeline, workers: number): RunnerPool {
  return new RunnerPool({ workers, backend: pipeline.backend.name, plugins: pipeline.config.plugins, baseDir: pipeline.run.baseDir });
}
