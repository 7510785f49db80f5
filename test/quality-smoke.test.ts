import { spawn } from 'node:child_process';
import { mkdtemp, readFile, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

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
  return new Promise((resolve, reject) => {
    const tsx = fileURLToPath(import.meta.resolve('tsx/cli'));
    const child = spawn(process.execPath, [tsx, 'bench/quality/run.ts'], {
      cwd: repo,
      env: { ...process.env, SCALE: 'tiny', DATASETS: 'mnist', STUDENTS: 'mlp,cnn', OUT: out, WORKERS: '2' },
    });
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
}
