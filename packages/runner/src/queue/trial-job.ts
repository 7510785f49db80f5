import { DistilleryError, fingerprint } from '@distillery/core';
import { z } from 'zod';
import { trialSpecSchema, type TrialSpec } from '../spec/run-spec.js';
import type { LogitsAddress } from './logit-store.js';
import { jobTeacherSchema, type JobTeacher } from './shard-job.js';

/**
 * A trial as a BullMQ job: specs and addresses, never data. BullMQ stores job data as JSON,
 * so nothing here may be a typed array; the worker re-creates the dataset from its plugin and
 * checks its fingerprint, and fetches the teacher's logits by content address.
 */
export interface TrialJobData {
  readonly format: 'distillery-trial';
  readonly version: 1;
  /** Fingerprint of the sweep (its definition): part of the job id. */
  readonly sweep: string;
  readonly trial: { readonly id: string; readonly params: Readonly<Record<string, unknown>>; readonly seed: number; readonly spec: TrialSpec };
  readonly dataset: DatasetSpec;
  /** Plugin modules the config names: a worker loads them only if it was started allowing them. */
  readonly plugins: readonly string[];
  readonly teacherLogits: LogitsAddress;
  /**
   * The teacher, for a trial with feature terms (it runs online on the worker): its one
   * serialisable form as soft-label shards name it — weights by content address, or the plugin
   * and options a worker makes it from again. Absent for other trials.
   */
  readonly teacher?: JobTeacher;
}

/** A dataset by plugin and options, and the fingerprints its splits must have. */
export interface DatasetSpec {
  readonly plugin: string;
  readonly options: Readonly<Record<string, unknown>>;
  readonly fingerprints: { readonly train: string; readonly test: string };
}

const hex = (min: number) => z.string().regex(new RegExp(`^[0-9a-f]{${min},64}$`), 'a hex fingerprint');
const logitsAddressSchema = z.strictObject({
  sha256: hex(64),
  numExamples: z.number().int().min(0),
  numClasses: z.number().int().positive(),
  chunks: z.array(z.strictObject({ sha256: hex(64), bytes: z.number().int().min(0) })).min(1),
  cache: z
    .strictObject({
      root: z.string().min(1),
      key: z.strictObject({
        teacherFingerprint: z.string(),
        datasetFingerprint: z.string(),
        augmentationSeed: z.number().int().optional(),
        numExamples: z.number().int().min(0),
        numClasses: z.number().int().positive(),
      }),
    })
    .optional(),
});

const trialJobSchema = z.strictObject({
  format: z.literal('distillery-trial'),
  version: z.literal(1),
  sweep: hex(16),
  trial: z.strictObject({
    id: z.string().regex(/^[0-9a-zA-Z_-]{1,64}$/, 'letters, digits, _ or -'),
    params: z.record(z.string(), z.unknown()),
    seed: z.number().int(),
    // The one trial spec: the same schema a config's sections pass.
    spec: trialSpecSchema,
  }),
  dataset: z.strictObject({
    plugin: z.string().min(1),
    options: z.record(z.string(), z.unknown()),
    fingerprints: z.strictObject({ train: z.string().min(1), test: z.string().min(1) }),
  }),
  plugins: z.array(z.string().min(1)),
  teacherLogits: logitsAddressSchema,
  teacher: jobTeacherSchema.optional(),
});

/**
 * Checks a job's data before a worker uses any of it: anyone who can write to the queue can
 * write a job. One paragraph naming the fields that are wrong.
 */
export function parseTrialJob(data: unknown, jobId: string): TrialJobData {
  const parsed = trialJobSchema.safeParse(data);
  if (parsed.success) return parsed.data as TrialJobData;
  const problems = parsed.error.issues.map((i) => `${i.path.join('.') || '(job data)'}: ${i.message}`).join('; ');
  throw new DistilleryError('E_QUEUE', `job ${jobId} is not a valid Distillery trial job (${problems}); it was not run`, { details: { jobId } });
}

/** Job ids from the sweep and the trial: the same trial submitted twice is one job. */
export function trialJobId(sweepFingerprint: string, trialId: string): string {
  // BullMQ refuses ':' in custom ids and integer-looking ids; this is neither.
  return `trial-${sweepFingerprint.slice(0, 16)}-${trialId}`;
}

/** What a sweep is, as one fingerprint: the definition written to its sweep.json. */
export function sweepFingerprint(definition: object): string {
  return fingerprint(JSON.stringify(definition)).slice(0, 32);
}
