import { DistilleryError, type DistilleryErrorJSON } from '@distillery/core';
import type { Redis } from 'ioredis';
import type { ShardSubmission, TrialSubmission } from '../executor/executor.js';
import type { TeacherPayload } from '../protocol.js';
import { putLogits, type LogitsAddress } from './logit-store.js';
import { teacherToJob, type JobTeacher, type ShardJobData } from './shard-job.js';
import { trialJobId, type DatasetSpec, type TrialJobData } from './trial-job.js';

/** What a coordinator's jobs name by address rather than carry: the teacher's logits, the teacher. */
export interface SentTeacherData {
  readonly teacherLogits?: LogitsAddress;
  readonly teacher?: JobTeacher;
}

/**
 * Puts the teacher's logits (in checksummed chunks) and the teacher into Redis by content, once
 * when the coordinator opens and again when Redis comes back without them; putting them twice is
 * harmless. Returns their addresses.
 */
export async function sendTeacherData(
  client: Redis,
  options: {
    readonly teacherLogits?: { readonly values: Float32Array; readonly numClasses: number };
    readonly teacher?: { readonly payload: TeacherPayload };
    readonly logitCache?: LogitsAddress['cache'];
  },
): Promise<SentTeacherData> {
  const teacherLogits = options.teacherLogits === undefined ? undefined : await putLogits(client, options.teacherLogits, options.logitCache === undefined ? {} : { cache: options.logitCache });
  const teacher = options.teacher === undefined ? undefined : await teacherToJob(client, options.teacher.payload);
  return { ...(teacherLogits === undefined ? {} : { teacherLogits }), ...(teacher === undefined ? {} : { teacher }) };
}

/** What every job of one coordinator shares. `jobPrefix` joins the sweep and its teacher's addresses. */
export interface JobContext extends SentTeacherData {
  readonly sweep: string;
  readonly dataset: DatasetSpec;
  readonly plugins: readonly string[];
  readonly jobPrefix: string;
  /** Examples per teacher forward batch in a shard (default 512). */
  readonly shardBatchSize?: number;
}

/** A job's id and data, or why this coordinator cannot run it (recorded as the submission's error). */
export type PreparedJob<D> = { readonly id: string; readonly jobId: string; readonly data: D } | { readonly id: string; readonly error: DistilleryErrorJSON };

export function trialJobFor(trial: TrialSubmission, context: JobContext): PreparedJob<TrialJobData> {
  if (context.teacherLogits === undefined) return { id: trial.id, error: missing('teacherLogits', 'trials') };
  const online = trial.spec.distillation.features.length > 0;
  if (online && context.teacher === undefined) return { id: trial.id, error: missing('teacher', 'trials with feature terms (they run the teacher online)') };
  const data: TrialJobData = {
    format: 'distillery-trial',
    version: 1,
    sweep: context.sweep,
    trial: { id: trial.id, params: trial.params, seed: trial.seed, spec: trial.spec },
    dataset: context.dataset,
    plugins: context.plugins,
    teacherLogits: context.teacherLogits,
    ...(online ? { teacher: context.teacher! } : {}),
  };
  return { id: trial.id, jobId: trialJobId(context.jobPrefix, trial.id), data };
}

export function shardJobFor(shard: ShardSubmission, context: JobContext): PreparedJob<ShardJobData> {
  const id = `${shard.start}-${shard.end}`;
  if (context.teacher === undefined) return { id, error: missing('teacher', 'soft-label shards') };
  const { plugin, options, fingerprints } = context.dataset;
  const data: ShardJobData = {
    format: 'distillery-shard',
    version: 1,
    shard: { start: shard.start, end: shard.end, batchSize: context.shardBatchSize ?? 512 },
    dataset: { plugin, options, fingerprint: fingerprints.train },
    plugins: context.plugins,
    teacher: context.teacher,
  };
  return { id, jobId: `shard-${context.jobPrefix.slice(0, 16)}-${shard.start}-${shard.end}`, data };
}

function missing(option: string, what: string): DistilleryErrorJSON {
  return new DistilleryError('E_CONFIG', `this queue executor was opened without ${option}: it cannot run ${what}`).toJSON();
}
