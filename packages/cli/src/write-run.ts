import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { DistillResult } from '@distillery/runner';

/** A fresh run folder name: runs/2026-11-28T15-04-05-123Z. */
export function defaultRunDirectory(now = new Date()): string {
  return join('runs', now.toISOString().replace(/[:.]/g, '-'));
}

/** Writes report.json, the distilled student and the teacher; returns the paths written. */
export async function writeRun(directory: string, result: DistillResult & { backend: string }): Promise<string[]> {
  await mkdir(directory, { recursive: true });
  const reportPath = join(directory, 'report.json');
  await writeFile(reportPath, `${JSON.stringify({ ...result.report, backend: result.backend }, null, 2)}\n`);
  const studentDir = join(directory, 'student');
  await result.studentKd.save(studentDir);
  const teacherDir = join(directory, 'teacher');
  await result.teacher.save(teacherDir);
  return [reportPath, studentDir, teacherDir];
}
