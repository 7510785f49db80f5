/**
 * One error class for the whole project. It is recognised by `name` and `code`, never by
 * `instanceof`, because errors cross worker threads as plain data (piscina drops both).
 */
export type DistilleryErrorCode =
  | 'E_CONFIG'
  | 'E_BACKEND'
  | 'E_DATASET'
  | 'E_SHAPE'
  | 'E_MODEL_IO'
  | 'E_PLUGIN_NOT_FOUND'
  | 'E_PLUGIN_DUPLICATE'
  | 'E_PLUGIN_VERSION'
  | 'E_PLUGIN_CREATE'
  | 'E_KERNEL'
  | 'E_ABORTED'
  | 'E_QUEUE'
  /** Training diverged: a loss term went non-finite or past its bound (a learning-rate or loss problem, not the data). */
  | 'E_DIVERGED'
  /** A folder is held by another process (a sweep or a logit cache has one writer). */
  | 'E_LOCKED'
  /** A trial ran past its time limit. */
  | 'E_TIMEOUT'
  /** A worker thread died under a task (exit, out of memory, crash). */
  | 'E_WORKER_DIED'
  /** A run's own file could not be written or read (its folder removed, the disk full, no permission). */
  | 'E_IO'
  /** A second copy of @distillery/core was imported beside the one running (a plugin's own project's copy). */
  | 'E_DUPLICATE_CORE'
  /** Trials of a sweep failed and none gave a result: there is nothing to choose from. */
  | 'E_SWEEP_FAILED'
  | 'E_INTERNAL';

export interface DistilleryErrorJSON {
  readonly name: 'DistilleryError';
  readonly code: DistilleryErrorCode;
  readonly message: string;
  readonly details?: Record<string, unknown>;
  readonly stack?: string;
}

export class DistilleryError extends Error {
  override readonly name = 'DistilleryError' as const;
  readonly code: DistilleryErrorCode;
  readonly details: Record<string, unknown> | undefined;

  constructor(
    code: DistilleryErrorCode,
    message: string,
    options: { details?: Record<string, unknown>; cause?: unknown } = {},
  ) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.code = code;
    this.details = options.details;
  }

  toJSON(): DistilleryErrorJSON {
    return {
      name: this.name,
      code: this.code,
      message: this.message,
      ...(this.details === undefined ? {} : { details: this.details }),
      ...(this.stack === undefined ? {} : { stack: this.stack }),
    };
  }

  static fromJSON(json: DistilleryErrorJSON): DistilleryError {
    const error = new DistilleryError(json.code, json.message, json.details === undefined ? {} : { details: json.details });
    if (json.stack !== undefined) error.stack = json.stack;
    return error;
  }
}

export function isDistilleryError(value: unknown): value is DistilleryError {
  return (
    typeof value === 'object' &&
    value !== null &&
    (value as { name?: unknown }).name === 'DistilleryError' &&
    typeof (value as { code?: unknown }).code === 'string'
  );
}

/** Shorthand for the most common error: a bad option or input value. */
export function configError(field: string, expected: string, got: unknown): DistilleryError {
  return new DistilleryError('E_CONFIG', `${field}: expected ${expected}, got ${describeValue(got)}`, {
    details: { field, expected },
  });
}

export function describeValue(value: unknown): string {
  if (typeof value === 'string') return JSON.stringify(value);
  if (typeof value === 'number' || typeof value === 'boolean' || value == null) return String(value);
  if (Array.isArray(value)) return `an array of length ${value.length}`;
  return typeof value;
}
