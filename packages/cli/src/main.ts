import 'reflect-metadata';
// Only commander loads up front: every command imports its modules (TensorFlow.js, the
// runner, vega, ...) when it runs, so `--help`, `--version` and usage errors answer at once.
import { Command, CommanderError, InvalidArgumentError, Option } from 'commander';
import { join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import type { CommonFlags } from './commands/command-context.js';
import type { EvalFlags } from './commands/eval-command.js';
import type { ExportFlags } from './commands/export-command.js';
import type { RunFlags } from './commands/run-command.js';
import { addWorkerCommand } from './commands/worker-command.js';
import { unknownCommandMessage } from './unknown-command.js';
import { terminalColumns, wrapToWidth } from './wrap-text.js';

export const VERSION = '0.1.0';

/** Bounds a numeric flag must keep: checked when the flag is parsed, so its error names the flag, not a config file. */
interface Bounds {
  readonly min?: number;
  readonly max?: number;
  /** Exclusive lower bound. */
  readonly above?: number;
}

const number = (flag: string, integer = false, bounds: Bounds = {}) => (value: string) => {
  const parsed = Number(value);
  const kind = integer ? 'an integer' : 'a number';
  if (value.trim() === '' || !Number.isFinite(parsed) || (integer && !Number.isInteger(parsed))) {
    throw new InvalidArgumentError(`${flag} must be ${kind}, got ${JSON.stringify(value)}`);
  }
  const { min, max, above } = bounds;
  const outside = (min !== undefined && parsed < min) || (max !== undefined && parsed > max) || (above !== undefined && parsed <= above);
  if (outside) {
    const range =
      min !== undefined && max !== undefined ? `in [${min}, ${max}]` : above !== undefined && max !== undefined ? `in (${above}, ${max}]` : above !== undefined ? `> ${above}` : min !== undefined ? `≥ ${min}` : `≤ ${max}`;
    throw new InvalidArgumentError(`${flag} must be ${kind} ${range}, got ${value}`);
  }
  return parsed;
};

/** `--trial-timeout`: seconds > 0, or 'auto'. */
const trialTimeoutFlag = (value: string): number | 'auto' => (value === 'auto' ? 'auto' : number('--trial-timeout', false, { above: 0 })(value));

function withCommonOptions(command: Command): Command {
  return command
    .option('--out <dir>', 'output folder')
    .option('--workers <n>', 'worker threads (default: the config, else all cores)', number('--workers', true, { min: 0 }))
    .addOption(new Option('--backend <name>', 'numerical backend (default: the config, $DISTILLERY_BACKEND, or wasm)').choices(['wasm', 'cpu', 'tensorflow']))
    .option('--seed <n>', 'random seed ≥ 1', number('--seed', true, { min: 1, max: 2147483647 }))
    .option('--quiet', 'print only the result')
    .option('--json', 'print the result as JSON on stdout (no progress)')
    .option('--verbose', 'print stack traces on failure');
}

const print = (text: string) => process.stdout.write(text);
const printJson = (value: unknown) => print(`${JSON.stringify(value, null, 2)}\n`);

export function buildProgram(): Command {
  const program = new Command('distillery')
    .description('Knowledge distillation for TypeScript: train a small student from a large teacher.')
    .version(VERSION)
    // Throw instead of exiting, so main() decides the exit code and tests can call it.
    .exitOverride();

  withCommonOptions(program.command('run [config]', { isDefault: true }))
    .description('teacher (train or load) → soft labels (cached) → student alone and distilled → evaluation and report; without a config, the default job on the embedded MNIST digits')
    .option('--labelled-fraction <f>', 'share of training labels the students see', number('--labelled-fraction', false, { above: 0, max: 1 }))
    .option('--lambda <λ>', 'weight of the distillation term, in [0, 1]', number('--lambda', false, { min: 0, max: 1 }))
    .option('--temperature <T>', 'distillation temperature > 0', number('--temperature', false, { above: 0 }))
    .option('--teacher <dir>', 'load this saved teacher instead of the config’s')
    .option('--teacher-epochs <n>', 'teacher training epochs', number('--teacher-epochs', true, { min: 1 }))
    .option('--student-epochs <n>', 'student training epochs', number('--student-epochs', true, { min: 1 }))
    .action(async (config: string | undefined, flags: RunFlags) => {
      const { formatRunOutcome, runCommand } = await import('./commands/run-command.js');
      const outcome = await runCommand(config, flags);
      if (flags.json === true) printJson({ directory: outcome.directory, report: outcome.data.report, speed: outcome.data.speed });
      else print(formatRunOutcome(outcome, terminalColumns(process.stdout)));
    });

  withCommonOptions(program.command('label <config>'))
    .description('only generate and cache the teacher’s logits, sharded over worker threads')
    .option('--teacher <dir>', 'load this saved teacher instead of the config’s')
    .option('--executor <url>', 'local, or a Redis queue (redis://[:password@]host[:port]) that `distillery worker`s take jobs from')
    .option('--queue <name>', 'with a Redis executor: the queue on it (default distillery-trials), as the workers\' --queue')
    .action(async (config: string, flags: CommonFlags) => {
      const { formatLabelOutcome, labelCommand, labelRecord } = await import('./commands/label-command.js');
      const outcome = await labelCommand(config, flags);
      if (flags.json === true) printJson(labelRecord(outcome));
      else print(wrapToWidth(formatLabelOutcome(outcome), terminalColumns(process.stdout)));
    });

  withCommonOptions(program.command('sweep <config>'))
    .description('a λ × T (× any option) sweep with seeds, parallel over workers; run it again to resume, or with more seeds or grid values to extend it')
    .option('--teacher <dir>', 'load this saved teacher instead of the config’s')
    .option('--trial-timeout <seconds|auto>', "stop a trial past this many seconds ('auto': 5 × the median finished trial)", trialTimeoutFlag)
    .option('--executor <url>', 'local, or a Redis queue (redis://[:password@]host[:port]) that `distillery worker`s take jobs from')
    .option('--queue <name>', 'with a Redis executor: the queue on it (default distillery-trials), as the workers\' --queue')
    .action(async (config: string, flags: CommonFlags & { trialTimeout?: number | 'auto' }) => {
      const { formatSweepOutcome, sweepCommand } = await import('./commands/sweep-command.js');
      const outcome = await sweepCommand(config, flags);
      if (flags.json === true) printJson({ directory: outcome.directory, summary: outcome.result.summary, ran: outcome.result.ran, skipped: outcome.result.skipped, failed: outcome.result.failed, statuses: outcome.result.statuses, ...(outcome.result.bestStudent === undefined ? {} : { bestStudent: outcome.result.bestStudent }) });
      else print(formatSweepOutcome(outcome, terminalColumns(process.stdout)));
      // Trials failed and none gave a result: nothing was chosen, and a script must see it (exit 1).
      if (outcome.result.failed > 0 && outcome.result.summary.best === undefined) {
        const { DistilleryError } = await import('@distillery/core');
        throw new DistilleryError('E_SWEEP_FAILED', `no trial of the sweep gave a result (${outcome.result.failed} failed; why, above and in ${join(outcome.directory, 'trials.jsonl')}): fix that and run the same command again`);
      }
    });

  addWorkerCommand(program, number);

  program
    .command('report <dir>')
    .description('rebuild report.md, report.html and the plots of a run or (interrupted) sweep folder')
    .option('--verbose', 'print stack traces on failure')
    .action(async (dir: string) => {
      const { reportCommand } = await import('./commands/report-command.js');
      const outcome = await reportCommand(dir);
      print(`${outcome.kind} report written to ${outcome.directory}: ${outcome.files.map((f) => f.replace(`${outcome.directory}/`, '')).join(', ')}\n`);
    });

  program
    .command('eval <model-dir>')
    .description('evaluate a saved model (a model folder, or a .onnx file) on a dataset')
    .option('--data <dataset>', 'dataset plugin (mnist-embedded, fashion-mnist, idx, …); default: the one recorded in the run folder')
    .option('--data-options <json>', 'the dataset plugin’s options as JSON')
    .option('--plugin <module...>', 'plugin modules to load (a third-party dataset), besides those the run folder records')
    .addOption(new Option('--split <split>', 'which split').choices(['train', 'test']).default('test'))
    .addOption(new Option('--backend <name>', 'numerical backend').choices(['wasm', 'cpu', 'tensorflow']))
    .option('--json', 'print the result as JSON')
    .option('--verbose', 'print stack traces on failure')
    .action(async (modelDir: string, flags: EvalFlags & { json?: boolean }) => {
      const { evalCommand } = await import('./commands/eval-command.js');
      const metrics = await evalCommand(modelDir, flags);
      if (flags.json === true) printJson(metrics);
      else {
        const pct = (v: number | undefined) => (v === undefined ? '—' : `${(100 * v).toFixed(2)}%`);
        const classes = `macro-F1 ${pct(metrics.macroF1)}, balanced accuracy ${pct(metrics.balancedAccuracy)}, ECE ${metrics.expectedCalibrationError?.toFixed(4) ?? '—'}`;
        print(`${metrics.model} on ${metrics.dataset}: accuracy ${(100 * metrics.accuracy).toFixed(2)}%, ${classes}, cross-entropy ${metrics.loss.toFixed(4)}, ${metrics.count} examples\n`);
      }
    });

  program
    .command('export <model-dir>')
    .description('write a saved model (a distilled student, a teacher) as an ONNX file, for onnxruntime anywhere')
    .requiredOption('--onnx <file>', 'the ONNX file to write')
    .addOption(new Option('--backend <name>', 'numerical backend').choices(['wasm', 'cpu', 'tensorflow']))
    .option('--json', 'print the result as JSON')
    .option('--verbose', 'print stack traces on failure')
    .action(async (modelDir: string, flags: ExportFlags & { json?: boolean }) => {
      const { exportCommand, formatExportOutcome } = await import('./commands/export-command.js');
      const outcome = await exportCommand(modelDir, flags);
      if (flags.json === true) printJson(outcome);
      else print(formatExportOutcome(outcome));
    });

  program
    .command('inspect <model-dir>')
    .description('list a saved model’s (or a .onnx file’s) named layers and output shapes: what feature terms (features:) connect')
    .addOption(new Option('--backend <name>', 'numerical backend').choices(['wasm', 'cpu', 'tensorflow']))
    .option('--json', 'print the result as JSON')
    .option('--verbose', 'print stack traces on failure')
    .action(async (modelDir: string, flags: { backend?: string; json?: boolean }) => {
      const { formatInspectOutcome, inspectCommand } = await import('./commands/inspect-command.js');
      const outcome = await inspectCommand(modelDir, flags);
      if (flags.json === true) printJson(outcome);
      else print(formatInspectOutcome(outcome));
    });

  program
    .command('init [file]')
    .description('write a commented starter config (default: distillery.yaml)')
    .option('--force', 'overwrite an existing file')
    .action(async (file: string | undefined, flags: { force?: boolean }) => {
      const { initCommand } = await import('./commands/init-command.js');
      print(`wrote ${await initCommand(file, flags.force === true)}\n`);
    });

  program
    .command('schema')
    .description('print the config file’s JSON Schema (for editor completion and checking)')
    .action(async () => {
      const { configJsonSchema } = await import('./config/config-json-schema.js');
      printJson(configJsonSchema());
    });

  return program;
}

/** Runs the CLI; returns the exit code (0 success, 1 failure, 130 interrupted). */
export async function main(argv: string[]): Promise<number> {
  try {
    const program = buildProgram();
    const unknown = unknownCommandMessage(program, argv.slice(2));
    if (unknown !== undefined) {
      process.stderr.write(`distillery: ${unknown}\n`);
      return 1;
    }
    await program.parseAsync(argv);
    return 0;
  } catch (error) {
    // commander has already printed its own message (usage errors, --help, --version).
    if (error instanceof CommanderError) return error.exitCode;
    const verbose = argv.includes('--verbose') || isDebug();
    const message = error instanceof Error ? (verbose ? (error.stack ?? error.message) : error.message) : String(error);
    // One paragraph, broken at spaces on a terminal (a stack trace is left as it is).
    const width = verbose ? undefined : terminalColumns(process.stderr);
    process.stderr.write(`${wrapToWidth(`distillery: ${message}`, width)}\n`);
    return isAborted(error) ? 130 : 1;
  }
}

/** DISTILLERY_DEBUG=1 (or any value but 0/false) prints stack traces, like --verbose. */
export function isDebug(): boolean {
  const value = process.env['DISTILLERY_DEBUG'];
  return value !== undefined && value !== '' && value !== '0' && value.toLowerCase() !== 'false';
}

// By name and code, as core's isDistilleryError does, without loading core (and tfjs) here.
const isAborted = (error: unknown) =>
  typeof error === 'object' && error !== null && (error as { name?: unknown }).name === 'DistilleryError' && (error as { code?: unknown }).code === 'E_ABORTED';

const isEntry = process.argv[1] !== undefined && import.meta.url === pathToFileURL(resolve(process.argv[1])).href;
if (isEntry) process.exitCode = await main(process.argv);
