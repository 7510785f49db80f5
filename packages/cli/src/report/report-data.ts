import type { EpochRecord } from '@distillery/core';
import type { DistillReport, SweepSummary, TrialRecord } from '@distillery/runner';

/** Inference speed of a model on the test set, measured by the command that trained it. */
export interface ModelSpeed {
  /** Examples per second, forward pass only, batch 512, on the run's backend: the median pass. */
  readonly samplesPerSecond: number;
  /** Slowest and fastest pass (examples per second): the timing noise. Absent in run.json files written before it was measured. */
  readonly range?: readonly [number, number];
  /** Timed passes the median is taken over. */
  readonly passes?: number;
}

/** Everything a run's report is drawn from; saved as run.json so `distillery report` can rebuild it. */
export interface RunReportData {
  readonly kind: 'run';
  readonly title: string;
  readonly createdAt: string;
  readonly backend: string;
  /** The resolved config the run used (to repeat it exactly). */
  readonly config: unknown;
  readonly report: DistillReport;
  /** Learning curves: per-epoch records of each training (no teacher entry when it was loaded). */
  readonly histories: { readonly teacher?: readonly EpochRecord[]; readonly studentAlone: readonly EpochRecord[]; readonly studentKd: readonly EpochRecord[] };
  readonly speed: { readonly teacher: ModelSpeed; readonly studentAlone: ModelSpeed; readonly studentKd: ModelSpeed };
}

/** Everything a sweep's report is drawn from (rebuilt from sweep.json + trials.jsonl). */
export interface SweepReportData {
  readonly kind: 'sweep';
  readonly title: string;
  readonly createdAt: string;
  /** The grid: option path → values (λ and T when present drive the heatmap). */
  readonly grid: Readonly<Record<string, readonly unknown[]>>;
  readonly seeds: readonly number[];
  readonly summary: SweepSummary;
  readonly records: readonly TrialRecord[];
  /** Trials planned but not finished (an interrupted sweep): the report says so. */
  readonly pending: number;
  /** The saved best student (`best-student/`, from `best-student.json`), when the sweep saved one. */
  readonly bestStudent?: { readonly seed: number; readonly epoch: number; readonly validationAccuracy?: number };
}

export type ReportData = RunReportData | SweepReportData;
