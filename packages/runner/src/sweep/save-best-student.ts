import { DistilleryError, createServiceContainer, pluginServices, selectionScore, type PluginRegistry, type SelectionMetric } from '@distillery/core';
import { existsSync } from 'node:fs';
import { readFile, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { trialTask, type TrialData } from '../executor/pool-executor.js';
import { runTrial } from '../trial/run-trial.js';
import type { TrialEpoch } from '../trial/trial-spec.js';
import type { TrialRecord } from './results-store.js';
import type { PlannedTrial } from './sweep-plan.js';
import type { SweepSummary } from './summarize.js';

/** What `best-student.json` says about the student saved beside it. */
export interface BestStudent {
  /** The saved model's folder (`<sweep>/best-student`): `distillery eval` and `export` take it. */
  readonly directory: string;
  /** The trial it is: the best combination's seed with the best validation score. */
  readonly trial: string;
  readonly params: Readonly<Record<string, unknown>>;
  readonly seed: number;
  /** 1-based: the weights are those after this epoch, the one the trial chose on validation. */
  readonly epoch: number;
  readonly validationAccuracy?: number;
  /** Reported only: selection never looks at it. */
  readonly testAccuracy: number;
}

const FOLDER = 'best-student';
const RECORD = 'best-student.json';

/**
 * Saves the sweep's best student: the validation-chosen combination's best seed, retrained in
 * this thread up to the epoch it chose (training is deterministic for a seed, so these are that
 * trial's weights at that epoch; the retrained numbers are checked against the recorded ones).
 * A folder that already holds this trial's student is kept (a resumed sweep that changed nothing).
 */
export async function saveBestStudent(
  directory: string,
  summary: SweepSummary,
  records: readonly TrialRecord[],
  planned: readonly PlannedTrial[],
  data: TrialData,
  registry: PluginRegistry,
): Promise<BestStudent | undefined> {
  const chosen = bestTrial(summary, records);
  if (chosen === undefined) return undefined;
  const trial = planned.find((t) => t.id === chosen.id);
  if (trial === undefined) return undefined;
  const best: BestStudent = {
    directory: join(directory, FOLDER),
    trial: chosen.id,
    params: chosen.params,
    seed: chosen.seed,
    epoch: chosen.best.epoch + 1,
    ...(chosen.best.validationAccuracy === undefined ? {} : { validationAccuracy: chosen.best.validationAccuracy }),
    testAccuracy: chosen.best.testAccuracy,
  };
  const recordFile = join(directory, RECORD);
  const saved = await readBestStudent(directory);
  if (saved?.trial === best.trial && saved.epoch === best.epoch) return best;
  await rm(best.directory, { recursive: true, force: true });
  let done = 0;
  const rerun = await runTrial(trialTask(trial, data), registry, { services: pluginServices(createServiceContainer()) }, {
    onEpoch: () => (done += 1),
    shouldStop: () => done >= best.epoch,
    onTrained: (student) => student.save(best.directory),
  });
  const last = rerun.last;
  if (last.testAccuracy !== best.testAccuracy || last.validationAccuracy !== best.validationAccuracy) {
    // Not the recorded trial's weights: say so rather than save a student the table does not describe.
    await rm(best.directory, { recursive: true, force: true });
    throw new DistilleryError('E_INTERNAL', `best student: retraining trial ${best.trial} gave test accuracy ${last.testAccuracy} at epoch ${best.epoch}, the sweep recorded ${best.testAccuracy}`);
  }
  await writeFile(recordFile, `${JSON.stringify({ ...best, directory: FOLDER }, null, 2)}\n`);
  return best;
}

/** The saved best student's record (`best-student.json` beside `best-student/`), or undefined when either is missing or unreadable. */
export async function readBestStudent(directory: string): Promise<BestStudent | undefined> {
  if (!existsSync(join(directory, FOLDER, 'model.json'))) return undefined;
  const text = await readFile(join(directory, RECORD), 'utf8').catch(() => undefined);
  try {
    const saved = text === undefined ? undefined : (JSON.parse(text) as Partial<BestStudent>);
    if (typeof saved?.seed !== 'number' || typeof saved.epoch !== 'number' || typeof saved.trial !== 'string') return undefined;
    return { ...(saved as BestStudent), directory: join(directory, FOLDER) };
  } catch {
    return undefined;
  }
}

/** The best combination's trial whose chosen epoch scores best on validation. */
function bestTrial(summary: SweepSummary, records: readonly TrialRecord[]): (TrialRecord & { status: 'ok' }) | undefined {
  if (summary.best === undefined) return undefined;
  const key = JSON.stringify(summary.best.params);
  const on: SelectionMetric = summary.selectOn ?? 'accuracy';
  const score = (e: TrialEpoch) => selectionScore(e.validationScores ?? { accuracy: e.validationAccuracy ?? -Infinity }, on) ?? -Infinity;
  return records
    .filter((r): r is TrialRecord & { status: 'ok' } => r.status === 'ok' && JSON.stringify(r.params) === key)
    .reduce<(TrialRecord & { status: 'ok' }) | undefined>((a, r) => (a === undefined || score(r.best) > score(a.best) ? r : a), undefined);
}
