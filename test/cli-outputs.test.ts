import { setupBackend, tf } from '@distillery/core';
import { createMlp } from '@distillery/students';
import { existsSync } from 'node:fs';
import { mkdir, mkdtemp, readFile, readdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { TINY_CONFIG, runCli } from './cli-helpers.js';

let dir = '';
beforeAll(async () => {
  await setupBackend();
  dir = await mkdtemp(join(tmpdir(), 'distillery-cli-outputs-'));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

const oneLine = (stderr: string) => stderr.trim().split('\n');

describe('checks that used to pass on garbage', () => {
  it('export and eval refuse a model with NaN weights, naming the weight (they exited 0 with "NaN")', async () => {
    const modelDir = join(dir, 'nan-student');
    const student = createMlp({ inputShape: [28, 28, 1], numClasses: 10, hidden: [8], seed: 1 });
    const [kernel] = student.trainableVariables();
    kernel!.assign(tf.fill(kernel!.shape, NaN));
    await student.save(modelDir);
    student.dispose();

    const exported = await runCli(['export', modelDir, '--onnx', join(dir, 'nan.onnx')]);
    expect(exported.code).toBe(1);
    expect(oneLine(exported.stderr)).toEqual([expect.stringMatching(/^distillery: .*nan-student: weight \S+ holds NaN \(6272 of 6272 values are not finite\)/)]);
    expect(existsSync(join(dir, 'nan.onnx'))).toBe(false);

    const evaluated = await runCli(['eval', modelDir, '--data', 'mnist-embedded', '--data-options', '{"limit":{"test":50}}']);
    expect(evaluated.code).toBe(1);
    expect(evaluated.stderr).toMatch(/weight \S+ holds NaN/);
    expect(evaluated.stdout).not.toMatch(/NaN/);
  });
});

describe('outputs stay where the user said', () => {
  it("refuses a config name that is a path ('../../x') before writing anything", async () => {
    const work = join(dir, 'work', 'a', 'b');
    await mkdir(work, { recursive: true });
    const config = join(work, 'escape.yaml');
    await writeFile(config, (await readFile(TINY_CONFIG, 'utf8')).replace(/^name: .*$/m, "name: '../../x'"));
    for (const command of ['sweep', 'label']) {
      const result = await runCli([command, config], { cwd: work });
      expect(result.code).toBe(1);
      expect(oneLine(result.stderr)).toEqual([expect.stringMatching(/name: expected a plain name .* got "\.\.\/\.\.\/x"; use --out/)]);
    }
    // Nothing was written, inside runs/ or outside it.
    expect(await readdir(join(dir, 'work', 'a'))).toEqual(['b']);
    expect(await readdir(work)).toEqual(['escape.yaml']);
  });

  it('--out on an existing file, or under one, is one clear line (not a raw EEXIST/ENOTDIR)', async () => {
    const file = join(dir, 'a-file');
    await writeFile(file, 'not a folder');
    const onFile = await runCli(['label', TINY_CONFIG, '--out', file]);
    expect(onFile.code).toBe(1);
    expect(oneLine(onFile.stderr)).toEqual([`distillery: --out ${file}: is an existing file, not a folder; give a folder (it is created if missing)`]);
    const under = await runCli(['sweep', TINY_CONFIG, '--out', join(file, 'sub')]);
    expect(under.code).toBe(1);
    expect(oneLine(under.stderr)).toEqual([`distillery: --out ${join(file, 'sub')}: is inside a path that is a file, not a folder; give a folder (it is created if missing)`]);
  });
});
