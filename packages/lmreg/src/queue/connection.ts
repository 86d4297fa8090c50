import { InvalidArgumentError } from '@lmreg/common';
import { Redis, type RedisOptions } from 'ioredis';

import { QueueUnreachableError } from './errors.js';

/** The URL with its password replaced by `***`, for messages and logs. */
export function redactUrl(url: string): string {
  try {
    const u = new URL(url);
    if (u.password !== '') u.password = '***';
    return u.toString().replace(/\/$/, '');
  } catch {
    return url;
  }
}

/**
 * ioredis options of a `redis://[user:password@]host:port[/db]` (or `rediss://`) URL, as BullMQ
 * needs them (`maxRetriesPerRequest: null`: commands wait for a Redis that restarts).
 *
 * @throws InvalidArgumentError when the URL is not a redis URL.
 */
export function redisOptionsOf(url: string): RedisOptions {
  let u: URL;
  try {
    u = new URL(url);
  } catch {
    throw new InvalidArgumentError(`--queue must be a Redis URL like redis://127.0.0.1:6379 (got '${url}').`);
  }
  if (u.protocol !== 'redis:' && u.protocol !== 'rediss:') {
    throw new InvalidArgumentError(`--queue must be a redis:// or rediss:// URL like redis://127.0.0.1:6379 (got '${redactUrl(url)}').`);
  }
  const db = u.pathname.replace(/^\//, '');
  if (db !== '' && !/^\d+$/.test(db)) {
    throw new InvalidArgumentError(`the path of --queue is a Redis database number, e.g. redis://127.0.0.1:6379/0 (got '/${db}').`);
  }
  return {
    host: u.hostname === '' ? '127.0.0.1' : u.hostname.replace(/^\[|\]$/g, ''),
    port: u.port === '' ? 6379 : Number(u.port),
    ...(u.username === '' ? {} : { username: decodeURIComponent(u.username) }),
    ...(u.password === '' ? {} : { password: decodeURIComponent(u.password) }),
    ...(db === '' ? {} : { db: Number(db) }),
    ...(u.protocol === 'rediss:' ? { tls: {} } : {}),
    maxRetriesPerRequest: null,
  };
}

/**
 * Checks that a Redis answers at `url` (one PING, no retries).
 *
 * @throws QueueUnreachableError naming the URL and how to start a Redis there.
 */
export async function checkRedis(url: string, timeoutMs = 3000): Promise<void> {
  const client = new Redis({
    ...redisOptionsOf(url),
    lazyConnect: true,
    connectTimeout: timeoutMs,
    maxRetriesPerRequest: 0,
    retryStrategy: () => null,
    enableOfflineQueue: false,
  });
  let first: Error | undefined;
  client.on('error', (error: Error) => void (first ??= error));
  try {
    await client.connect();
    await client.ping();
  } catch (cause) {
    const reason = first?.message ?? (cause as Error).message;
    throw new QueueUnreachableError(redactUrl(url), reason === '' ? 'connection failed' : reason, { cause: first ?? cause });
  } finally {
    client.disconnect();
  }
}
