import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { BIN } from './cli-helpers.js';

const PRELOAD = fileURLToPath(new URL('./fixtures/scripts/report-loaded-heavy.mjs', import.meta.url));
const cli = (...args: string[]) => spawnSync(process.execPath, ['--import', PRELOAD, BIN, ...args], { encoding: 'utf8', env: { ...process.env, FORCE_COLOR: '0' } });

describe('the command answers without loading TensorFlow.js', () => {
  it('--help lists the commands and never imports tfjs (it loads when a command needs it)', () => {
    const r = cli('--help');
    expect(r.status).toBe(0);
    expect(r.stdout).toContain('Usage: distillery');
    expect(r.stdout).toContain('tfjs loaded: false');
  });

  it('a subcommand’s --help and --version do not import it either', () => {
    expect(cli('sweep', '--help').stdout).toContain('tfjs loaded: false');
    expect(cli('--version').stdout).toMatch(/^\d+\.\d+\.\d+\n[\s\S]*tfjs loaded: false/);
  });

  it('the preload does see tfjs when a command loads it (so the checks above can fail)', () => {
    const r = cli('eval', '/nonexistent-model', '--data', 'mnist-embedded');
    expect(r.status).toBe(1);
    expect(r.stdout).toContain('tfjs loaded: true');
  });
});

describe('a misspelt command', () => {
  it('is named, with the nearest command, instead of "too many arguments for run"', () => {
    const r = cli('swep', 'my.yaml');
    expect(r.status).toBe(1);
    expect(r.stderr.trim()).toMatch(/^distillery: unknown command 'swep' \(did you mean sweep\?\)/);
    expect(r.stderr).not.toContain('too many arguments');
  });

  it('a config path is still run by the default command', () => {
    const r = cli('/nonexistent/config.yaml');
    expect(r.stderr).not.toContain('unknown command');
  });
});

describe('a flag out of range', () => {
  it('is blamed on the flag, not on the default config the user never wrote', () => {
    const r = cli('--lambda', '3');
    expect(r.status).toBe(1);
    expect(r.stderr).toContain('--lambda must be a number in [0, 1], got 3');
    expect(r.stderr).not.toContain('default.yaml');
    expect(r.stdout).toContain('tfjs loaded: false'); // refused before anything loads
    for (const [flag, value, expected] of [
      ['--temperature', '0', '--temperature must be a number > 0'],
      ['--labelled-fraction', '1.5', '--labelled-fraction must be a number in (0, 1]'],
      ['--student-epochs', '0', '--student-epochs must be an integer ≥ 1'],
    ] as const) {
      expect(cli('run', flag, value).stderr).toContain(expected);
    }
    // The worker's said "workers: expected a positive integer, got 0", from inside its pool, after connecting.
    const worker = cli('worker', '--redis', 'redis://127.0.0.1:1', '--concurrency', '0');
    expect(worker.status).toBe(1);
    expect(worker.stderr).toContain('--concurrency must be an integer ≥ 1, got 0');
  });
});
