import { DistilleryError } from '@distillery/core';
import { stopRunnerPools } from '@distillery/runner';
import { mkdir, writeFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import type { DistilleryConfig } from '../config/config-schema.js';
import { REMOVE } from '../config/load-config.js';
import { createProgressView, progressMode, type ProgressView } from '../progress/progress-view.js';

/** Flags every long command understands. */
export interface CommonFlags {
  readonly out?: string;
  readonly workers?: number;
  readonly backend?: string;
  readonly seed?: number;
  readonly quiet?: boolean;
  readonly json?: boolean;
  readonly verbose?: boolean;
  /** A saved teacher's folder, in the place of the config's teacher. */
  readonly teacher?: string;
  /** sweep and label: `local` or a Redis queue URL (see docs/distributed.md). */
  readonly executor?: string;
  /** sweep and label on a queue: its name on that Redis (default distillery-trials), as workers' --queue. */
  readonly queue?: string;
}

/** `--teacher DIR`: the config's teacher replaced by the `saved` teacher in DIR. */
export function teacherOverride(flags: CommonFlags): Record<string, unknown> {
  // The config's teacher.cache stays: it is where this config's logits are kept, whichever teacher made them.
  return flags.teacher === undefined ? {} : { 'teacher.plugin': 'saved', 'teacher.options': { directory: resolve(flags.teacher) }, 'teacher.train': REMOVE };
}

export function progressFor(flags: CommonFlags): ProgressView {
  return createProgressView(progressMode(flags));
}

/** A fresh run folder name: runs/<name>-2026-11-28T15-04-05-123Z. */
export function defaultOutDirectory(name: string, kind: string, now = new Date()): string {
  return join('runs', `${plainName(name)}-${kind}-${now.toISOString().replace(/[:.]/g, '-')}`);
}

/** A sweep's default folder, runs/<name>-sweep: no timestamp, so the same command resumes it. */
export function defaultSweepDirectory(name: string): string {
  return join('runs', `${plainName(name)}-sweep`);
}

/**
 * The config's `name` becomes part of a folder name under runs/, so it must not be a path: a
 * name like '../../x' would write outside runs/. (`--out` is where a user chooses a path.)
 */
export function plainName(name: string): string {
  if (!/^[A-Za-z0-9][A-Za-z0-9._-]*$/.test(name) || name.includes('..')) {
    throw new DistilleryError(
      'E_CONFIG',
      `name: expected a plain name (letters, digits, '.', '_', '-'; no '/' or '..') because it names the output folder under runs/, got ${JSON.stringify(name)}; use --out to choose another folder`,
      { details: { field: 'name' } },
    );
  }
  return name;
}

/** Creates the output folder; a path that is a file, or under one, is one clear line, not a raw EEXIST/ENOTDIR. */
export async function createOutDirectory(directory: string): Promise<void> {
  try {
    await mkdir(directory, { recursive: true });
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code !== 'EEXIST' && code !== 'ENOTDIR' && code !== 'EACCES' && code !== 'EROFS') throw error;
    const why =
      code === 'EEXIST' ? 'is an existing file, not a folder' : code === 'ENOTDIR' ? 'is inside a path that is a file, not a folder' : 'cannot be created here (no permission)';
    throw new DistilleryError('E_CONFIG', `--out ${directory}: ${why}; give a folder (it is created if missing)`, { details: { field: 'out', directory } });
  }
}

/**
 * Every run folder keeps the resolved config (defaults and flags applied), to repeat it exactly:
 * with its `baseDir` absolute, so the copy's relative paths (a plugin `./my-data.mjs`, a CSV file)
 * still name the same files when it is read from the run folder or from anywhere else.
 */
export async function writeResolvedConfig(directory: string, config: DistilleryConfig, baseDir: string): Promise<string> {
  await createOutDirectory(directory);
  const path = join(directory, 'config.resolved.json');
  // The config's own baseDir (relative to its file) gives way to the absolute one it stood for.
  await writeFile(path, `${JSON.stringify({ ...config, baseDir }, null, 2)}\n`);
  return path;
}

/**
 * Ctrl-C stops cleanly: the first one aborts (running work finishes and is kept), a second one
 * exits — once the worker pools have stopped between batches: exiting while a worker is inside
 * onnxruntime would abort the process. Returns the signal and a function that removes the handler.
 */
export function interruptSignal(progress: ProgressView, resumeHint: string): { signal: AbortSignal; release: () => void } {
  const controller = new AbortController();
  const onInterrupt = () => {
    if (controller.signal.aborted) {
      void stopRunnerPools().finally(() => process.exit(130));
      return;
    }
    progress.note(`\nstopping: finishing the work in progress (Ctrl-C again to quit at once). ${resumeHint}`);
    controller.abort();
  };
  process.on('SIGINT', onInterrupt);
  return { signal: controller.signal, release: () => process.off('SIGINT', onInterrupt) };
}

/** The overrides the common flags make to a config. */
export function commonOverrides(flags: CommonFlags): Record<string, unknown> {
  return { seed: flags.seed, backend: flags.backend, workers: flags.workers };
}
