/**
 * The machine's ceiling for a sweep on N threads: N plain worker threads in this process (no pool,
 * no executor, no messages while they train), each running bench/sweep's 9 trials of one seed in
 * its own thread at the same time, against one such thread alone. The pool can at best match it.
 */
import { Worker, isMainThread, parentPort, workerData } from 'node:worker_threads';

interface CeilingData {
  readonly epochs: number;
  readonly seed: number;
}

/** Milliseconds of each thread, from a common start (after every thread has set up) to its end. */
export async function runThreads(count: number, epochs: number, seeds: readonly number[]): Promise<number[]> {
  const entry = new URL('./thread-ceiling-entry.mjs', import.meta.url);
  const threads = Array.from({ length: count }, (_, i) => new Worker(entry, { workerData: { epochs, seed: seeds[i % seeds.length]! } satisfies CeilingData }));
  const next = (w: Worker) =>
    new Promise<unknown>((resolve, reject) => {
      w.once('message', resolve);
      w.once('error', reject);
    });
  try {
    await Promise.all(threads.map(next));
    return (await Promise.all(
      threads.map((w) => {
        const done = next(w);
        w.postMessage('go');
        return done;
      }),
    )) as number[];
  } finally {
    await Promise.all(threads.map((w) => w.terminate()));
  }
}

/** N threads together vs one alone (the faster of one before and one after): the speed-up N threads can reach. */
export async function threadCeiling(count: number, epochs: number, seeds: readonly number[]): Promise<{ ceiling: number; aloneMs: number; togetherMs: number[] }> {
  const before = await runThreads(1, epochs, seeds);
  const together = await runThreads(count, epochs, seeds);
  const after = await runThreads(1, epochs, seeds);
  const aloneMs = Math.min(before[0]!, after[0]!);
  return { ceiling: (count * aloneMs) / Math.max(...together), aloneMs, togetherMs: together };
}

if (!isMainThread) {
  const { prepareCeilingRun } = await import('./sweep-setup.js');
  const { epochs, seed } = workerData as CeilingData;
  const ceiling = await prepareCeilingRun(epochs, seed);
  parentPort!.postMessage('ready');
  await new Promise((resolve) => parentPort!.once('message', resolve));
  parentPort!.postMessage(await ceiling.run());
}
