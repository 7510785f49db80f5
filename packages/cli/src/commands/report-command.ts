import { DistilleryError } from '@distillery/core';
import { access, readFile } from 'node:fs/promises';
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
  throw new DistilleryError('E_CONFIG', `${directory} holds neither a run (run.json) nor a sweep (sweep.json)`);
}
