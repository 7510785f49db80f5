import 'reflect-metadata';
import { container as rootContainer, type DependencyContainer } from 'tsyringe';
import type { BackendInfo } from '../backend/setup-backend.js';
import { createRandom } from '../random.js';
import { silentLogger, type Logger, type PluginServices, type ServiceToken } from './services.js';
import { BACKEND_INFO, CLOCK, LOGGER, RANDOM_SOURCE } from './tokens.js';

export interface ServiceOptions {
  readonly logger?: Logger;
  readonly seed?: number;
  readonly backend?: BackendInfo;
  /** Extra services by token (e.g. the runner registers its logit cache). */
  readonly extra?: ReadonlyArray<readonly [ServiceToken<unknown>, unknown]>;
}

/**
 * The composition root of one thread (CLI main, API call, worker entry): registers the shared
 * services by token with `useValue` / `useFactory` in a child of tsyringe's container.
 */
export function createServiceContainer(options: ServiceOptions = {}): DependencyContainer {
  const container = rootContainer.createChildContainer();
  container.register(LOGGER, { useValue: options.logger ?? silentLogger });
  container.register(CLOCK, { useValue: { now: () => performance.now() } });
  // A factory: each resolution gets its own generator, seeded from the run seed.
  container.register(RANDOM_SOURCE, { useFactory: () => createRandom(options.seed ?? 1) });
  if (options.backend !== undefined) container.register(BACKEND_INFO, { useValue: options.backend });
  for (const [token, value] of options.extra ?? []) container.register(token, { useValue: value });
  return container;
}

/** The services a plugin's `create` receives, resolved from a thread's container. */
export function pluginServices(container: DependencyContainer): PluginServices {
  return {
    logger: container.resolve(LOGGER),
    clock: container.resolve(CLOCK),
    random: container.resolve(RANDOM_SOURCE),
    ...(container.isRegistered(BACKEND_INFO) ? { backend: container.resolve(BACKEND_INFO) } : {}),
    resolve: <T>(token: ServiceToken<T>) => container.resolve<T>(token),
  };
}
