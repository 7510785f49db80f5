import type { RunReportData } from './report-data.js';

/** The three trainings of a run, in the order every table and plot shows them. */
export const RUN_MODELS = [
  { key: 'teacher', label: 'teacher', color: '#4c78a8' },
  { key: 'studentAlone', label: 'student alone', color: '#f58518' },
  { key: 'studentKd', label: 'student + kd', color: '#54a24b' },
] as const satisfies readonly { key: keyof RunReportData['speed']; label: string; color: string }[];

/** One colour per model across plots, so the eye links the same model in each; legends list only `present`. */
export function modelColorScale(present: ReadonlySet<string> = new Set(RUN_MODELS.map((m) => m.label))) {
  const models = RUN_MODELS.filter((m) => present.has(m.label));
  return { domain: models.map((m) => m.label), range: models.map((m) => m.color) };
}
