import { gapClosed, objectiveFormula, weakTeacherText } from '../report-text.js';

const capitalised = (text: string) => text.charAt(0).toUpperCase() + text.slice(1);
import { duration, integer, percent, sameSpeed, speedText } from './format.js';
import { RUN_MODELS } from './model-names.js';
import type { ReportBlock } from './report-document.js';
import type { RunReportData } from './report-data.js';
import { learningCurvesPlot, modelComparisonPlot } from './run-plots.js';
import { classReportBlocks } from './class-report.js';

const PHASES = [
  ['teacher', 'teacher (training or loading)'],
  ['soft-labels', "teacher's logits on the transfer set"],
  ['student-alone', 'student alone'],
  ['student-kd', 'student + kd'],
] as const;

/**
 * How the speeds were measured, and what the two students' speeds mean: they share one
 * architecture, so a gap between their medians is the machine, not the models.
 */
export function speedParagraph(data: RunReportData): string {
  const { passes } = data.speed.teacher;
  const how =
    passes === undefined
      ? 'Inference speeds are single measurements, rounded to 2 significant digits.'
      : `Inference speeds are the median of ${passes} timed passes per model, the models taking turns, with the slowest–fastest pass in brackets, rounded to 2 significant digits.`;
  const { studentAlone: alone, studentKd: kd } = data.report;
  if (alone.name !== kd.name || alone.params !== kd.params) return how;
  const same = sameSpeed(data.speed.studentAlone, data.speed.studentKd)
    ? 'their speeds are the same within the timing noise.'
    : "they do the same work per example, so the gap between their speeds is the machine's load changing during the measurement, not a difference between the models.";
  return `${how} The two students share one architecture (${alone.name}): ${same}`;
}

/** The report of one run: the three models compared, their learning curves, how long each phase took. */
export function runReportBlocks(data: RunReportData): ReportBlock[] {
  const { report } = data;
  const s = report.settings;
  const closed = gapClosed(report);
  const loss =
    objectiveFormula(s, true) +
    (s.onlineTeacher === true ? ', the teacher run online on each of its batches' : '') +
    (s.augmentation === undefined ? '' : `; both students' labelled inputs are augmented with ${s.augmentation}`);
  return [
    { kind: 'heading', level: 1, text: data.title },
    { kind: 'paragraph', text: `Run of ${data.createdAt} on the ${data.backend} backend, seed ${s.seed}.` },
    {
      kind: 'paragraph',
      text:
        `Dataset ${s.dataset}: ${integer(s.labelled)} labelled, ${integer(s.transfer)} transfer, ${integer(s.validation)} validation and ` +
        `${integer(s.test)} test examples. The distilled student trains on ${loss}; both students take the same number of steps.`,
    },
    { kind: 'heading', level: 2, text: 'Results' },
    {
      kind: 'table',
      header: ['model', 'architecture', 'parameters', 'test accuracy', 'test loss', 'inference (samples/s)'],
      align: ['left', 'left', 'right', 'right', 'right', 'right'],
      rows: RUN_MODELS.map((m) => [
        m.label,
        report[m.key].name,
        integer(report[m.key].params),
        percent(report[m.key].accuracy),
        report[m.key].loss.toFixed(4),
        speedText(data.speed[m.key]),
      ]),
    },
    { kind: 'paragraph', text: speedParagraph(data) },
    {
      kind: 'paragraph',
      text:
        closed === undefined
          ? `${capitalised(weakTeacherText(report)!)}.`
          : `Distillation closes ${(100 * closed).toFixed(0)}% of the student-alone → teacher accuracy gap.`,
    },
    { kind: 'plot', plot: modelComparisonPlot(data) },
    ...classReportBlocks(data),
    { kind: 'heading', level: 2, text: 'Learning curves' },
    ...(data.histories.teacher === undefined || data.histories.teacher.length === 0
      ? [{ kind: 'paragraph', text: 'The teacher was loaded, not trained: it has no learning curve.' } as const]
      : []),
    { kind: 'plot', plot: learningCurvesPlot(data) },
    { kind: 'heading', level: 2, text: 'Time' },
    {
      kind: 'table',
      header: ['phase', 'time'],
      align: ['left', 'right'],
      rows: PHASES.map(([phase, label]) => [label, duration(report.timingsMs[phase])]),
    },
    { kind: 'heading', level: 2, text: 'Config' },
    { kind: 'paragraph', text: 'The resolved config of this run: run it again to repeat the run exactly.' },
    { kind: 'code', language: 'json', text: JSON.stringify(data.config, null, 2) },
  ];
}
