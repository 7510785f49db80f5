import { setupBackend } from '@distillery/core';
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { BIN } from './cli-helpers.js';

const SCRIPT = fileURLToPath(new URL('./fixtures/scripts/uncaught-api-error.ts', import.meta.url));

describe('an uncaught API error is one readable report', () => {
  it('a script whose distill() names an unknown loss prints the error (< 2 KB), not minified tfjs-backend-wasm.js', () => {
    const r = spawnSync(process.execPath, ['--import', 'tsx', SCRIPT], { encoding: 'utf8' });
    expect(r.status).toBe(1);
    expect(r.stderr).toContain('unknown loss "dkdd" (did you mean "dkd"?)');
    expect(r.stderr).not.toContain('tfjs-backend-wasm');
    // Before: 39.6 KB, the emscripten module's minified line printed above the message.
    expect(Buffer.byteLength(r.stderr)).toBeLessThan(2048);
  });

  it('setupBackend leaves no process-wide error listeners behind (Node’s default handling stays)', async () => {
    const count = () => process.listenerCount('uncaughtException') + process.listenerCount('unhandledRejection');
    const before = count();
    await setupBackend({ backend: 'wasm' });
    expect(count()).toBe(before);
  });
});

describe('a CLI error is one paragraph', () => {
  const run = (args: string[], env: Record<string, string> = {}) =>
    spawnSync(process.execPath, [BIN, ...args], { encoding: 'utf8', env: { ...process.env, FORCE_COLOR: '0', ...env } });

  it('names the problem without a stack; --verbose and DISTILLERY_DEBUG=1 add the stack', () => {
    const plain = run(['eval', '/nonexistent-model', '--data', 'mnist-embedded']);
    expect(plain.status).toBe(1);
    expect(plain.stderr.trim().split('\n')).toHaveLength(1);
    expect(plain.stderr).toMatch(/^distillery: .*nonexistent-model/);
    for (const r of [run(['eval', '/nonexistent-model', '--data', 'mnist-embedded', '--verbose']), run(['eval', '/nonexistent-model', '--data', 'mnist-embedded'], { DISTILLERY_DEBUG: '1' })]) {
      expect(r.status).toBe(1);
      expect(r.stderr).toMatch(/\n\s+at /);
      expect(r.stderr).not.toContain('tfjs-backend-wasm.js');
    }
  });
});
