import { stopRunnerPools } from '@distillery/runner';
import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { DistilleryConfig } from '../config/config-schema.js';
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
}

export function progressFor(flags: CommonFlags): ProgressView {
  return createProgressView(progressMode(flags));
}

/** A fresh run folder name: runs/<name>-2026-11-28T15-04-05-123Z. */
export function defaultOutDirectory(name: string, kind: string, now = new Date()): string {
  return join('runs', `${name}-${kind}-${now.toISOString().replace(/[:.]/g, '-')}`);
}

/** Every run folder keeps the resolved config (defaults and flags applied), to repeat it exactly. */
export async function writeResolvedConfig(directory: string, config: DistilleryConfig): Promise<string> {
  await mkdir(directory, { recursive: true });
  const path = join(directory, 'config.resolved.json');
  await writeFile(path, `${JSON.stringify(config, null, 2)}\n`);
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
