import { spawn } from 'node:child_process';
import { mkdtemp, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { meanStd } from '@distillery/runner';
import { parseQualityTable } from '../bench/quality/quality-report.js';

// The quality benchmark at its tiny scale (seconds), so that it cannot silently break.
const repo = fileURLToPath(new URL('..', import.meta.url));
let out = '';
beforeAll(async () => {
  out = await mkdtemp(join(tmpdir(), 'distillery-quality-'));
});
afterAll(async () => {
  await rm(out, { recursive: true, force: true });
});

function runBench(): Promise<{ code: number | null; stderr: string }> {
  return runTsx(['bench/quality/run.ts'], { SCALE: 'tiny', DATASETS: 'mnist', STUDENTS: 'mlp,cnn', OUT: out, WORKERS: '2' });
}

function runTsx(args: string[], env: Record<string, string> = {}): Promise<{ code: number | null; stderr: string }> {
  return new Promise((resolve, reject) => {
    const tsx = fileURLToPath(import.meta.resolve('tsx/cli'));
    const child = spawn(process.execPath, [tsx, ...args], { cwd: repo, env: { ...process.env, ...env } });
    let stderr = '';
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    child.on('error', reject);
    child.on('close', (code) => resolve({ code, stderr }));
  });
}

describe('bench/quality (tiny)', () => {
  it('trains the CNN teacher, selects on validation, runs the seeds, and writes the table, the numbers and the plot for each student', async () => {
    const { code, stderr } = await runBench();
    expect(code, stderr).toBe(0);
    expect(stderr).toMatch(/teacher teacher-cnn \([\d,]+ params\)/);
    for (const student of ['mlp', 'cnn']) await expectTable(join(out, 'mnist', `student-${student}`), student === 'mlp' ? 'MLP 784-16-10' : 'CNN conv 2-4');
    // The selection and the seeds are resumable sweep folders.
    expect(stderr).toContain('[mnist 0.05 kd]');
  });

  it('draws the plot again from the table alone (bench/quality/plot-table), and names the line of a broken row', async () => {
    const folder = join(out, 'mnist', 'student-cnn');
    const png = join(out, 'replot.png');
    const { code, stderr } = await runTsx(['bench/quality/plot-table.ts', join(folder, 'quality.md'), png]);
    expect(code, stderr).toBe(0);
    expect((await stat(png)).size).toBeGreaterThan(10_000);
    expect((await stat(png.replace(/png$/, 'svg'))).size).toBeGreaterThan(1_000);

    const broken = (await readFile(join(folder, 'quality.md'), 'utf8')).replace(/\| 5% \(40\) \| \d+\.\d\d ± /, '| 5% (40) | n/a ');
    await writeFile(join(out, 'broken.md'), broken);
    const bad = await runTsx(['bench/quality/plot-table.ts', join(out, 'broken.md'), png]);
    expect(bad.code).toBe(1);
    expect(bad.stderr).toMatch(/broken\.md:\d+: the student alone cell must read "mean ± std"/);
    expect(bad.stderr).not.toMatch(/TypeError|at .*\.ts:\d+/);
  });
});

async function expectTable(folder: string, studentName: string): Promise<void> {
    const result = JSON.parse(await readFile(join(folder, 'quality.json'), 'utf8'));
    expect(result.studentName).toBe(studentName);
    expect(result.teacherName).toMatch(/^CNN conv 8-16 \+ batch-norm/);
    expect(result.rows.map((r: { fraction: number; method: string }) => `${r.fraction} ${r.method}`)).toEqual([
      '0.05 student alone', '0.05 kd', '0.05 dkd', '1 student alone', '1 kd', '1 dkd',
    ]);
    for (const row of result.rows) {
      expect(row.testAccuracies).toHaveLength(2);
      for (const a of row.testAccuracies) expect(a).toBeGreaterThan(0.1);
    }
    expect(result.teacherAccuracy).toBeGreaterThan(0.6);
    const table = await readFile(join(folder, 'quality.md'), 'utf8');
    expect(table).toMatch(/\| 5% \(40\) \| \d+\.\d\d ± \d+\.\d\d \|/);
    expect((await stat(join(folder, 'quality.png'))).size).toBeGreaterThan(10_000);
    // The table read back gives the plot the numbers the bench measured (to the table's 2 decimals).
    const parsed = parseQualityTable(table, 'quality.md');
    expect(parsed.teacherAccuracy).toBeCloseTo(result.teacherAccuracy, 4);
    expect(parsed.seeds).toBe(2);
    expect(parsed.points.map((p) => `${p.labels} ${p.method}`)).toEqual(result.rows.map((r: { fraction: number; method: string }) => `${100 * r.fraction} ${r.method}`));
    for (const [i, row] of result.rows.entries()) {
      expect(Math.abs(parsed.points[i]!.accuracy - 100 * meanStd(row.testAccuracies).mean)).toBeLessThanOrEqual(0.005 + 1e-9);
    }
}
