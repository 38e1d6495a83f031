// Redis connections and key names shared by the driver and the workers. A queue URL is any
// URL ioredis takes: redis://[user:password@]host:port[/db], rediss:// for TLS.
import { Redis } from "ioredis";

export const DEFAULT_QUEUE = "brainfit";

/**
 * A connection that waits out Redis outages instead of failing commands: BullMQ needs
 * maxRetriesPerRequest null for its blocking commands, and the driver's reads then simply
 * resume when Redis is back (restart, failover).
 */
export function connect(url: string, name: string): Redis {
  if (!/^rediss?:\/\//.test(url)) {
    throw new TypeError(`--queue must be a redis:// or rediss:// URL (e.g. redis://127.0.0.1:6379), got '${url}'`);
  }
  return new Redis(url, {
    maxRetriesPerRequest: null,
    enableOfflineQueue: true,
    connectionName: name,
    // Reconnect quickly after a restart (100 ms, 200 ms, … capped at 2 s).
    retryStrategy: (times) => Math.min(times * 100, 2000),
  });
}

/** Resolve when Redis answers; after `ms` reject naming the URL and the last connection error. */
export async function reachable(redis: Redis, url: string, ms: number): Promise<void> {
  let last = "no answer";
  const onError = (e: Error) => (last = e.message || String(e));
  redis.on("error", onError);
  let timer: ReturnType<typeof setTimeout> | undefined;
  try {
    await Promise.race([
      redis.ping(),
      new Promise((
        _,
        reject,
      ) => (timer = setTimeout(
        () =>
          reject(
            new Error(
              `cannot reach Redis at ${safeUrl(url)} within ${
                ms / 1000
              } s (${last}); is redis-server running there, and the URL (host, port, password) right?`,
            ),
          ),
        ms,
      ))),
    ]);
  } finally {
    clearTimeout(timer);
  }
}

/** The URL with its password masked, for logs. */
export function safeUrl(url: string): string {
  return url.replace(/\/\/([^@/]*):([^@/]*)@/, "//$1:***@");
}

export const keys = {
  /** A fit package by content hash. */
  fitPackage: (queue: string, hash: string) => `brainfit:${queue}:fit:${hash}`,
  /** A worker's heartbeat (expires when it stops beating). */
  worker: (queue: string, id: string) => `brainfit:${queue}:worker:${id}`,
  workerPattern: (queue: string) => `brainfit:${queue}:worker:*`,
};

/** What a job carries: the fit package's hash, the problem (variant) index, the candidate (codec-encoded) and whether to return its outputs. */
export interface JobData {
  v: 1;
  fit: string;
  variant: number;
  x: string;
  keep: boolean;
}

/** What a worker heartbeat says. */
export interface WorkerBeat {
  id: string;
  host: string;
  pid: number;
  runtime: string;
  backend: string;
  concurrency: number;
  evaluations: number;
  started: string;
}

export const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));
