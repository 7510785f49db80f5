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

/** Runs the CLI in a pseudo-terminal; returns what it drew, escape sequences stripped. */
function inTerminal(args: string[], screen: string, options: { cols?: number; status?: number } = {}): Promise<string> {
  const cli = [process.execPath, BIN, ...args].map((a) => JSON.stringify(a)).join(' ');
  const command = options.cols === undefined ? cli : `stty cols ${options.cols}; ${cli}`;
  const r = spawnSync('script', ['-qfec', command, screen], { encoding: 'utf8', env: { ...process.env, FORCE_COLOR: '0' }, timeout: 180_000 });
  expect(r.status, r.stdout + r.stderr).toBe(options.status ?? 0);
  // eslint-disable-next-line no-control-regex -- the terminal's escape sequences are stripped
  return readFile(screen, 'utf8').then((text) => text.replace(/\x1b\[[0-9;?]*[a-zA-Z]/g, ''));
}

describe.skipIf(!hasScript)('progress in a terminal', () => {
  it('the teacher bar is redrawn at each epoch during training (1/6, 2/6, … before 6/6)', async () => {
    const config = join(dir, 'six-epochs.yaml');
    // The tiny config with a wider teacher of 6 epochs of one-example batches (600 steps each): every
    // epoch spans several redraws (10 a second) even on a quiet machine with the native kernels.
    await writeFile(
      config,
      (await readFile(TINY_CONFIG, 'utf8')).replace('options: { hidden: [32] }\n  train: { epochs: 2, batchSize: 64 }', 'options: { hidden: [256] }\n  train: { epochs: 6, batchSize: 1 }'),
    );
    const drawn = await inTerminal(['run', config, '--out', join(dir, 'out')], join(dir, 'run.typescript'));
    const teacherFrames = new Set([...drawn.matchAll(/teacher\s+\|[^|]*\|\s+(\d+)\/6/g)].map((m) => m[1]));
    expect(teacherFrames.has('6')).toBe(true);
    // Before the trainer paused for the event loop, only "6/6" was ever drawn.
    expect([...teacherFrames].filter((v) => v !== '6').length).toBeGreaterThanOrEqual(3);
  });

  it('a sweep: workers 1 and 2, rows with λ, T, seed, losses and validation accuracy, an ETA; soft-label bars end at 100%', async () => {
    // Trials of 8 epochs of small batches (~1,200 steps): long enough for rows mid-trial and an ETA between trials.
    const config = join(dir, 'sweep-eight-epochs.yaml');
    await writeFile(config, (await readFile(TINY_CONFIG, 'utf8')).replace('train: { epochs: 2, batchSize: 16, transferBatchSize: 64,', 'train: { epochs: 8, batchSize: 4, transferBatchSize: 4,'));
    const drawn = await inTerminal(['sweep', config, '--out', join(dir, 'sweep'), '--workers', '2'], join(dir, 'sweep.typescript'));
    const rows = [...drawn.matchAll(/(worker \d+)\s+\|[^|]*\|\s+(\d+)\/(\d+) ([^\n\r|]*)/g)];
    expect(new Set(rows.map((m) => m[1]))).toEqual(new Set(['worker 1', 'worker 2']));
    expect(drawn).toMatch(/worker \d\s+\|[^|]*\|\s+8\/8 λ=(0\.5|1) T=(2|4) seed 1 · ce \d\.\d{4} · kd \d\.\d{4} · val \d+\.\d%/);
    expect(drawn).toMatch(/trials\s+\|[^|]*\|\s+[123]\/4 done · eta \d+s/);
    // Each soft-label worker's bar ends full: its own count over its own count.
    const softEnds = rows.filter((m) => Number(m[3]) > 10).map((m) => [Number(m[2]), Number(m[3])] as const);
    const finals = new Map<number, boolean>();
    for (const [done, total] of softEnds) if (done === total) finals.set(total, true);
    expect(finals.size).toBeGreaterThanOrEqual(1);
  });

  it('an error on a narrow terminal is one paragraph broken at spaces, no word cut at the edge', async () => {
    const config = join(dir, 'typo.yaml');
    await writeFile(config, (await readFile(TINY_CONFIG, 'utf8')).replace('  temperature: 4', '  temprature: 4'));
    const drawn = await inTerminal(['run', config], join(dir, 'error.typescript'), { cols: 60, status: 1 });
    const lines = drawn.split(/\r?\n/).filter((l) => l !== '' && !/^Script (started|done)/.test(l));
    expect(lines.length).toBeGreaterThan(1);
    for (const line of lines) expect([...line].length, drawn).toBeLessThanOrEqual(60);
    expect(lines.join(' ').replace(/\s+/g, ' ')).toContain('distillation: unknown key "temprature" (did you mean "temperature"?)');
  });
});
