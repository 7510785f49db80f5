import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

/**
 * Stopping a worker thread while it is inside onnxruntime's `session.run` aborts the whole
 * process (exit 134; fixtures/ort-shutdown.ts `terminate` shows it), so every way a pool of ORT
 * teachers ends is cooperative: a stop flag checked between batches, then waiting for the
 * running tasks. Each case runs in a child process, where an abort cannot take vitest with it;
 * `runningAfter: 0` with `busy > 0` shows the waiting happened whether or not a crash would have.
 */
const script = fileURLToPath(new URL('./fixtures/ort-shutdown.ts', import.meta.url));

function run(mode: string): { status: number | null; reports: Record<string, Record<string, unknown>>; stderr: string } {
  const child = spawnSync(process.execPath, ['--import', 'tsx', script, mode], { encoding: 'utf8', timeout: 110_000 });
  const reports: Record<string, Record<string, unknown>> = {};
  for (const line of child.stdout.split('\n')) {
    if (!line.startsWith('{')) continue;
    const report = JSON.parse(line) as Record<string, unknown>;
    reports[String(report['case'])] = report;
  }
  return { status: child.status, reports, stderr: child.stderr };
}

describe('ORT teachers shut down cooperatively', () => {
  it('on abort, on a failing shard and on pool.destroy(): running shards stop at their next batch, and the process lives', () => {
    const { status, reports, stderr } = run('cases');
    expect(status, stderr).toBe(0);
    const { abort, error, destroy } = reports;
    // Ctrl-C: the call waits for its running shards, then throws E_ABORTED.
    expect(abort).toMatchObject({ outcome: 'failed', code: 'E_ABORTED', runningAfter: 0 });
    // A shard that fails: the others are stopped, and the failure itself is what is reported.
    expect(error).toMatchObject({ outcome: 'failed', message: 'disk full (test)', runningAfter: 0 });
    // destroy(): running shards stop at their next batch, then the threads end.
    expect(destroy).toMatchObject({ outcome: 'failed', code: 'E_ABORTED', runningAfter: 0 });
    expect(destroy!['message']).toMatch(/the runner pool is shutting down: soft labels stopped after \d+ of \d+ examples/);
    for (const report of [abort, error, destroy]) expect(report!['busy']).toBeGreaterThan(0);
  });

  it('a forced exit (second Ctrl-C) stops the pools first, then exits with its own code', () => {
    const { status, reports, stderr } = run('exit');
    expect(status, stderr).toBe(130);
    expect(reports['exit']).toMatchObject({ runningAfter: 0 });
    expect(reports['exit']!['busy']).toBeGreaterThan(0);
  });
});
