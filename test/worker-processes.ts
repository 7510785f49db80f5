import { spawn, type ChildProcess } from 'node:child_process';
import { BIN } from './cli-helpers.js';

/** A `distillery worker` process, as a user starts one, with its stderr kept for the test. */
export interface WorkerProcess {
  readonly child: ChildProcess;
  readonly pid: number;
  /** `host/pid`, as the worker names itself in progress and logs. */
  name: string;
  stderr: string;
  readonly exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
}

/**
 * `quickLocks` (default true) shortens BullMQ's lock (30 s → 4 s) and stalled check so tests see a
 * kill in seconds; not shorter: the lock is renewed from the worker's main thread, which a loaded
 * test machine may not schedule for a second or two.
 */
export async function startWorker(url: string, options: { cwd: string; args?: readonly string[]; quickLocks?: boolean }): Promise<WorkerProcess> {
  const locks = options.quickLocks === false ? [] : ['--lock-duration', '4000', '--stalled-interval', '1000'];
  const child = spawn(
    process.execPath,
    [BIN, 'worker', '--redis', url, '--concurrency', '1', ...locks, ...(options.args ?? [])],
    { cwd: options.cwd, env: { ...process.env, FORCE_COLOR: '0' }, stdio: ['ignore', 'pipe', 'pipe'] },
  );
  const worker: WorkerProcess = {
    child,
    pid: child.pid!,
    name: '',
    stderr: '',
    exited: new Promise((resolve) => child.once('exit', (code, signal) => resolve({ code, signal }))),
  };
  child.stderr!.on('data', (c: Buffer) => (worker.stderr += c.toString()));
  child.stdout!.on('data', (c: Buffer) => (worker.stderr += c.toString()));
  const deadline = Date.now() + 60_000;
  while (!/waiting for trials/.test(worker.stderr)) {
    if (child.exitCode !== null || Date.now() > deadline) throw new Error(`worker did not start: ${worker.stderr}`);
    await new Promise((r) => setTimeout(r, 100));
  }
  worker.name = /^(\S+): waiting for trials/m.exec(worker.stderr)![1]!;
  return worker;
}

/** Stops a worker the way a service manager does (SIGTERM), then waits for it. */
export async function stopWorker(worker: WorkerProcess): Promise<void> {
  if (worker.child.exitCode === null && worker.child.signalCode === null) worker.child.kill('SIGTERM');
  await worker.exited;
}

/** A worker's log line for a trial: `trial <id> (λ=0.5 T=2 seed 1): started`, `…: done in 0.4 s · 3 epochs · best val 85.00 %`. */
export const trialLine = (trial: string, what: 'started' | 'done') => new RegExp(`^trial ${trial} \\([^)]*seed \\d+\\): ${what === 'done' ? 'done in \\d+\\.\\d s' : 'started$'}`, 'm');
