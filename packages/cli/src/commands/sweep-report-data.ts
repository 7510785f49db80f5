import { DistilleryError } from '@distillery/core';
import { SweepResultsStore, planSweep, readBestStudent, summarizeTrials, type SearchStrategy, type SweepGrid, type TrialRecord, type TrialSpec } from '@distillery/runner';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { SweepReportData } from '../report/report-data.js';

/** Rebuilds a sweep's report data from its folder (sweep.json + trials.jsonl), finished or not. */
export async function sweepReportData(directory: string, title?: string): Promise<SweepReportData> {
  const store = new SweepResultsStore(directory);
  const text = await readFile(store.definitionFile, 'utf8').catch(() => undefined);
  if (text === undefined) throw new DistilleryError('E_CONFIG', `${directory} is not a sweep folder (no sweep.json)`);
  const definition = JSON.parse(text) as { base: TrialSpec; grid: SweepGrid; seeds: number[]; search: SearchStrategy };
  const planned = planSweep(definition.base, definition.grid, definition.seeds, definition.search);
  const { records } = await store.read();
  const done = planned.map((t) => records.get(t.id)).filter((r): r is TrialRecord => r !== undefined);
  return {
    kind: 'sweep',
    title: title ?? (await defaultTitle(directory)),
    createdAt: new Date().toISOString(),
    grid: listedGrid(definition.grid, planned),
    seeds: definition.seeds,
    summary: summarizeTrials(done, definition.base.data.selectOn),
    records: done,
    pending: planned.length - done.length,
    ...(await savedBestStudent(directory)),
  };
}

/**
 * `<config name>: sweep on <dataset>`, from the folder's config.resolved.json — the same when the
 * sweep writes its report and when `distillery report` rebuilds it; the folder where there is none
 * (a folder of an older version).
 */
async function defaultTitle(directory: string): Promise<string> {
  const config = await readFile(join(directory, 'config.resolved.json'), 'utf8').then((t) => JSON.parse(t) as { name?: unknown; data?: { dataset?: unknown } }, () => undefined);
  const name = config?.name;
  const dataset = config?.data?.dataset;
  if (typeof name !== 'string') return `sweep in ${directory}`;
  return typeof dataset === 'string' ? `${name}: sweep on ${dataset}` : `${name}: sweep`;
}

/** The saved best student as the report shows it; nothing when the sweep saved none. */
async function savedBestStudent(directory: string): Promise<Pick<SweepReportData, 'bestStudent'>> {
  const saved = await readBestStudent(directory);
  if (saved === undefined) return {};
  return { bestStudent: { seed: saved.seed, epoch: saved.epoch, ...(saved.validationAccuracy === undefined ? {} : { validationAccuracy: saved.validationAccuracy }) } };
}

/** The report lists values per key: a random-search range becomes the values its trials drew. */
function listedGrid(grid: SweepGrid, planned: ReadonlyArray<{ readonly params: Readonly<Record<string, unknown>> }>): Record<string, readonly unknown[]> {
  return Object.fromEntries(
    Object.entries(grid).map(([key, values]) => [
      key,
      Array.isArray(values) ? values : [...new Set(planned.map((t) => t.params[key]))].sort((a, b) => (typeof a === 'number' && typeof b === 'number' ? a - b : 0)),
    ]),
  );
}
