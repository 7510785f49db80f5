import type { BackendInfo } from '../backend/setup-backend.js';
import type { RandomSource } from '../random.js';

/** Where plugins and the runner report what they do; the CLI decides how it is shown. */
export interface Logger {
  debug(message: string): void;
  info(message: string): void;
  warn(message: string): void;
}

export interface Clock {
  /** Milliseconds, monotonic. */
  now(): number;
}

/** The shared services every plugin's `create` receives (resolved from the thread's container). */
export interface PluginServices {
  readonly logger: Logger;
  readonly clock: Clock;
  /** Seeded from the run seed: plugins that draw random numbers draw them here, repeatably. */
  readonly random: RandomSource;
  readonly backend?: BackendInfo;
  /** Any other registered service, by its token (e.g. the runner's logit cache). */
  resolve<T>(token: ServiceToken<T>): T;
}

/** A typed key for a service in the container (a symbol, or a string for cross-package tokens). */
export type ServiceToken<T> = (symbol | string) & { readonly __service?: T };

export const silentLogger: Logger = { debug() {}, info() {}, warn() {} };
