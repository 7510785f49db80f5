import { DistilleryError } from '@distillery/core';

/** A Redis URL taken apart: what ioredis needs, and a form safe to print (no password). */
export interface RedisTarget {
  readonly host: string;
  readonly port: number;
  readonly db: number;
  readonly username?: string;
  readonly password?: string;
  readonly tls: boolean;
  /** The URL with the password masked: for messages and logs. */
  readonly display: string;
}

/**
 * `redis://[[user]:password@]host[:port][/db]` and `rediss://…` (TLS). A bad URL is a config
 * error naming the URL (password masked) and the form expected.
 */
export function parseRedisUrl(url: string): RedisTarget {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    throw badUrl(url, 'it is not a URL');
  }
  const tls = parsed.protocol === 'rediss:';
  if (!tls && parsed.protocol !== 'redis:') throw badUrl(url, `the scheme is ${JSON.stringify(parsed.protocol.replace(/:$/, ''))}`);
  const host = parsed.hostname.replace(/^\[(.*)\]$/, '$1') || '127.0.0.1';
  const port = parsed.port === '' ? 6379 : Number(parsed.port);
  const path = parsed.pathname.replace(/^\//, '');
  const db = path === '' ? 0 : Number(path);
  if (!Number.isInteger(db) || db < 0 || !/^\d*$/.test(path)) throw badUrl(url, `the database ${JSON.stringify(path)} is not a number ≥ 0`);
  const username = decodeURIComponent(parsed.username);
  const password = decodeURIComponent(parsed.password);
  const masked = new URL(parsed.href);
  if (masked.password !== '') masked.password = '***';
  return {
    host,
    port,
    db,
    ...(username === '' ? {} : { username }),
    ...(password === '' ? {} : { password }),
    tls,
    display: masked.href.replace(/\/$/, ''),
  };
}

/** True when a string names a Redis URL (how `--executor` tells a queue from `local`). */
export function isRedisUrl(value: string): boolean {
  return /^rediss?:\/\//.test(value);
}

function badUrl(url: string, why: string): DistilleryError {
  return new DistilleryError(
    'E_CONFIG',
    `Redis URL ${JSON.stringify(maskPassword(url))}: ${why}; expected redis://[:password@]host[:port][/db] or rediss://… for TLS`,
    { details: { field: 'redis', expected: 'redis://[:password@]host[:port][/db]' } },
  );
}

function maskPassword(url: string): string {
  return url.replace(/^([a-z]+:\/\/[^:/@]*:)[^@]*@/i, '$1***@');
}
