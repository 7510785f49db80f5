import { DistilleryError, type DistilleryErrorJSON } from '@distillery/core';
import { appendFile, mkdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { writeAtomically } from '../fs/write-atomically.js';
import { EXTEND_HINT, sweepDifferences } from '../run/folder-record.js';
import type { TrialEpoch } from '../trial/trial-spec.js';

/**
 * How a trial ended. `ok`: it ran its epochs. `pruned`: stopped early by the sweep's pruner
 * (kept, with its epochs, and not run again). `timed-out`: stopped at the sweep's time limit.
 * `diverged`: its loss went non-finite or exploded (E_DIVERGED), or it ended at chance with a
 * loss that grew — a learning-rate or loss problem, not a result. `failed`: any other error
 * (retried by the next run of the sweep).
 */
export type TrialStatus = 'ok' | 'pruned' | 'timed-out' | 'diverged' | 'failed';

interface TrialRecordBase {
  readonly id: string;
  readonly params: Readonly<Record<string, unknown>>;
  readonly seed: number;
  readonly finishedAt: string;
  /** Set when the first attempt's worker died (exit, out of memory, crash) and this is the second attempt. */
  readonly retried?: boolean;
}

export type TrialRecord =
  | (TrialRecordBase & {
      readonly status: 'ok';
      readonly best: TrialEpoch;
      readonly last: TrialEpoch;
      readonly epochs: readonly TrialEpoch[];
      readonly elapsedMs: number;
    })
  | (TrialRecordBase & {
      readonly status: 'pruned' | 'timed-out';
      /** Why (the pruner's rule, the limit), in words. */
      readonly reason: string;
      /** Epochs it finished (1-based count) when it was stopped. */
      readonly stoppedAtEpoch: number;
      readonly epochs: readonly TrialEpoch[];
      readonly best?: TrialEpoch;
      readonly last?: TrialEpoch;
      readonly elapsedMs: number;
    })
  | (TrialRecordBase & {
      readonly status: 'failed' | 'diverged';
      /** The error in words (records written before trial states had only `error`). */
      readonly reason?: string;
      readonly error: DistilleryErrorJSON;
      readonly stoppedAtEpoch?: number;
      /** Epochs reported before it ended, when any were. */
      readonly epochs?: readonly TrialEpoch[];
    });

/** Statuses a resumed sweep does not run again: their outcome would be the same. `failed` is retried. */
export const SETTLED_STATUSES: ReadonlySet<TrialStatus> = new Set(['ok', 'pruned', 'timed-out', 'diverged']);

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

  /**
   * Creates the folder, or checks that it holds this very sweep, or one this sweep extends (see
   * sweepDifferences): then `extended` is the definition the folder held.
   */
  async open(definition: object): Promise<{ readonly extended?: object }> {
    await mkdir(this.directory, { recursive: true });
    const text = JSON.stringify(definition, null, 2);
    const existing = await readFile(this.definitionFile, 'utf8').catch(() => undefined);
    const changed = existing !== undefined && existing.trim() !== text;
    let extended: object | undefined;
    if (changed) {
      let differences: string[];
      try {
        extended = JSON.parse(existing) as object;
        differences = sweepDifferences('sweep', extended, definition);
      } catch {
        differences = ['its sweep.json is not valid JSON'];
      }
      if (differences.length > 0) {
        throw new DistilleryError(
          'E_CONFIG',
          `${this.directory} holds a different sweep: ${differences.slice(0, 6).join('; ')}${differences.length > 6 ? `; and ${differences.length - 6} more` : ''}. ` +
            `Its trials belong to those settings: use another folder, or delete it to start over (${EXTEND_HINT})`,
          { details: { differences } },
        );
      }
    }
    // New, or extended (more grid values or seeds): the folder now describes the sweep as it is.
    // Written whole or not at all: a crash mid-write must not leave a folder no sweep can open.
    if (existing === undefined || changed) await writeAtomically(this.definitionFile, `${text}\n`);
    return extended === undefined ? {} : { extended };
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
    try {
      await appendFile(this.trialsFile, `${prefix}${JSON.stringify(record)}\n`);
    } catch (error) {
      const why = (error as NodeJS.ErrnoException).code ?? (error instanceof Error ? error.message : String(error));
      throw new DistilleryError(
        'E_IO',
        `trial ${record.id} finished but could not be recorded in ${this.trialsFile} ` +
          (why === 'ENOENT'
            ? '(ENOENT: the sweep folder was removed while the sweep ran); the sweep stopped. Run it again to start over'
            : `(${why}); the sweep stopped. Trials recorded before it are kept there; once the file can be written, run the sweep again to go on`),
        { details: { file: this.trialsFile, trial: record.id } },
      );
    }
  }
}
