import { classificationMetrics } from '@distillery/core';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { writeReport, type RunReportData } from '../src/report/index.js';
import { formatSweepTerminal } from '../src/report/sweep-terminal.js';
import { summarizeTrials, type TrialRecord } from '@distillery/runner';
import { runFixture } from './run-report-fixture.js';

let dir = '';
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'distillery-class-report-'));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

/** Metrics of predictions `predicted` for `labels` (one-hot logits). */
function metricsOf(labels: number[], predicted: number[]) {
  const logits = predicted.flatMap((p) => [0, 1].map((c) => (c === p ? 3 : 0)));
  return classificationMetrics({ logits, labels, numClasses: 2 });
}

describe('run report: classes and calibration', () => {
  it('adds macro-F1, balanced accuracy, ECE, per-class recall/precision and the confusion matrices', async () => {
    // 8 common, 2 rare test examples; the student alone never predicts the rare class.
    const labels = [0, 0, 0, 0, 0, 0, 0, 0, 1, 1];
    const teacher = metricsOf(labels, [0, 0, 0, 0, 0, 0, 0, 1, 1, 1]);
    const alone = metricsOf(labels, new Array(10).fill(0));
    const kd = metricsOf(labels, [0, 0, 0, 0, 0, 0, 0, 0, 1, 0]);
    const data: RunReportData = {
      ...runFixture,
      report: {
        ...runFixture.report,
        teacher: { ...runFixture.report.teacher, ...teacher },
        studentAlone: { ...runFixture.report.studentAlone, ...alone },
        studentKd: { ...runFixture.report.studentKd, ...kd },
        settings: { ...runFixture.report.settings, classNames: ['common', 'rare'], test: 10 },
      },
    };
    const folder = join(dir, 'run');
    const { files } = await writeReport(folder, data);
    expect(files.map((f) => relative(folder, f))).toContain('plots/confusion-matrices.svg');
    const md = await readFile(join(folder, 'report.md'), 'utf8');
    expect(md).toContain('## Classes and calibration');
    // Student alone: accuracy 80%, macro-F1 = (2·0.8/1.8 + 0) / 2 = 44.44%, balanced accuracy 50%.
    expect(md).toContain(`| student alone | 80.00% | 44.44% | 50.00% | ${alone.expectedCalibrationError.toFixed(4)} |`);
    // The rare class: the teacher recalls both (precision 2/3), the student alone neither.
    expect(md).toContain('| rare | 2 | 100.0% | 66.7% | 0.0% | 0.0% | 50.0% | 100.0% |');
    const svg = await readFile(join(folder, 'plots', 'confusion-matrices.svg'), 'utf8');
    for (const label of ['confusion matrices', 'predicted class', 'true class', 'rare', 'common', 'student alone']) expect(svg).toContain(`>${label}<`);
  });

  it('leaves the section out for reports that hold accuracy only', async () => {
    const folder = join(dir, 'old');
    const { files } = await writeReport(folder, runFixture);
    expect(files.map((f) => relative(folder, f))).not.toContain('plots/confusion-matrices.svg');
    expect(await readFile(join(folder, 'report.md'), 'utf8')).not.toContain('Classes and calibration');
  });
});

describe('sweep end on a terminal, selectOn macro-f1', () => {
  it('ranks on validation macro-F1 and names the metric in the best line', () => {
    const trial = (lambda: number, accuracy: number, macroF1: number): TrialRecord => {
      const epoch = { epoch: 0, losses: {}, validationAccuracy: accuracy, testAccuracy: 0.5, validationScores: { accuracy, macroF1 }, testScores: { accuracy: 0.5, macroF1: macroF1 - 0.1 } };
      return { id: String(lambda), params: { lambda }, seed: 1, status: 'ok', best: epoch, last: epoch, epochs: [epoch], elapsedMs: 1, finishedAt: '' };
    };
    const text = formatSweepTerminal(summarizeTrials([trial(0, 0.9, 0.5), trial(1, 0.8, 0.7)], 'macro-f1'), 'x.yaml').join('\n\n');
    // λ = 1 ranks first on macro-F1 though λ = 0 has the higher validation accuracy.
    const lines = text.split('\n');
    const rank = (lambda: number) => lines.findIndex((l) => new RegExp(`^│ \\d+\\s+│ ${lambda}\\s+│`).test(l));
    expect(rank(1)).toBeGreaterThan(0);
    expect(rank(1)).toBeLessThan(rank(0));
    expect(lines[rank(1)]).toMatch(/^│ 1 /);
    expect(text).toContain('validation macro-f1 %');
    expect(text).toContain('best on validation macro-f1: lambda 1 — validation macro-f1 70.00 ± 0.00 %, test macro-f1 60.00 ± 0.00 % (reported only)');
  });
});

