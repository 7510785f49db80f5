import { DistilleryError, closestName } from '@distillery/core';
import type { z } from 'zod';
import { trialSpecSchema } from './run-spec.js';
import { unwrapSchema } from './unwrap-schema.js';

/** Short grid keys, kept from earlier configs: `lambda` means `distillation.lambda`. */
export const GRID_ALIASES: Readonly<Record<string, string>> = {
  lambda: 'distillation.lambda',
  temperature: 'distillation.temperature',
  loss: 'distillation.loss',
  form: 'distillation.form',
};

/** Paths a sweep may not vary, and why. */
const FIXED_IN_A_SWEEP: ReadonlyArray<readonly [string, string]> = [
  ['teacher', "one teacher's logits serve every trial of a sweep; run one sweep per teacher"],
  ['data.dataset', "one dataset's logits serve every trial of a sweep"],
  ['data.options', "one dataset's logits serve every trial of a sweep"],
  ['seed', 'seeds are listed in sweep.seeds'],
  ['name', 'it names the folder, not a trial'],
  ['plugins', 'plugin modules are loaded once, for the whole sweep'],
  ['distillation.onlineTeacher', 'trials train on cached logits'],
];

/** The run-spec path a grid key stands for. */
export function canonicalGridPath(key: string): string {
  return GRID_ALIASES[key] ?? key;
}

/**
 * Checks a grid key against the trial spec's schema: a path that does not exist is an error
 * naming the closest valid one; a path a sweep cannot vary says why. Keys inside plugin options
 * (`student.options.hidden`) are checked by the plugin when the planned trials are validated.
 * Lists are entered by index (`distillation.features.0.weight`); with the sweep's `base`, the
 * index must name an element the base has (a grid key changes a feature term, it does not add one).
 */
export function checkGridPath(key: string, field = `sweep.grid.${key}`, base?: unknown): string {
  const path = canonicalGridPath(key);
  for (const [prefix, why] of FIXED_IN_A_SWEEP) {
    if (path === prefix || path.startsWith(`${prefix}.`)) {
      throw new DistilleryError('E_CONFIG', `${field}: ${path} cannot vary in a sweep (${why})`, { details: { field } });
    }
  }
  let node: z.ZodType = trialSpecSchema;
  const walked: string[] = [];
  for (const segment of path.split('.')) {
    const inner = unwrapSchema(node);
    const def = (inner as unknown as { def: { type: string } }).def;
    if (def.type === 'record') return path; // plugin options: the plugin checks the key
    if (def.type === 'array') {
      checkIndex(field, walked, segment, base);
      walked.push(segment);
      node = (inner as unknown as { element: z.ZodType }).element;
      continue;
    }
    if (def.type !== 'object') {
      throw new DistilleryError('E_CONFIG', `${field}: ${walked.join('.')} is a value, it has no ${JSON.stringify(segment)} inside`, { details: { field } });
    }
    const shape = (inner as unknown as { shape: Record<string, z.ZodType> }).shape;
    const child = shape[segment];
    if (child === undefined) {
      const options = Object.keys(shape).map((k) => [...walked, k].join('.'));
      const rest = path.split('.').slice(walked.length + 1);
      const atLevel = closestName([...walked, segment].join('.'), [...(walked.length === 0 ? Object.keys(GRID_ALIASES) : []), ...options]);
      const suggestion = atLevel !== undefined ? [atLevel, ...rest].join('.') : closestByLastSegment(path, allPaths());
      throw new DistilleryError(
        'E_CONFIG',
        `${field}: ${path} is not a path into the run spec` +
          (suggestion === undefined ? '' : ` (did you mean ${suggestion}?)`) +
          `; under ${walked.length === 0 ? 'the top' : walked.join('.')}: ${Object.keys(shape).join(', ')}`,
        { details: { field } },
      );
    }
    walked.push(segment);
    node = child;
  }
  return path;
}

/** `segment` indexes the list at `walked`: a whole number, and (with the base) one of the base's elements. */
function checkIndex(field: string, walked: readonly string[], segment: string, base: unknown): void {
  const list = walked.join('.');
  if (!/^(0|[1-9]\d*)$/.test(segment)) {
    throw new DistilleryError('E_CONFIG', `${field}: ${list} is a list: the segment after it is an index (0, 1, …), got ${JSON.stringify(segment)}`, { details: { field } });
  }
  if (base === undefined) return;
  const value = walked.reduce<unknown>((node, key) => (node !== null && typeof node === 'object' ? (node as Record<string, unknown>)[key] : undefined), base);
  const length = Array.isArray(value) ? value.length : 0;
  if (Number(segment) >= length) {
    const has = length === 0 ? 'none' : length === 1 ? 'one (index 0)' : `${length} (indices 0 to ${length - 1})`;
    throw new DistilleryError(
      'E_CONFIG',
      `${field}: ${list}.${segment} is not in the sweep's base: ${list} has ${has}. A grid key changes an element the base lists; to vary the list itself, make ${list} the grid key`,
      { details: { field } },
    );
  }
}

/** A path whose last segment is close to the typed one's (`student.optoins.hidden` → `student.options.hidden`). */
function closestByLastSegment(path: string, paths: readonly string[]): string | undefined {
  const closest = closestName(path, paths);
  if (closest !== undefined) return closest;
  const last = path.split('.').pop()!;
  const byLast = paths.filter((p) => closestName(last, [p.split('.').pop()!]) !== undefined);
  return byLast.length === 1 ? byLast[0] : undefined;
}

/** Every path of the trial spec's schema (for "did you mean" on deeper typos); list elements as index 0. */
function allPaths(): string[] {
  const out: string[] = [];
  const walk = (node: z.ZodType, prefix: string) => {
    const inner = unwrapSchema(node);
    const type = (inner as unknown as { def: { type: string } }).def.type;
    if (type === 'array') return walk((inner as unknown as { element: z.ZodType }).element, `${prefix}.0`);
    if (type !== 'object') return;
    for (const [key, child] of Object.entries((inner as unknown as { shape: Record<string, z.ZodType> }).shape)) {
      const path = prefix === '' ? key : `${prefix}.${key}`;
      out.push(path);
      walk(child, path);
    }
  };
  walk(trialSpecSchema, '');
  return out;
}

/**
 * A copy of `target` with the value at a dotted path replaced (objects and lists on the way
 * copied, never shared); a segment into a list is an index (`distillation.features.0.weight`).
 */
export function setPath<T>(target: T, path: string, value: unknown): T {
  const [head, ...rest] = path.split('.');
  const inner = (node: unknown) => (rest.length === 0 ? value : setPath(node, rest.join('.'), value));
  if (Array.isArray(target)) {
    const copy: unknown[] = [...target];
    copy[Number(head)] = inner(copy[Number(head)]);
    return copy as T;
  }
  const object = (target ?? {}) as Record<string, unknown>;
  return { ...object, [head!]: inner(object[head!]) } as T;
}
