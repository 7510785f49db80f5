import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';

const exec = promisify(execFile);
const index = new URL('../src/index.ts', import.meta.url).href;
const guard = new URL('../src/single-copy.ts', import.meta.url).href;

/** Runs `body` in a fresh Node process (its own globalThis) with tsx's loader; returns its last stdout line. */
async function inFreshProcess(body: string): Promise<string> {
  const { stdout } = await exec(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', body], { timeout: 60_000 });
  return stdout.trim().split('\n').at(-1)!;
}

describe('one @distillery/core per thread', () => {
  it('refuses a second copy on import, naming both, and lets the same copy be imported again', async () => {
    // A module under another URL is another copy to Node, as a project's own node_modules/@distillery/core is.
    const outcome = await inFreshProcess(`
      const core = await import(${JSON.stringify(index)});
      await import(${JSON.stringify(guard)});
      try { await import(${JSON.stringify(`${guard}?second-copy`)}); console.log('loaded'); }
      catch (e) { console.log(JSON.stringify({ name: e.name, code: e.code, message: e.message, first: e.details?.first, second: e.details?.second, knows: typeof core.DistilleryError })); }
    `);
    const error = JSON.parse(outcome) as { name: string; code: string; message: string; first: string; second: string; knows: string };
    expect(error).toMatchObject({ name: 'DistilleryError', code: 'E_DUPLICATE_CORE', first: guard, second: `${guard}?second-copy`, knows: 'function' });
    // Both are named by their package folder (here the same one: test/install-like-a-user.test.ts has two).
    expect(error.message).toMatch(/^a second copy of @distillery\/core is being loaded \(from \/.*packages\/core\) beside the one this Distillery runs on \(\/.*packages\/core\); two copies cannot share TensorFlow\.js\./);
  });
});
