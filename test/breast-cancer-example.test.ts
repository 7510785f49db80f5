import { loadModel, setupBackend, type LayersClassifier } from '@distillery/core';
import { loadConfig } from '@distillery/cli';
import { access, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runCli } from './cli-helpers.js';

// The real low-data example (examples/configs/breast-cancer.yaml) at a tiny scale: the table
// comes from Debian's python3-sklearn (.ci/run installs it).
const CONFIG = 'examples/configs/breast-cancer.yaml';
const TABLE = '/usr/lib/python3/dist-packages/sklearn/datasets/data/breast_cancer.csv';

let dir = '';
beforeAll(async () => {
  await access(TABLE).catch(() => {
    throw new Error(`${TABLE} is missing: apt-get install -y python3-sklearn (the example's data)`);
  });
  await setupBackend();
  dir = await mkdtemp(join(tmpdir(), 'distillery-bc-'));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

interface ModelReport {
  accuracy: number;
  macroF1: number;
  balancedAccuracy: number;
  expectedCalibrationError: number;
  confusionMatrix: number[][];
}

describe('example: breast cancer, 10 labels, from a config', () => {
  it('runs end to end: stratified splits, scaling fitted on training data, class metrics in the report, the scaling saved with the student', async () => {
    const out = join(dir, 'run');
    const r = await runCli(['run', CONFIG, '--out', out, '--teacher-epochs', '3', '--student-epochs', '2', '--workers', '0', '--quiet']);
    expect(r.code, r.stderr).toBe(0);
    const report = JSON.parse(await readFile(join(out, 'report.json'), 'utf8')) as Record<'teacher' | 'studentAlone' | 'studentKd', ModelReport> & {
      settings: { labelled: number; transfer: number; validation: number; test: number; preprocessing: string; classWeights: number[] };
    };
    // 569 rows: 171 test (30%, stratified), 40 validation, the rest transfer; 10 labelled.
    expect(report.settings).toMatchObject({ labelled: 10, transfer: 358, validation: 40, test: 171, preprocessing: 'standardize' });
    // Balanced weights over the 10 labels (4 malignant, 6 benign: stratified): 10 / (2·4), 10 / (2·6).
    expect(report.settings.classWeights).toEqual([1.25, 10 / 12]);
    for (const model of ['teacher', 'studentAlone', 'studentKd'] as const) {
      const m = report[model];
      expect(m.confusionMatrix.flat().reduce((a, b) => a + b, 0)).toBe(171);
      // Malignant: 64 of the 171 test tumours (the stratified share of 212 / 569).
      expect(m.confusionMatrix[0]!.reduce((a, b) => a + b, 0)).toBe(64);
      expect(m.macroF1).toBeGreaterThan(0);
      expect(m.expectedCalibrationError).toBeGreaterThanOrEqual(0);
    }
    const md = await readFile(join(out, 'report.md'), 'utf8');
    expect(md).toContain('| model | accuracy | macro-F1 | balanced accuracy | ECE |');
    expect(md).toContain('plots/confusion-matrices.png');
    const student = (await loadModel(join(out, 'student'))) as LayersClassifier;
    expect(student.preprocessing?.kind).toBe('standardize');
    expect(student.preprocessing?.fittedOn).toBe(358);
    student.dispose();
    // eval on the raw table applies the saved scaling: the run's own numbers.
    const evaluated = await runCli(['eval', join(out, 'student'), '--json']);
    expect(evaluated.code, evaluated.stderr).toBe(0);
    const metrics = JSON.parse(evaluated.stdout) as ModelReport;
    expect(metrics.accuracy).toBe(report.studentKd.accuracy);
    expect(metrics.macroF1).toBe(report.studentKd.macroF1);
  });

  it('sweeps λ = 0 vs 1 selecting on validation macro-F1, the teacher trained on scaled inputs too', async () => {
    const { config } = await loadConfig(CONFIG);
    const tiny = {
      ...config,
      teacher: { ...config.teacher, train: { ...config.teacher.train!, epochs: 3 } },
      student: { ...config.student, train: { ...config.student.train, epochs: 2 } },
      sweep: { ...config.sweep!, seeds: [1] },
    };
    const file = join(dir, 'tiny.json');
    await writeFile(file, JSON.stringify(tiny));
    const out = join(dir, 'sweep');
    const r = await runCli(['sweep', file, '--out', out, '--workers', '1', '--quiet']);
    expect(r.code, r.stderr).toBe(0);
    const teacher = (await loadModel(join(out, 'teacher'))) as LayersClassifier;
    expect(teacher.preprocessing?.kind).toBe('standardize');
    teacher.dispose();
    const results = await readFile(join(out, 'results.md'), 'utf8');
    expect(results).toContain('| validation macro-f1 | test macro-f1 |');
    expect(results).toMatch(/best \(chosen on validation macro-f1; test numbers only reported\): \{"lambda":[01]\}/);
    const trials = (await readFile(join(out, 'trials.jsonl'), 'utf8')).trim().split('\n').map((l) => JSON.parse(l) as { best: { validationScores: { macroF1: number } } });
    expect(trials).toHaveLength(2);
    for (const t of trials) expect(t.best.validationScores.macroF1).toBeGreaterThan(0);
  });
});
