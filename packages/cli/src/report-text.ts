import type { DistillReport } from '@distillery/runner';

const percent = (x: number) => `${(100 * x).toFixed(2)}%`;

/** Share of the student-alone → teacher accuracy gap that distillation closes. */
export function gapClosed(report: DistillReport): number | undefined {
  const gap = report.teacher.accuracy - report.studentAlone.accuracy;
  return gap > 0 ? (report.studentKd.accuracy - report.studentAlone.accuracy) / gap : undefined;
}

/** The short plain-text report printed at the end of a run. */
export function formatReport(report: DistillReport, backend: string): string {
  const s = report.settings;
  const rows = [
    ['teacher', report.teacher],
    ['student alone', report.studentAlone],
    ['student + kd', report.studentKd],
  ] as const;
  const lines = [
    `dataset ${s.dataset}: ${s.labelled} labelled, ${s.transfer} transfer, ${s.test} test · ` +
      `loss ce + ${s.lambda}·${s.distillationLoss} (T=${s.temperature}) · seed ${s.seed} · backend ${backend}`,
    '',
    `  ${'model'.padEnd(15)}${'params'.padStart(12)}${'test acc'.padStart(11)}`,
    ...rows.map(([label, m]) => `  ${label.padEnd(15)}${m.params.toLocaleString('en-US').padStart(12)}${percent(m.accuracy).padStart(11)}`),
    '',
  ];
  const closed = gapClosed(report);
  if (closed !== undefined) lines.push(`distillation closes ${(100 * closed).toFixed(0)}% of the student-alone → teacher gap`);
  return lines.join('\n');
}
