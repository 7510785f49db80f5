import { DistilleryError } from '@distillery/core';
import { readFile } from 'node:fs/promises';
import { dirname, join, resolve } from 'node:path';

/** The dataset a run trained on, as its folder records it (config.resolved.json beside the model folder). */
export interface RecordedDataset {
  /** Absent when the record names none (the caller asks for --data when it needs one). */
  readonly dataset?: string;
  readonly options: Record<string, unknown>;
  /** Plugin modules the run loaded (a third-party dataset comes from one of them). */
  readonly plugins: string[];
  /** Where the run's relative paths were resolved (its config's baseDir); absent in folders written before it was recorded. */
  readonly baseDir?: string;
  readonly file: string;
}

/**
 * `distillery eval runs/x/student` without --data: the run folder (the model folder's parent,
 * or the folder itself) holds config.resolved.json, whose `data` names the dataset plugin and
 * its options, and `plugins` and `baseDir` where a third-party dataset comes from. Undefined
 * when there is none: the caller then asks for --data.
 */
export async function recordedDataset(modelDir: string): Promise<RecordedDataset | undefined> {
  for (const folder of [dirname(resolve(modelDir)), resolve(modelDir)]) {
    const file = join(folder, 'config.resolved.json');
    const text = await readFile(file, 'utf8').catch(() => undefined);
    if (text === undefined) continue;
    let config: { data?: { dataset?: unknown; options?: unknown }; plugins?: unknown; baseDir?: unknown };
    try {
      config = JSON.parse(text) as typeof config;
    } catch (error) {
      throw new DistilleryError('E_CONFIG', `${file} is not valid JSON (${(error as Error).message}); pass the dataset with --data`);
    }
    const options = typeof config.data?.options === 'object' && config.data.options !== null ? (config.data.options as Record<string, unknown>) : {};
    const plugins = Array.isArray(config.plugins) ? config.plugins.filter((p): p is string => typeof p === 'string') : [];
    const baseDir = typeof config.baseDir === 'string' ? { baseDir: config.baseDir } : {};
    const dataset = typeof config.data?.dataset === 'string' ? { dataset: config.data.dataset } : {};
    return { ...dataset, options, plugins, ...baseDir, file };
  }
  return undefined;
}
