/**
 * Ctrl-C on the documented path, `pnpm distill …`: a terminal sends SIGINT to the whole
 * foreground process group (pnpm and the command alike). pnpm itself dies of it; the command
 * must not be killed with it: it finishes the running trial, keeps it, says how to resume and
 * exits 130. (Through `tsx` as the script, tsx's own CLI killed the command within 0.5 s and
 * the running trial was lost.)
 */
import { spawn } from 'node:child_process';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { TINY_CONFIG } from './cli-helpers.js';

const REPO = fileURLToPath(new URL('..', import.meta.url));
let dir = '';
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'distillery-sigint-'));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

describe('Ctrl-C through pnpm distill', () => {
  it('the running trial finishes and is kept, the message says how to resume, the command exits 130', async () => {
    const out = join(dir, 'sweep');
    // detached: its own process group, so the SIGINT below reaches pnpm and the command, as a terminal's does.
    const child = spawn('pnpm', ['--silent', 'distill', 'sweep', TINY_CONFIG, '--out', out, '--workers', '1'], {
      cwd: REPO,
      detached: true,
      env: { ...process.env, FORCE_COLOR: '0' },
    });
    let stderr = '';
    let finishedAtSignal = -1;
    child.stderr.on('data', (chunk: Buffer) => {
      stderr += chunk.toString();
      if (finishedAtSignal < 0 && stderr.includes('[sweep] 1/4')) {
        finishedAtSignal = 1;
        process.kill(-child.pid!, 'SIGINT');
      }
    });
    // 'close' waits for every holder of the pipes: the command too, not only pnpm.
    await new Promise<void>((resolve) => child.on('close', () => resolve()));
    expect(finishedAtSignal, stderr).toBe(1);
    expect(stderr).toContain('run the same command again to resume');
    expect(stderr).toMatch(/sweep stopped: \d of 4 trials are in .*trials\.jsonl; run it again to finish/);
    const kept = (await readFile(join(out, 'trials.jsonl'), 'utf8')).trim().split('\n').length;
    expect(kept).toBeGreaterThan(finishedAtSignal); // the trial running at Ctrl-C was finished and kept
    expect(kept).toBeLessThan(4); // and no new one was started
  });
});
