import { Option, type Command } from 'commander';
import { availableParallelism } from 'node:os';

export interface WorkerFlags {
  readonly redis: string;
  readonly concurrency?: number;
  readonly queue?: string;
  /** Plugin modules (installed here) that jobs may name; any other is refused. */
  readonly plugin?: string[];
  readonly backend?: string;
  readonly lockDuration?: number;
  readonly stalledInterval?: number;
  readonly quiet?: boolean;
  readonly verbose?: boolean;
}

/** Registers `distillery worker` on the program (`number` parses numeric flags as main's do). */
export function addWorkerCommand(program: Command, number: (flag: string, integer?: boolean, bounds?: { min?: number }) => (value: string) => number): Command {
  return program
    .command('worker')
    .description('run sweep trials and soft-label shards from a Redis queue (BullMQ) until stopped; start one per machine')
    .requiredOption('--redis <url>', 'the queue: redis://[:password@]host[:port][/db], or rediss:// for TLS')
    .option('--concurrency <n>', 'jobs at once, one per thread (default: all cores)', number('--concurrency', true, { min: 1 }))
    .option('--plugin <module...>', 'plugin modules (packages installed here, or files: ./my-plugin.mjs) that jobs may name; the config\'s `plugins` (others are refused)')
    .option('--queue <name>', 'queue name (default distillery-trials): a coordinator\'s --queue')
    .addOption(new Option('--backend <name>', 'numerical backend').choices(['wasm', 'cpu', 'tensorflow']))
    .addOption(new Option('--lock-duration <ms>', 'how long a trial stays claimed without a heartbeat (BullMQ lockDuration)').argParser(number('--lock-duration', true, { min: 1 })).hideHelp())
    .addOption(new Option('--stalled-interval <ms>', 'how often stalled trials are looked for (BullMQ stalledInterval)').argParser(number('--stalled-interval', true, { min: 1 })).hideHelp())
    .option('--quiet', 'print nothing but errors')
    .option('--verbose', `print every epoch (by default a job's progress at most every ${PROGRESS_EVERY_MS / 1000} s) and stack traces on failure`)
    .action(async (flags: WorkerFlags) => {
      await workerCommand(flags);
    });
}

/**
 * `distillery worker --redis URL`: runs sweep trials from the queue until stopped. The first
 * SIGTERM or Ctrl-C lets the running trials finish and report, then exits; a second exits at
 * once — the trials' locks expire and other workers run them again.
 */
export async function workerCommand(flags: WorkerFlags): Promise<void> {
  const say = (line: string) => {
    if (flags.quiet !== true) process.stderr.write(`${line}\n`);
  };
  // Loaded here, not at the top: main registers this command on every start, `--help` included.
  const [{ startQueueWorker }, { WorkerLog }] = await Promise.all([import('@distillery/runner'), import('./worker-log.js')]);
  const log = new WorkerLog(flags.verbose === true ? 0 : PROGRESS_EVERY_MS);
  const worker = await startQueueWorker({
    url: flags.redis,
    concurrency: flags.concurrency ?? availableParallelism(),
    ...(flags.queue === undefined ? {} : { queue: flags.queue }),
    allowPlugins: flags.plugin ?? [],
    ...(flags.backend === undefined ? {} : { backend: flags.backend }),
    ...(flags.lockDuration === undefined ? {} : { lockDurationMs: flags.lockDuration }),
    ...(flags.stalledInterval === undefined ? {} : { stalledIntervalMs: flags.stalledInterval }),
    onEvent: (event) => {
      const line = log.line(event);
      if (line !== undefined) say(line);
    },
  }).catch(async (error: unknown) => {
    // The modules named with --plugin are loaded first: say which flag named the one that failed.
    const { DistilleryError } = await import('@distillery/core');
    if ((error as { code?: unknown }).code === 'E_PLUGIN_NOT_FOUND') throw new DistilleryError('E_PLUGIN_NOT_FOUND', `--plugin: ${(error as Error).message}`, { cause: error });
    throw error;
  });
  await new Promise<void>((resolve) => {
    let stopping = false;
    const onSignal = (signal: NodeJS.Signals) => {
      if (stopping) {
        say(`${worker.name}: ${signal} again: exiting now; unfinished trials go back to the queue when their lock expires`);
        process.exit(signal === 'SIGINT' ? 130 : 143);
      }
      stopping = true;
      say(`${worker.name}: ${signal}: finishing the running trials, then exiting (send it again to exit at once)`);
      const stopped = (trouble?: unknown) => {
        process.off('SIGTERM', onSignal);
        process.off('SIGINT', onSignal);
        // Redis gone while closing, say: the worker stops all the same, saying so (not an unhandled rejection).
        say(trouble === undefined ? `${worker.name}: stopped` : `${worker.name}: stopped; closing did not finish cleanly (${trouble instanceof Error ? trouble.message : String(trouble)})`);
        // Everything is closed; should a library still hold a handle, it must not keep a stopped worker alive.
        setTimeout(() => process.exit(), 3000).unref();
        resolve();
      };
      worker.close().then(() => stopped(), stopped);
      // Closing reports the running trials to Redis: with Redis out of reach it would wait for ever.
      let away = 0;
      setInterval(() => {
        away = worker.reachable() ? 0 : away + 1;
        if (away < UNREACHABLE_EXIT_S) return;
        say(`${worker.name}: Redis has been out of reach for ${UNREACHABLE_EXIT_S} s while stopping: exiting without it; trials not finished here go back to the queue when their locks expire`);
        process.exit(1);
      }, 1000).unref();
    };
    process.on('SIGTERM', onSignal);
    process.on('SIGINT', onSignal);
  });
}

/** A job's progress lines at most this often in the worker's log (its start and end are always said). */
const PROGRESS_EVERY_MS = 10_000;

/** Seconds a stopping worker waits for an unreachable Redis before it exits without it. */
const UNREACHABLE_EXIT_S = 10;
