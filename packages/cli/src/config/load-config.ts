import { DistilleryError } from '@distillery/core';
import { readFile } from 'node:fs/promises';
import { dirname, resolve } from 'node:path';
import { parse as parseYaml, YAMLParseError } from 'yaml';
import { parseWith } from '@distillery/runner';
import { configSchema, type DistilleryConfig } from './config-schema.js';

export interface LoadedConfig {
  /** Absolute path of the config file. */
  readonly path: string;
  /** Where relative paths in the config (plugins, directories) are resolved: its `baseDir`, else its folder. */
  readonly directory: string;
  readonly config: DistilleryConfig;
}

/** Reads a YAML or JSON config and validates it; every problem is named with its path. */
export async function loadConfig(file: string, overrides: ConfigOverrides = {}): Promise<LoadedConfig> {
  const path = resolve(file);
  const text = await readFile(path, 'utf8').catch((error: NodeJS.ErrnoException) => {
    throw new DistilleryError('E_CONFIG', `config file ${file} cannot be read (${error.code ?? error.message})`);
  });
  let raw: unknown;
  try {
    raw = parseYaml(text); // YAML is a superset of JSON: one parser for both
  } catch (error) {
    const where = error instanceof YAMLParseError && error.linePos !== undefined ? ` at line ${error.linePos[0].line}` : '';
    throw new DistilleryError('E_CONFIG', `${file}: not valid YAML or JSON${where}: ${(error as Error).message.split('\n')[0]}`);
  }
  const config = parseConfig(applyOverrides(raw, overrides), file);
  return { path, directory: resolve(dirname(path), config.baseDir ?? '.'), config };
}

/**
 * Command-line flags that replace config values: `--seed 3` is `seed: 3`, validated the same
 * way. A path set to `REMOVE` is taken out of the config.
 */
export type ConfigOverrides = Readonly<Record<string, unknown>>;

/** An override's value that removes its path from the config (`--teacher` removes `teacher.train`). */
export const REMOVE: unique symbol = Symbol('remove');

function applyOverrides(raw: unknown, overrides: ConfigOverrides): unknown {
  if (raw === null || typeof raw !== 'object' || Array.isArray(raw)) return raw;
  let out = raw as Record<string, unknown>;
  for (const [path, value] of Object.entries(overrides)) {
    if (value === undefined) continue;
    out = setPath(out, path.split('.'), value);
  }
  return out;
}

function setPath(target: Record<string, unknown>, path: string[], value: unknown): Record<string, unknown> {
  const [head, ...rest] = path as [string, ...string[]];
  if (rest.length === 0) {
    if (value !== REMOVE) return { ...target, [head]: value };
    return Object.fromEntries(Object.entries(target).filter(([key]) => key !== head));
  }
  const child = target[head];
  return { ...target, [head]: setPath(child !== null && typeof child === 'object' ? (child as Record<string, unknown>) : {}, rest, value) };
}

export function parseConfig(raw: unknown, source: string): DistilleryConfig {
  return parseWith(configSchema, raw, source);
}
