/**
 * One side of bench/distributed's machine ceiling: bench/sweep's 9 trials of one seed, in this
 * thread (no pool, no queue), timed from the parent's "go" line on stdin to the end.
 */
import { sweep } from '@distillery/runner';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { benchSweep } from '../sweep/sweep-setup.js';

const epochs = Number(process.env['EPOCHS'] ?? 3);
const seed = Number(process.env['SEED'] ?? 1);
const { train, test, logits, base, grid } = await benchSweep(epochs);
const folder = await mkdtemp(join(tmpdir(), 'distillery-bench-ceiling-'));
const lines = createInterface({ input: process.stdin });
process.stdout.write('ready\n');
for await (const line of lines) if (line === 'go') break;
const started = performance.now();
await sweep({ directory: folder, base, grid, seeds: [seed], train, test, teacher: { logits }, workers: 0 });
process.stdout.write(`done ${(performance.now() - started).toFixed(0)}\n`);
lines.close();
await rm(folder, { recursive: true, force: true });
