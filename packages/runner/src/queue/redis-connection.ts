import { DistilleryError } from '@distillery/core';
import type { ConnectionOptions } from 'bullmq';
import { Redis, type RedisOptions } from 'ioredis';
import { parseRedisUrl, type RedisTarget } from './redis-url.js';

export interface RedisConnectionOptions {
  /** How long to wait for the first answer before giving up (default 5 s). */
  readonly timeoutMs?: number;
}

/** What BullMQ's Queue and Worker get: plain ioredis options (each makes its own connections). */
export interface RedisEndpoint {
  readonly target: RedisTarget;
  readonly options: RedisOptions;
}

/** ioredis options for a target. BullMQ workers block on Redis, so retries per request are unlimited. */
export function redisOptions(target: RedisTarget): RedisOptions {
  return {
    host: target.host,
    port: target.port,
    db: target.db,
    ...(target.username === undefined ? {} : { username: target.username }),
    ...(target.password === undefined ? {} : { password: target.password }),
    ...(target.tls ? { tls: { servername: target.host } } : {}),
    maxRetriesPerRequest: null,
    // Once connected, a lost connection is retried (a Redis restart is survived), with a cap.
    retryStrategy: (times: number) => Math.min(times * 200, 2000),
  };
}

/** The same options, as BullMQ's Queue, QueueEvents and Worker take them (each opens its own connections). */
export function bullConnection(target: RedisTarget): ConnectionOptions {
  return redisOptions(target) as ConnectionOptions;
}

/**
 * Checks that Redis answers at `url` and returns how to reach it. Unreachable, refused
 * password or wrong TLS: one DistilleryError naming the URL (password masked), within the
 * timeout — not a hang, and not ioredis' stack of reconnect errors.
 */
export async function connectRedis(url: string, options: RedisConnectionOptions = {}): Promise<RedisEndpoint> {
  const target = parseRedisUrl(url);
  const client = await openClient(target, options);
  await client.quit().catch(() => client.disconnect());
  return { target, options: redisOptions(target) };
}

/** A connected ioredis client (for the logit store and stats), checked like `connectRedis`. */
export async function openClient(target: RedisTarget, options: RedisConnectionOptions = {}): Promise<Redis> {
  const timeoutMs = options.timeoutMs ?? 5000;
  const client = new Redis({
    ...redisOptions(target),
    lazyConnect: true,
    connectTimeout: timeoutMs,
    // The first connection is tried once: a wrong URL should fail now, not retry forever.
    retryStrategy: () => null,
    maxRetriesPerRequest: 1,
    enableOfflineQueue: false,
  });
  let lastError: Error | undefined;
  client.on('error', (error: Error) => (lastError = error));
  try {
    await withTimeout(client.connect().then(() => client.ping()), timeoutMs);
  } catch (error) {
    client.disconnect();
    throw unreachable(target, lastError ?? (error as Error));
  }
  // From here on the client behaves like BullMQ's: reconnects, and waits while disconnected.
  client.options.retryStrategy = redisOptions(target).retryStrategy;
  client.options.maxRetriesPerRequest = null;
  client.options.enableOfflineQueue = true;
  return client;
}

function unreachable(target: RedisTarget, error: Error): DistilleryError {
  const reason = error.message;
  const hint = /NOAUTH|WRONGPASS|invalid password|AUTH/i.test(reason)
    ? 'the server wants a password: put it in the URL (redis://:password@host:port)'
    : target.tls
      ? 'check that the server speaks TLS on this port (rediss://) and that its certificate is trusted'
      : `start one (redis-server --port ${target.port}) or check the host and port`;
  return new DistilleryError('E_QUEUE', `cannot reach Redis at ${target.display}: ${reason}; ${hint}`, {
    details: { url: target.display },
  });
}

function withTimeout<T>(promise: Promise<T>, ms: number): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`no answer within ${ms} ms`)), ms);
  });
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer));
}
