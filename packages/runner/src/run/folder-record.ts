import { DistilleryError } from '@distillery/core';
import { existsSync, readdirSync, statSync } from 'node:fs';
import { mkdir, readFile } from 'node:fs/promises';
import { writeAtomically } from '../fs/write-atomically.js';
import { join } from 'node:path';

/** The file in every run, label and sweep folder that says what produced it. */
export const FOLDER_RECORD = 'distillery-folder.json';

/**
 * What produced a folder: the command, the data (spec and fingerprints), the teacher (spec, and
 * its weights' fingerprint once known) and the rest of the spec. A rerun on the folder must
 * match it, or it is refused before anything is written — a folder never describes one run
 * while holding another's results.
 */
export interface FolderRecord {
  readonly kind: 'run' | 'label' | 'sweep';
  readonly data: unknown;
  readonly teacher: unknown;
  /** The rest that decides the folder's results (the student and objective; a sweep's grid and seeds). */
  readonly spec?: unknown;
  readonly teacherFingerprint?: string;
}

/**
 * Checks that `directory` is new, empty, or holds a folder made by this very record; throws a
 * message naming what differs and how to start afresh otherwise. Writes nothing.
 */
export async function checkFolder(directory: string, record: FolderRecord): Promise<'new' | 'same'> {
  if (existsSync(directory) && !statSync(directory).isDirectory()) {
    throw new DistilleryError('E_CONFIG', `--out ${directory}: is an existing file, not a folder; give a folder (it is created if missing)`, { details: { field: 'out', directory } });
  }
  const path = join(directory, FOLDER_RECORD);
  const text = await readFile(path, 'utf8').catch(() => undefined);
  if (text === undefined) {
    const entries = existsSync(directory) ? readdirSync(directory) : [];
    // A folder from before folder records (a sweep.json of its own) is taken as it is.
    if (entries.length > 0 && !entries.includes('sweep.json') && !entries.includes('run.json')) {
      throw new DistilleryError('E_CONFIG', `${directory} is not empty and was not made by distillery (no ${FOLDER_RECORD}); use another --out folder`);
    }
    return 'new';
  }
  let existing: FolderRecord;
  try {
    existing = JSON.parse(text) as FolderRecord;
  } catch {
    throw new DistilleryError('E_CONFIG', `${path} is not valid JSON: the folder's record is damaged; use another --out folder, or delete ${directory} to start over`);
  }
  const differences = [
    ...(existing.kind !== record.kind ? [`it holds a ${existing.kind}, not a ${record.kind}`] : []),
    ...diffPaths('data', existing.data, record.data),
    ...diffPaths('teacher', existing.teacher, record.teacher),
    ...(record.kind === 'sweep' ? sweepDifferences('sweep', existing.spec, record.spec) : diffPaths('spec', existing.spec, record.spec)),
    ...(existing.teacherFingerprint !== undefined && record.teacherFingerprint !== undefined && existing.teacherFingerprint !== record.teacherFingerprint
      ? [`the teacher's weights differ (fingerprint ${existing.teacherFingerprint.slice(0, 12)}… in the folder, ${record.teacherFingerprint.slice(0, 12)}… now)`]
      : []),
  ];
  if (differences.length > 0) {
    const shown = differences.slice(0, 6).join('; ') + (differences.length > 6 ? `; and ${differences.length - 6} more` : '');
    throw new DistilleryError(
      'E_CONFIG',
      `${directory} holds a ${existing.kind} made with other settings: ${shown}. Its results belong to those settings, so it is left as it is: use another --out folder, or delete ${directory} to start afresh` +
        (existing.kind === 'sweep' && record.kind === 'sweep' ? ` (${EXTEND_HINT})` : ''),
      { details: { differences } },
    );
  }
  return 'same';
}

/** Writes (or completes, e.g. with the teacher's fingerprint) the folder's record. */
export async function writeFolderRecord(directory: string, record: FolderRecord): Promise<void> {
  await mkdir(directory, { recursive: true });
  await writeAtomically(join(directory, FOLDER_RECORD), `${JSON.stringify(record, null, 2)}\n`);
}

/** What may change in a sweep folder, said where anything else did. */
export const EXTEND_HINT = 'a sweep is extended in place by more seeds, and a grid search by more values in its grid lists: its finished trials are kept';

const isObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);
const show = (v: unknown) => (v === undefined ? 'unset' : JSON.stringify(v));

/**
 * The differences between two sweep definitions that do not merely extend it. A sweep is
 * extended — its finished trials kept (a trial's id is its grid values and seed), the new ones
 * run — by more seeds, and a grid search by more values in a grid list too; anything else (a
 * grid key added or taken out, a value or seed taken out, another base spec, data or teacher, a
 * random search's grid or samples) makes it another sweep.
 */
export function sweepDifferences(prefix: string, before: unknown, after: unknown): string[] {
  if (!isObject(before) || !isObject(after)) return diffPaths(prefix, before, after);
  const gridSearch = (d: Record<string, unknown>) => d['search'] === undefined || (isObject(d['search']) && d['search']['kind'] === 'grid');
  const rest = (d: Record<string, unknown>) => Object.fromEntries(Object.entries(d).filter(([k]) => k !== 'grid' && k !== 'seeds'));
  // A random search draws its combinations from its grid, samples and seed: more seeds keep them, another grid does not.
  const grid = (field: string, was: unknown, now: unknown): string[] => {
    if (!isObject(was) || !isObject(now) || !gridSearch(before) || !gridSearch(after)) return diffPaths(field, was, now);
    const keys = [...new Set([...Object.keys(was), ...Object.keys(now)])].sort();
    return keys.flatMap((k) => (k in was && k in now ? keptValues(`${field}.${k}`, was[k], now[k]) : diffPaths(`${field}.${k}`, was[k], now[k])));
  };
  return [...diffPaths(prefix, rest(before), rest(after)), ...keptValues(`${prefix}.seeds`, before['seeds'], after['seeds']), ...grid(`${prefix}.grid`, before['grid'], after['grid'])];
}

/** Nothing, when every value the folder's list has is still listed (new ones may be added). */
function keptValues(field: string, was: unknown, now: unknown): string[] {
  if (!Array.isArray(was) || !Array.isArray(now)) return diffPaths(field, was, now);
  const listed = new Set(now.map((v) => JSON.stringify(v)));
  const dropped = was.filter((v) => !listed.has(JSON.stringify(v)));
  return dropped.length === 0 ? [] : [`${field} is ${show(was)} in the folder, ${show(now)} now (${dropped.map(show).join(', ')} taken out)`];
}

/** `teacher.options.hidden: [64] in the folder, [32] now`, for each differing leaf. */
export function diffPaths(prefix: string, before: unknown, after: unknown): string[] {
  if (JSON.stringify(before) === JSON.stringify(after)) return [];
  if (isObject(before) && isObject(after)) {
    const keys = [...new Set([...Object.keys(before), ...Object.keys(after)])].sort();
    return keys.flatMap((k) => diffPaths(`${prefix}.${k}`, before[k], after[k]));
  }
  return [`${prefix} is ${show(before)} in the folder, ${show(after)} now`];
}
