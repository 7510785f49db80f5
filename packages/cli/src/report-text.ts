import type { DistillReport } from '@distillery/runner';

const percent = (x: number) => `${(100 * x).toFixed(2)}%`;

/** Share of the student-alone → teacher accuracy gap that distillation closes. */
export function gapClosed(report: DistillReport): number | undefined {
  const gap = report.teacher.accuracy - report.studentAlone.accuracy;
  return gap > 0 ? (report.studentKd.accuracy - report.studentAlone.accuracy) / gap : undefined;
}

type RunSettings = DistillReport['settings'];

/**
 * When the teacher is not ahead of the student alone, what to make of it (undefined when it is):
 * its soft labels then carry its errors, and a run that "distils" tells the user little. A
 * teacher whose defaults do not suit the data (too few epochs, too small) is the usual cause.
 */
export function weakTeacherText(report: DistillReport): string | undefined {
  const { teacher, studentAlone } = report;
  if (teacher.accuracy > studentAlone.accuracy) return undefined;
  const relation = teacher.accuracy === studentAlone.accuracy ? 'no better than' : 'below';
  return (
    `the teacher (${percent(teacher.accuracy)}) scores ${relation} the student alone (${percent(studentAlone.accuracy)}): ` +
    'its soft labels carry its mistakes, so there is no gap for distillation to close. A teacher trained longer or larger (teacher.train, teacher.options) has more to teach'
  );
}

/**
 * The distilled student's objective as a formula — `ce + 1·kd (T=4) + at(conv2d_2→conv2d_2)`, the
 * convex form as `(1 − λ)·ce + λ·kd`. `spaced` writes `T = 4`, as prose does.
 */
export function objectiveFormula(s: RunSettings, spaced = false): string {
  const t = spaced ? `T = ${s.temperature}` : `T=${s.temperature}`;
  const ce = s.form === 'convex' ? `(1 − ${s.lambda})·ce` : 'ce';
  return [`${ce} + ${s.lambda}·${s.distillationLoss} (${t})`, ...(s.features ?? [])].join(' + ');
}

/** The short plain-text report printed at the end of a run. */
export function formatReport(report: DistillReport, backend: string): string {
  const s = report.settings;
  const rows = [
    ['teacher', report.teacher],
    ['student alone', report.studentAlone],
    ['student + kd', report.studentKd],
  ] as const;
  const cached = s.softLabelCache === 'hit' ? ['soft labels from the cache'] : s.softLabelCache === 'partial' ? ['soft labels partly from the cache'] : [];
  const extras = [...(s.augmentation === undefined ? [] : [`augmentation ${s.augmentation}`]), ...(s.onlineTeacher === true ? ['teacher online'] : []), ...cached];
  const lines = [
    `dataset ${s.dataset}: ${s.labelled} labelled, ${s.transfer} transfer, ${s.test} test · ` +
      [`loss ${objectiveFormula(s)}`, ...extras, `seed ${s.seed}`, `backend ${backend}`].join(' · '),
    '',
    `  ${'model'.padEnd(15)}${'params'.padStart(12)}${'test acc'.padStart(11)}`,
    ...rows.map(([label, m]) => `  ${label.padEnd(15)}${m.params.toLocaleString('en-US').padStart(12)}${percent(m.accuracy).padStart(11)}`),
    '',
  ];
  const closed = gapClosed(report);
  if (closed !== undefined) lines.push(`distillation closes ${(100 * closed).toFixed(0)}% of the student-alone → teacher gap`);
  else lines.push(weakTeacherText(report)!);
  return lines.join('\n');
}
