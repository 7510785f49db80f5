import { setupBackend } from '@distillery/core';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { TEACHER_KINDS, journeyConfig, maxAbsDifference, runJourney, saveTeachers, teacherSection } from './journey-helpers.js';

/**
 * Issue 12's matrix, through the real `distillery` binary on tiny data: every teacher kind ×
 * 0 and 2 workers × run, label, sweep — each succeeds and gives the same logits and results
 * with 2 worker threads as in one thread (teachers cross to the workers as weights, ONNX bytes
 * or their plugin spec: a saved teacher with a pool once failed to serialise).
 */
let dir = '';
let saved: [string, string];
beforeAll(async () => {
  await setupBackend(); // to save the teachers the journeys load
  dir = await mkdtemp(join(tmpdir(), 'distillery-journeys-'));
  saved = await saveTeachers(dir);
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

describe.each(TEACHER_KINDS)('teacher %s', (kind) => {
  it('run, label and sweep succeed with 0 and 2 workers and agree', { timeout: 240_000 }, async () => {
    const { run, label, sweep } = await runJourney(dir, kind, journeyConfig(teacherSection(kind, saved)));
    // One teacher everywhere: run and label, one thread and two, see the same logits (ORT in the workers may differ in the last bits).
    const logits = [run[0]!.logits, run[1]!.logits, label[0]!.logits, label[1]!.logits];
    for (const other of logits.slice(1)) expect(maxAbsDifference(logits[0]!, other)).toBeLessThan(1e-4);
    expect(logits[0]!.length).toBe(300 * 10);
    expect(new Set(logits[0]).size).toBeGreaterThan(100); // real logits, not a constant
    // The report: the teacher is evaluated in this thread, the students train on those logits.
    expect(run[1]!.report.teacher.accuracy).toBe(run[0]!.report.teacher.accuracy);
    expect(run[1]!.report.studentAlone.accuracy).toBe(run[0]!.report.studentAlone.accuracy);
    expect(Math.abs(run[1]!.report.studentKd.accuracy - run[0]!.report.studentKd.accuracy)).toBeLessThanOrEqual(0.02);
    // The sweep: the same trials, all ok, selected on validation, the same numbers.
    const [serial, parallel] = sweep;
    expect(parallel!.trials.map((t) => t.id)).toEqual(serial!.trials.map((t) => t.id));
    expect(serial!.trials).toHaveLength(2);
    for (const [i, trial] of serial!.trials.entries()) {
      expect(trial.status).toBe('ok');
      expect(parallel!.trials[i]!.status).toBe('ok');
      expect(trial.best!.validationAccuracy).toBeGreaterThan(0);
      expect(Math.abs(parallel!.trials[i]!.best!.testAccuracy - trial.best!.testAccuracy)).toBeLessThanOrEqual(0.02);
    }
    expect(sweep.map((s) => s.selectedOn)).toEqual(['validation', 'validation']);
  });
});
