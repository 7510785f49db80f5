/**
 * In a real terminal the bars must move while training runs, not appear full at the end: the
 * CLI runs here under `script` (util-linux), which gives it a pseudo-terminal, and the screen it
 * drew is read back from the typescript file.
 */
import { spawnSync } from 'node:child_process';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BIN, TINY_CONFIG } from './cli-helpers.js';

let dir = '';
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'distillery-pty-'));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

const hasScript = spawnSync('script', ['--version'], { encoding: 'utf8' }).status === 0;

describe.skipIf(!hasScript)('progress in a terminal', () => {
  it('the teacher bar is redrawn at each epoch during training (1/6, 2/6, … before 6/6)', async () => {
    const config = join(dir, 'six-epochs.yaml');
    // The tiny config with a teacher of 6 epochs of small batches: each epoch long enough to redraw.
    await writeFile(config, (await readFile(TINY_CONFIG, 'utf8')).replace('train: { epochs: 2, batchSize: 64 }', 'train: { epochs: 6, batchSize: 16 }'));
    const screen = join(dir, 'typescript');
    const command = `${JSON.stringify(process.execPath)} ${JSON.stringify(BIN)} run ${JSON.stringify(config)} --out ${JSON.stringify(join(dir, 'out'))}`;
    const r = spawnSync('script', ['-qfec', command, screen], { encoding: 'utf8', env: { ...process.env, FORCE_COLOR: '0' }, timeout: 180_000 });
    expect(r.status, r.stdout + r.stderr).toBe(0);
    // eslint-disable-next-line no-control-regex -- the terminal's escape sequences are stripped
    const drawn = (await readFile(screen, 'utf8')).replace(/\x1b\[[0-9;?]*[a-zA-Z]/g, '');
    const teacherFrames = new Set([...drawn.matchAll(/teacher\s+\|[^|]*\|\s+(\d+)\/6/g)].map((m) => m[1]));
    expect(teacherFrames.has('6')).toBe(true);
    // Before the trainer paused for the event loop, only "6/6" was ever drawn.
    expect([...teacherFrames].filter((v) => v !== '6').length).toBeGreaterThanOrEqual(3);
  });
});
