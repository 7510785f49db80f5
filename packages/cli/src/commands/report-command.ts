import { DistilleryError } from '@distillery/core';
import { FOLDER_RECORD } from '@distillery/runner';
import { access, readFile, stat } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import type { RunReportData } from '../report/report-data.js';
import { writeReport } from '../report/index.js';
import { sweepReportData } from './sweep-report-data.js';

/** `distillery report <dir>`: rebuilds report.md/html and plots of a run or (interrupted) sweep folder. */
export async function reportCommand(dir: string): Promise<{ directory: string; kind: 'run' | 'sweep'; files: string[] }> {
  const directory = resolve(dir);
  const exists = (file: string) => access(join(directory, file)).then(() => true, () => false);
  if (await exists('run.json')) {
    const data = JSON.parse(await readFile(join(directory, 'run.json'), 'utf8')) as RunReportData;
    return { directory, kind: 'run', files: (await writeReport(directory, data)).files };
  }
  if (await exists('sweep.json')) {
    return { directory, kind: 'sweep', files: (await writeReport(directory, await sweepReportData(directory))).files };
  }
  throw new DistilleryError('E_CONFIG', await whyNoReport(directory));
}

/** Why a folder has nothing to report, from what it is: missing, a label folder, a run not finished. */
async function whyNoReport(directory: string): Promise<string> {
  const stats = await stat(directory).catch(() => undefined);
  if (stats === undefined) return `${directory} does not exist: give a run or sweep folder (--out of distillery run or sweep)`;
  if (!stats.isDirectory()) return `${directory} is a file: give a run or sweep folder (--out of distillery run or sweep)`;
  const record = await readFile(join(directory, FOLDER_RECORD), 'utf8').then((text) => JSON.parse(text) as { kind?: unknown }, () => undefined);
  if (record?.kind === 'label') return `${directory} is a label folder: label writes no report (its labels.json says what it computed); report rebuilds a run or sweep folder`;
  if (record?.kind === 'run') return `${directory} holds a run that has not finished (no run.json yet): run the same command again to finish it, which writes its report`;
  return `${directory} holds neither a run (run.json) nor a sweep (sweep.json)`;
}
