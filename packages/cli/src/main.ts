import 'reflect-metadata';
import { resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { Command, CommanderError, InvalidArgumentError, Option } from 'commander';
import { isDistilleryError } from '@distillery/core';
import { DEFAULT_JOB, runDefaultJob } from './default-job.js';
import { createProgressPrinter } from './progress-printer.js';
import { formatReport } from './report-text.js';
import { defaultRunDirectory, writeRun } from './write-run.js';

const number = (name: string) => (value: string) => {
  const parsed = Number(value);
  if (value.trim() === '' || !Number.isFinite(parsed)) throw new InvalidArgumentError(`${name} must be a number, got ${JSON.stringify(value)}`);
  return parsed;
};

export function buildProgram(): Command {
  const program = new Command('distillery')
    .description('Knowledge distillation for TypeScript: train a small student from a large teacher.')
    .version('0.1.0')
    // Throw instead of exiting, so main() decides the exit code and tests can call it.
    .exitOverride();

  program
    .command('run', { isDefault: true })
    .description('distil on the embedded MNIST digits in the low-data setting (the default job)')
    .option('--out <dir>', 'output folder (default: runs/<timestamp>)')
    .option('--seed <n>', 'random seed ≥ 1', number('--seed'), DEFAULT_JOB.seed)
    .addOption(new Option('--backend <name>', 'numerical backend (default: $DISTILLERY_BACKEND or wasm)').choices(['wasm', 'cpu', 'tensorflow']))
    .option('--labelled-fraction <f>', 'share of training labels the students see', number('--labelled-fraction'), DEFAULT_JOB.labelledFraction)
    .option('--lambda <λ>', 'weight of the distillation term, in [0, 1]', number('--lambda'), DEFAULT_JOB.lambda)
    .option('--temperature <T>', 'distillation temperature > 0', number('--temperature'), DEFAULT_JOB.temperature)
    .option('--teacher <dir>', 'load this saved teacher instead of training one')
    .option('--teacher-epochs <n>', 'teacher training epochs', number('--teacher-epochs'), DEFAULT_JOB.teacherEpochs)
    .option('--student-epochs <n>', 'student training epochs', number('--student-epochs'), DEFAULT_JOB.studentEpochs)
    .option('--quiet', 'print only the final report')
    .option('--verbose', 'print stack traces on failure')
    .action(async (opts: RunFlags) => {
      const out = opts.out ?? defaultRunDirectory();
      const log = (line: string) => process.stderr.write(`${line}\n`);
      const result = await runDefaultJob({
        seed: opts.seed,
        labelledFraction: opts.labelledFraction,
        lambda: opts.lambda,
        temperature: opts.temperature,
        teacherEpochs: opts.teacherEpochs,
        studentEpochs: opts.studentEpochs,
        ...(opts.backend === undefined ? {} : { backend: opts.backend }),
        ...(opts.teacher === undefined ? {} : { teacherDirectory: opts.teacher }),
        ...(opts.quiet === true ? {} : { onProgress: createProgressPrinter(log) }),
      });
      try {
        const written = await writeRun(out, result);
        process.stdout.write(`${formatReport(result.report, result.backend)}\nwritten: ${written.join(', ')}\n`);
      } finally {
        result.teacher.dispose();
        result.studentAlone.dispose();
        result.studentKd.dispose();
      }
    });
  return program;
}

interface RunFlags {
  out?: string;
  seed: number;
  backend?: string;
  labelledFraction: number;
  lambda: number;
  temperature: number;
  teacher?: string;
  teacherEpochs: number;
  studentEpochs: number;
  quiet?: boolean;
  verbose?: boolean;
}

export async function main(argv: string[]): Promise<number> {
  try {
    await buildProgram().parseAsync(argv);
    return 0;
  } catch (error) {
    // commander has already printed its own message (usage errors, --help, --version).
    if (error instanceof CommanderError) return error.exitCode;
    const verbose = argv.includes('--verbose');
    if (isDistilleryError(error) && !verbose) process.stderr.write(`distillery: ${error.message}\n`);
    else process.stderr.write(`distillery: ${error instanceof Error ? (verbose ? error.stack : error.message) : String(error)}\n`);
    return 1;
  }
}

const isEntry = process.argv[1] !== undefined && import.meta.url === pathToFileURL(resolve(process.argv[1])).href;
if (isEntry) process.exitCode = await main(process.argv);
