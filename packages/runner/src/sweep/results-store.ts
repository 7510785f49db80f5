import { DistilleryError, type DistilleryErrorJSON } from '@distillery/core';
import { appendFile, mkdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { diffPaths } from '../run/folder-record.js';
import type { TrialEpoch } from '../trial/trial-spec.js';

export type TrialRecord =
  | {
      readonly id: string;
      readonly params: Readonly<Record<string, unknown>>;
      readonly seed: number;
      readonly status: 'ok';
      readonly best: TrialEpoch;
      readonly last: TrialEpoch;
      readonly epochs: readonly TrialEpoch[];
      readonly elapsedMs: number;
      readonly finishedAt: string;
    }
  | {
      readonly id: string;
      readonly params: Readonly<Record<string, unknown>>;
      readonly seed: number;
      readonly status: 'failed';
      readonly error: DistilleryErrorJSON;
      readonly finishedAt: string;
    };

/**
 * A sweep's folder: `sweep.json` (what the sweep is) and `trials.jsonl` (one line per finished
 * trial, appended the moment it finishes). Re-opening the folder for the same sweep resumes it.
 */
export class SweepResultsStore {
  readonly trialsFile: string;
  readonly definitionFile: string;
  /** Set when the file ends mid-line (a crash during a write): the next append starts a new line. */
  private endsMidLine = false;

  constructor(readonly directory: string) {
    this.trialsFile = join(directory, 'trials.jsonl');
    this.definitionFile = join(directory, 'sweep.json');
  }

  /** Creates the folder, or checks that it holds this very sweep. */
  async open(definition: object): Promise<void> {
    await mkdir(this.directory, { recursive: true });
    const text = JSON.stringify(definition, null, 2);
    const existing = await readFile(this.definitionFile, 'utf8').catch(() => undefined);
    if (existing === undefined) {
      await writeFile(this.definitionFile, `${text}\n`);
    } else if (existing.trim() !== text) {
      let differences: string[];
      try {
        differences = diffPaths('sweep', JSON.parse(existing), definition);
      } catch {
        differences = ['its sweep.json is not valid JSON'];
      }
      throw new DistilleryError(
        'E_CONFIG',
        `${this.directory} holds a different sweep: ${differences.slice(0, 6).join('; ')}${differences.length > 6 ? `; and ${differences.length - 6} more` : ''}. ` +
          `Its trials belong to those settings: use another folder, or delete it to start over`,
        { details: { differences } },
      );
    }
  }

  /** The latest record of each trial; a line cut short by a crash is skipped. */
  async read(): Promise<{ records: Map<string, TrialRecord>; unreadableLines: number }> {
    const text = await readFile(this.trialsFile, 'utf8').catch(() => '');
    const records = new Map<string, TrialRecord>();
    let unreadableLines = 0;
    this.endsMidLine = text.length > 0 && !text.endsWith('\n');
    for (const line of text.split('\n')) {
      if (line.trim() === '') continue;
      try {
        const record = JSON.parse(line) as TrialRecord;
        records.set(record.id, record);
      } catch {
        unreadableLines += 1;
      }
    }
    return { records, unreadableLines };
  }

  async append(record: TrialRecord): Promise<void> {
    // One append per record: a crash loses at most the line being written, never earlier ones.
    const prefix = this.endsMidLine ? '\n' : '';
    this.endsMidLine = false;
    await appendFile(this.trialsFile, `${prefix}${JSON.stringify(record)}\n`);
  }
}
