import { DistilleryError } from '@distillery/core';
import { QueueExecutor, connectRedis, isRedisUrl, type SoftLabelOptions, type SweepOptions } from '@distillery/runner';
import type { Pipeline } from '../pipeline/build-pipeline.js';

/** A Redis queue: its server, and the queue's name there (undefined: BullMQ queue distillery-trials). */
export interface QueueTarget {
  readonly url: string;
  readonly queue?: string;
}

/**
 * The queue that `--executor` / `--queue` or the config's `executor:` / `queue:` name (undefined:
 * the local pool), checked to answer now — before a teacher trains for minutes against a Redis
 * that is not there.
 */
export async function queueTargetOf(flags: { readonly executor?: string; readonly queue?: string }, pipeline: Pipeline): Promise<QueueTarget | undefined> {
  const chosen = flags.executor ?? pipeline.config.executor;
  const queue = flags.queue ?? pipeline.config.queue;
  if (chosen === undefined || chosen === 'local') {
    if (flags.queue !== undefined) throw new DistilleryError('E_CONFIG', `--queue ${flags.queue}: names a queue on Redis, but the trials run in the local pool; add --executor redis://host:port`);
    return undefined;
  }
  if (!isRedisUrl(chosen)) throw new DistilleryError('E_CONFIG', `--executor: expected local or a redis://[:password@]host[:port][/db] (or rediss://) URL, got ${JSON.stringify(chosen)}`);
  await connectRedis(chosen);
  return { url: chosen, ...(queue === undefined ? {} : { queue }) };
}

/** The dataset as a job names it: plugin and options as the config gives them, and its fingerprints. */
function datasetOf(pipeline: Pipeline) {
  const { data } = pipeline.spec;
  return { plugin: data.dataset, options: data.options, fingerprints: { train: pipeline.run.train.fingerprint, test: pipeline.run.test.fingerprint } };
}

/**
 * A sweep's trials on the queue at `url`; workers that see `cache` read the logits from it.
 * `note` hears when jobs wait with no worker connected.
 */
export function sweepExecutor(target: QueueTarget, pipeline: Pipeline, cache: { root: string; teacherFingerprint: string }, note: (text: string) => void): NonNullable<SweepOptions['executor']> {
  return ({ sweep, teacherLogits, teacher, supersedes }) =>
    QueueExecutor.open({
      ...target,
      onNotice: (message) => note(`[queue] ${message}`),
      sweep,
      ...(supersedes === undefined ? {} : { supersedes: [supersedes] }),
      dataset: datasetOf(pipeline),
      plugins: pipeline.spec.plugins,
      teacherLogits,
      // Trials with feature terms run the teacher on the workers: it goes once, by content address.
      ...(teacher === undefined ? {} : { teacher: { payload: teacher } }),
      logitCache: {
        root: cache.root,
        key: { teacherFingerprint: cache.teacherFingerprint, datasetFingerprint: pipeline.run.train.fingerprint, numExamples: teacherLogits.size, numClasses: teacherLogits.numClasses },
      },
    });
}

/** Soft-label shards on the queue at `url`: the teacher goes once, by content address. `note` as for sweeps. */
export function labelExecutor(target: QueueTarget, pipeline: Pipeline, note: (text: string) => void): NonNullable<SoftLabelOptions['executor']> {
  return ({ teacher, key }) =>
    QueueExecutor.open({
      ...target,
      onNotice: (message) => note(`[queue] ${message}`),
      sweep: `${key.teacherFingerprint}:${key.datasetFingerprint}`,
      dataset: datasetOf(pipeline),
      plugins: pipeline.spec.plugins,
      teacher: { payload: teacher },
    });
}
