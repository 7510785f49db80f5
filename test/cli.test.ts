import { tf } from '@distillery/core';
import { folderFetch } from '@distillery/core/testing';
import { main } from '@distillery/cli';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';

let dir = '';
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'distillery-cli-'));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

/** Runs the CLI in-process, capturing what it prints. */
async function cli(...args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  let stdout = '';
  let stderr = '';
  const out = vi.spyOn(process.stdout, 'write').mockImplementation((chunk) => ((stdout += String(chunk)), true));
  const err = vi.spyOn(process.stderr, 'write').mockImplementation((chunk) => ((stderr += String(chunk)), true));
  try {
    const code = await main(['node', 'distillery', ...args]);
    return { code, stdout, stderr };
  } finally {
    out.mockRestore();
    err.mockRestore();
  }
}

describe('distillery (default job)', () => {
  it('runs end to end: report.json, a saved student that plain tfjs loads, and a printed table', async () => {
    const out = join(dir, 'run');
    const { code, stdout, stderr } = await cli('--out', out, '--teacher-epochs', '1', '--student-epochs', '1', '--labelled-fraction', '0.05');
    expect(stderr).toContain('[student-kd] epoch 1/1');
    expect(code).toBe(0);
    expect(stdout).toMatch(/student \+ kd\s+25,450\s+\d+\.\d\d%/);
    const report = JSON.parse(await readFile(join(out, 'report.json'), 'utf8'));
    expect(report.settings).toMatchObject({ labelled: 400, transfer: 8004, test: 1996, lambda: 1, temperature: 4 });
    expect(report.backend).toBe('wasm');
    for (const key of ['teacher', 'studentAlone', 'studentKd']) {
      expect(report[key].accuracy).toBeGreaterThan(0.5);
      expect(report[key].accuracy).toBeLessThanOrEqual(1);
    }
    const student = await tf.loadLayersModel(
      tf.io.http('http://localhost/student/model.json', { fetchFunc: folderFetch(join(out, 'student')) }),
    );
    expect(student.outputs[0]!.shape).toEqual([null, 10]);
    student.dispose();
  });

  it('fails with one clear line on bad input, exit code 1', async () => {
    const lambda = await cli('--lambda', '2', '--out', join(dir, 'bad'));
    expect(lambda.code).toBe(1);
    expect(lambda.stderr).toBe('distillery: lambda: expected a number in [0, 1], got 2\n');
    const temperature = await cli('--temperature', 'hot');
    expect(temperature.code).toBe(1);
    expect(temperature.stderr).toContain('--temperature must be a number, got "hot"');
    const backend = await cli('--backend', 'gpu');
    expect(backend.code).toBe(1);
    expect(backend.stderr).toMatch(/Allowed choices are wasm, cpu, tensorflow/);
  });
});
