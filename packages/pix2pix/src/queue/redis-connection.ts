/**
 * Which Redis the queue lives in, how to connect to it, and what a failure to reach it tells the user.
 * BullMQ opens the connections (with its ioredis driver); this module only says where and how patiently.
 */
import type { ConnectionOptions } from "bullmq";
import { UserError } from "../errors.ts";

export const REDIS_URL_ENV = "PIX2PIX_REDIS_URL";
export const DEFAULT_REDIS_URL = "redis://127.0.0.1:6379";

/** The URL given with --redis, else $PIX2PIX_REDIS_URL, else Redis's default port on this machine. */
export function redisUrl(given: string | undefined, env: NodeJS.ProcessEnv = process.env): string {
  const url = given ?? env[REDIS_URL_ENV] ?? DEFAULT_REDIS_URL;
  const from = given !== undefined ? "--redis" : env[REDIS_URL_ENV] !== undefined ? REDIS_URL_ENV : "";
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    throw new UserError(
      `${from} is not a URL: '${url}'`,
      "for example redis://127.0.0.1:6379 or rediss://user:password@host:6380/0",
    );
  }
  if (parsed.protocol !== "redis:" && parsed.protocol !== "rediss:") {
    throw new UserError(
      `${from} must be a redis:// or rediss:// URL, got '${displayUrl(url)}'`,
      "for example redis://127.0.0.1:6379 (rediss:// for TLS)",
    );
  }
  return url;
}

/** The URL with its password hidden, for messages and logs. */
export function displayUrl(url: string): string {
  try {
    const parsed = new URL(url);
    if (parsed.password) parsed.password = "***";
    return parsed.toString();
  } catch {
    return url;
  }
}

/**
 * How long to keep trying. A command that reports and exits gives up after a few refused attempts, so
 * an unreachable Redis is an error within seconds. A worker does the same until it first connects;
 * after that it reconnects for as long as it takes (a Redis restart must not end the worker).
 */
export type Patience = "brief" | "keep-reconnecting";

export interface RedisConnection {
  readonly url: string;
  readonly options: ConnectionOptions;
  /** Called once the first connection is up: from then on a "keep-reconnecting" connection never gives up. */
  connected(): void;
}

const ATTEMPTS_BEFORE_FIRST_CONNECTION = 4;

export function redisConnection(url: string, patience: Patience): RedisConnection {
  let everConnected = false;
  const retryStrategy = (attempt: number): number | null => {
    if (patience === "keep-reconnecting" && everConnected) return Math.min(attempt * 500, 5000);
    return attempt > ATTEMPTS_BEFORE_FIRST_CONNECTION ? null : 250 * attempt;
  };
  return {
    url,
    options: { url, retryStrategy, connectTimeout: 5000 },
    connected() {
      everConnected = true;
    },
  };
}

/** Whether `error` says that Redis cannot be reached (refused, unknown host, timeout, dropped). */
export function isConnectionError(error: unknown): boolean {
  const code = (error as { code?: string }).code ?? "";
  const message = error instanceof Error ? error.message : String(error);
  return (
    ["ECONNREFUSED", "ENOTFOUND", "EAI_AGAIN", "ETIMEDOUT", "EHOSTUNREACH", "ECONNRESET"].includes(code) ||
    /Connection is closed|connect ETIMEDOUT|Reached the max retries/i.test(message)
  );
}

/** A connection failure as a UserError that names the URL and says what to do; other errors pass. */
export function redisError(url: string, error: unknown): unknown {
  const message = error instanceof Error ? error.message : String(error);
  if (/could not load the optional 'ioredis'/.test(message)) {
    return new UserError(
      "the queue needs the ioredis package (BullMQ's Redis driver), which is not installed",
      "npm install ioredis (in the pix2pix package or beside it)",
    );
  }
  if (isConnectionError(error)) {
    return new UserError(
      `cannot reach Redis at ${displayUrl(url)} (${message})`,
      `start Redis there (redis-server), or point --redis / ${REDIS_URL_ENV} at the queue's Redis`,
    );
  }
  if (/NOAUTH|WRONGPASS|invalid password|invalid username/i.test(message)) {
    return new UserError(
      `Redis at ${displayUrl(url)} refused the credentials (${message})`,
      "give the password in the URL: redis://:password@host:6379 or redis://user:password@host:6379",
    );
  }
  return error;
}
