/**
 * One side of bench/distributed's machine ceiling: bench/sweep's 9 trials of one seed, in this
 * thread (no pool, no queue), timed from the parent's "go" line on stdin to the end.
 */
import { createInterface } from 'node:readline';
import { prepareCeilingRun } from '../sweep/sweep-setup.js';

const ceiling = await prepareCeilingRun(Number(process.env['EPOCHS'] ?? 3), Number(process.env['SEED'] ?? 1));
const lines = createInterface({ input: process.stdin });
process.stdout.write('ready\n');
for await (const line of lines) if (line === 'go') break;
const elapsed = await ceiling.run();
process.stdout.write(`done ${elapsed.toFixed(0)}\n`);
lines.close();
