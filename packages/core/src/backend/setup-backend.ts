import * as tf from '@tensorflow/tfjs';
import '@tensorflow/tfjs-backend-wasm';
import { DistilleryError } from '../errors.js';
import { configureNativeKernels, type NativeStatus } from './native-kernels/install-native-kernels.js';
import { installWasmKernels } from './wasm-kernels/install-wasm-kernels.js';

export const BACKEND_NAMES = ['wasm', 'cpu', 'tensorflow'] as const;
export type BackendName = (typeof BACKEND_NAMES)[number];

export interface BackendOptions {
  /** Which engine to use; default: `DISTILLERY_BACKEND`, else `wasm`. */
  readonly backend?: string | undefined;
  /** Fall back to the cpu backend when the requested one cannot start (default true). */
  readonly fallbackToCpu?: boolean;
  /**
   * Run the heavy wasm kernels (matrix products, convolutions) natively through the system BLAS
   * when @distillery/native is built; default: on unless `DISTILLERY_NATIVE=0`.
   */
  readonly native?: boolean;
}

export interface BackendInfo {
  readonly name: BackendName;
  readonly requested: BackendName;
  /** Why the requested backend was not used, when it was not. */
  readonly fallbackReason?: string;
  /** Whether the native kernels run (wasm backend only), and why not when they do not. */
  readonly native: NativeStatus;
}

const NOT_WASM: NativeStatus = { active: false, reason: 'native kernels serve the wasm backend only' };

export const BACKEND_ENV_VARIABLE = 'DISTILLERY_BACKEND';

export function resolveBackendName(requested?: string): BackendName {
  const fromEnv = process.env[BACKEND_ENV_VARIABLE];
  const raw = requested ?? (fromEnv === undefined || fromEnv === '' ? 'wasm' : fromEnv);
  const source = requested !== undefined ? 'backend' : fromEnv ? BACKEND_ENV_VARIABLE : 'backend';
  if (!(BACKEND_NAMES as readonly string[]).includes(raw)) {
    throw new DistilleryError(
      'E_BACKEND',
      `${source}: unknown backend ${JSON.stringify(raw)}; expected one of ${BACKEND_NAMES.join(', ')}`,
      { details: { field: source, value: raw } },
    );
  }
  return raw as BackendName;
}

/**
 * The one backend set-up used by every entry point (CLI, API, worker threads). It picks the
 * engine, installs Distillery's wasm kernels (and the native ones over them when built), and
 * says which engine and which kernels it ended up with.
 */
export async function setupBackend(options: BackendOptions = {}): Promise<BackendInfo> {
  const requested = resolveBackendName(options.backend);
  const fallbackToCpu = options.fallbackToCpu ?? true;
  const reason = await tryBackend(requested);
  if (reason === undefined) {
    const native = requested === 'wasm' ? await configureNativeKernels(options.native) : NOT_WASM;
    return { name: requested, requested, native };
  }
  if (!fallbackToCpu || requested === 'cpu') {
    throw new DistilleryError('E_BACKEND', `backend ${requested} could not start: ${reason}`);
  }
  const cpuReason = await tryBackend('cpu');
  if (cpuReason !== undefined) {
    throw new DistilleryError('E_BACKEND', `backend ${requested} could not start (${reason}), nor cpu (${cpuReason})`);
  }
  return { name: 'cpu', requested, fallbackReason: reason, native: NOT_WASM };
}

/** Returns undefined on success, or why the backend could not start. */
async function tryBackend(name: BackendName): Promise<string | undefined> {
  if (name === 'tensorflow') {
    const reason = await loadTfjsNode();
    if (reason !== undefined) return reason;
  }
  if (name === 'wasm') installWasmKernels();
  if (tf.getBackend() === name) return undefined;
  try {
    const ok = await withoutNewProcessHandlers(async () => {
      const set = await tf.setBackend(name);
      await tf.ready();
      return set;
    });
    if (name === 'cpu') silenceCpuNodeAdvice();
    return ok && tf.getBackend() === name ? undefined : `tf.setBackend('${name}') failed`;
  } catch (error) {
    return error instanceof Error ? error.message : String(error);
  }
}

const PROCESS_EVENTS = ['uncaughtException', 'unhandledRejection'] as const;

/**
 * The wasm backend's emscripten module, when it starts in Node, adds `uncaughtException` and
 * `unhandledRejection` listeners that rethrow — so every later uncaught error in the process
 * (or thread) is reported from inside the 39 KB minified line of tfjs-backend-wasm.js, printed
 * in full before the error's own message. Listeners added while a backend starts are removed
 * again: Node's default handling (the error and its stack, exit code 1) comes back.
 */
async function withoutNewProcessHandlers<T>(start: () => Promise<T>): Promise<T> {
  const emitter: NodeJS.EventEmitter = process;
  const before = new Map(PROCESS_EVENTS.map((event) => [event, new Set(emitter.listeners(event))]));
  try {
    return await start();
  } finally {
    for (const event of PROCESS_EVENTS) {
      for (const listener of emitter.listeners(event)) {
        if (!before.get(event)!.has(listener)) emitter.off(event, listener as (...args: unknown[]) => void);
      }
    }
  }
}

async function loadTfjsNode(): Promise<string | undefined> {
  if (tf.findBackend('tensorflow') !== null) return undefined;
  // A variable module name keeps bundlers and the type checker from requiring the optional package.
  const moduleName = '@tensorflow/tfjs-node';
  try {
    await import(moduleName);
  } catch (error) {
    return `@tensorflow/tfjs-node is not installed or did not load (${
      error instanceof Error ? error.message.split('\n')[0] : String(error)
    }); install it with \`pnpm add @tensorflow/tfjs-node\` or use --backend wasm`;
  }
  return tf.findBackend('tensorflow') === null ? '@tensorflow/tfjs-node loaded but registered no backend' : undefined;
}

/**
 * The cpu backend prints a banner recommending tfjs-node on first use in Node. Here cpu is a
 * deliberate choice or a reported fallback, so the banner is noise in logs and test output.
 */
function silenceCpuNodeAdvice(): void {
  const backend = tf.findBackend('cpu') as { firstUse?: boolean } | null;
  if (backend !== null) backend.firstUse = false;
}
