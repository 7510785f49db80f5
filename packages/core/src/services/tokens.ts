import type { BackendInfo } from '../backend/setup-backend.js';
import type { RandomSource } from '../random.js';
import type { Clock, Logger, ServiceToken } from './services.js';

/**
 * Tokens of the shared services. tsx/esbuild emit no decorator metadata, so nothing is
 * autowired by type: every service is registered and resolved by one of these tokens.
 */
export const LOGGER: ServiceToken<Logger> = 'distillery:logger';
export const CLOCK: ServiceToken<Clock> = 'distillery:clock';
export const RANDOM_SOURCE: ServiceToken<RandomSource> = 'distillery:random';
export const BACKEND_INFO: ServiceToken<BackendInfo> = 'distillery:backend';
