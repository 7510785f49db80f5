import { DistilleryError } from '@distillery/core';
import type { Redis } from 'ioredis';
import { z } from 'zod';
import type { FeatureScaling } from '@distillery/core';
import type { TeacherPayload } from '../protocol.js';
import { putBlob, readBlob, type BlobAddress } from './blob-store.js';

/**
 * A soft-label shard as a BullMQ job: the teacher's one serialisable form with its bytes (layers
 * weights or an ONNX file) by content address in Redis, the dataset by plugin and fingerprint,
 * and the examples to label. The logits come back by content address too (JSON has no floats to spare).
 */
export interface ShardJobData {
  readonly format: 'distillery-shard';
  readonly version: 1;
  readonly shard: { readonly start: number; readonly end: number; readonly batchSize: number };
  readonly dataset: { readonly plugin: string; readonly options: Readonly<Record<string, unknown>>; readonly fingerprint: string };
  readonly plugins: readonly string[];
  readonly teacher: JobTeacher;
}

export type JobTeacher =
  | {
      readonly format: 'layers';
      readonly name: string;
      readonly topology: string;
      readonly weightSpecs: readonly unknown[];
      readonly weights: BlobAddress;
      readonly fingerprint: string;
      /** The input scaling the model carries (part of what it computes). */
      readonly preprocessing?: FeatureScaling;
    }
  | { readonly format: 'onnx'; readonly runtime: 'ort' | 'tfjs'; readonly name: string; readonly layout: 'as-is' | 'nchw' | 'flatten'; readonly model: BlobAddress; readonly fingerprint: string }
  | { readonly format: 'plugin'; readonly plugin: string; readonly options: unknown; readonly seed?: number; readonly name: string; readonly fingerprint: string };

/** What a worker returns for a shard: where its logits are. */
export interface ShardJobResult {
  readonly start: number;
  readonly end: number;
  readonly numClasses: number;
  readonly runtime: 'ort' | 'tfjs';
  readonly logits: BlobAddress;
  /** `host/pid` of the worker that computed it. */
  readonly worker?: string;
}

const hex64 = z.string().regex(/^[0-9a-f]{64}$/, 'a sha256');
export const blobAddressSchema = z.strictObject({
  sha256: hex64,
  chunks: z.array(z.strictObject({ sha256: hex64, bytes: z.number().int().min(0) })).min(1),
});
const weightSpec = z.looseObject({ name: z.string(), shape: z.array(z.number().int().min(0)), dtype: z.string() });
const scalingSchema = z.strictObject({
  kind: z.enum(['standardize', 'min-max']),
  offset: z.array(z.number()),
  scale: z.array(z.number()),
  fittedOn: z.number().int().min(0),
});

/** A teacher as a job names it (soft-label shards, and trials with feature terms): JSON, its bytes by content address. */
export const jobTeacherSchema = z.discriminatedUnion('format', [
  z.strictObject({
    format: z.literal('layers'),
    name: z.string(),
    topology: z.string(),
    weightSpecs: z.array(weightSpec),
    weights: blobAddressSchema,
    fingerprint: z.string(),
    preprocessing: scalingSchema.optional(),
  }),
  z.strictObject({ format: z.literal('onnx'), runtime: z.enum(['ort', 'tfjs']), name: z.string(), layout: z.enum(['as-is', 'nchw', 'flatten']), model: blobAddressSchema, fingerprint: z.string() }),
  z.strictObject({ format: z.literal('plugin'), plugin: z.string().min(1), options: z.unknown(), seed: z.number().int().min(1).optional(), name: z.string(), fingerprint: z.string() }),
]);

export const shardJobSchema = z.strictObject({
  format: z.literal('distillery-shard'),
  version: z.literal(1),
  shard: z.strictObject({ start: z.number().int().min(0), end: z.number().int().positive(), batchSize: z.number().int().positive() }).refine((s) => s.end > s.start, 'end must be after start'),
  dataset: z.strictObject({ plugin: z.string().min(1), options: z.record(z.string(), z.unknown()), fingerprint: z.string().min(1) }),
  plugins: z.array(z.string().min(1)),
  teacher: jobTeacherSchema,
});

/** The teacher as a job names it: its bytes go to Redis once (content-addressed), the rest is JSON. */
export async function teacherToJob(client: Redis, payload: TeacherPayload): Promise<JobTeacher> {
  if (payload.format === 'onnx') {
    const model = await putBlob(client, new Uint8Array(payload.model));
    return { format: 'onnx', runtime: payload.runtime, name: payload.name, layout: payload.layout, model, fingerprint: payload.fingerprint };
  }
  if (payload.format === 'plugin') {
    // Made again from its plugin and options on the worker's machine (e.g. an ensemble of saved teachers): paths must be reachable there.
    return { format: 'plugin', plugin: payload.plugin, options: payload.options, ...(payload.seed === undefined ? {} : { seed: payload.seed }), name: payload.name, fingerprint: payload.fingerprint };
  }
  const weights = await putBlob(client, new Uint8Array(payload.weights));
  return {
    format: 'layers',
    name: payload.name,
    topology: payload.topology,
    weightSpecs: payload.weightSpecs,
    weights,
    fingerprint: payload.fingerprint,
    ...(payload.preprocessing === undefined ? {} : { preprocessing: payload.preprocessing }),
  };
}

/** Back to the payload a pool thread runs: the bytes fetched (and checked) into shared memory. */
export async function teacherFromJob(client: Redis, teacher: JobTeacher): Promise<TeacherPayload> {
  if (teacher.format === 'plugin') return teacher;
  const bytes = await readBlob(client, teacher.format === 'onnx' ? teacher.model : teacher.weights, `teacher ${teacher.name}`);
  const shared = new SharedArrayBuffer(bytes.byteLength);
  new Uint8Array(shared).set(bytes);
  if (teacher.format === 'onnx') return { format: 'onnx', runtime: teacher.runtime, name: teacher.name, layout: teacher.layout, model: shared, fingerprint: teacher.fingerprint };
  return {
    format: 'layers',
    name: teacher.name,
    topology: teacher.topology,
    weightSpecs: teacher.weightSpecs as never,
    weights: shared,
    fingerprint: teacher.fingerprint,
    ...(teacher.preprocessing === undefined ? {} : { preprocessing: teacher.preprocessing }),
  };
}

export function parseShardJob(data: unknown, jobId: string): ShardJobData {
  const parsed = shardJobSchema.safeParse(data);
  if (parsed.success) return parsed.data as ShardJobData;
  const problems = parsed.error.issues.map((i) => `${i.path.join('.') || '(job data)'}: ${i.message}`).join('; ');
  throw new DistilleryError('E_QUEUE', `job ${jobId} is not a valid Distillery shard job (${problems}); it was not run`, { details: { jobId } });
}
