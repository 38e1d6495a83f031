// brainfit worker: evaluate fit candidates from a BullMQ queue on Redis until stopped. Start as
// many as you like, on any machine that reaches Redis; SIGTERM or SIGINT drains (finishes the
// jobs held, takes no more) and exits 0. A second signal exits at once (the jobs held are then
// given to other workers when their locks expire).
import { type FlagSpec, formatHelp, parseFlags, UsageError } from "./args.ts";
import type { BackendName } from "../batch/prepare.ts";

const FLAGS: FlagSpec[] = [
  { name: "queue", type: "string", metavar: "URL", help: "Redis URL: redis://[:password@]host:port[/db], rediss:// for TLS (required)" },
  { name: "queue-name", type: "string", default: "brainfit", metavar: "NAME", help: "queue to serve (the fit's --queue-name)" },
  { name: "backend", type: "string", default: "auto", metavar: "auto|webgpu|wasm|reference", help: "where simulations run" },
  {
    name: "concurrency",
    type: "number",
    metavar: "N",
    help: "candidates held and simulated together (default: 4 per core; 64 with --backend webgpu)",
  },
  { name: "threads", type: "number", metavar: "N", help: "wasm backend worker threads (default: all cores)" },
  { name: "max-lanes", type: "number", metavar: "N", help: "most simulations per backend call" },
  {
    name: "lock-ms",
    type: "number",
    default: 120000,
    metavar: "MS",
    help:
      "a job whose worker goes silent this long is retried elsewhere; keep it above the longest batch (a one-lane-group wasm batch runs on the main thread)",
  },
  { name: "verbose", type: "boolean", help: "print a line per job" },
  { name: "quiet", type: "boolean", help: "print nothing but errors" },
  { name: "help", type: "boolean", help: "show this help" },
];

export const WORKER_HELP = formatHelp(
  "usage: brainfit worker --queue redis://host:6379 [options]",
  "Evaluate candidates of queued fits ('brainfit fit --queue URL') until stopped (SIGTERM drains).\n" +
    "Workers run no code from jobs: a job names a fit package (model spec and data) and a candidate.\n" +
    "See docs/distributed.md.",
  FLAGS,
);

export async function workerCommand(argv: string[]): Promise<number> {
  const { flags, positional } = parseFlags(argv, FLAGS, "worker");
  if (flags.help) {
    process.stdout.write(WORKER_HELP);
    return 0;
  }
  if (positional.length) throw new UsageError(`unexpected argument '${positional[0]}'; see 'brainfit worker --help'`);
  if (typeof flags.queue !== "string") throw new UsageError("give the Redis URL: --queue redis://host:6379");
  if (!/^rediss?:\/\/./.test(flags.queue)) {
    throw new UsageError(`--queue must be a redis:// or rediss:// URL (e.g. redis://127.0.0.1:6379), got '${flags.queue}'`);
  }
  const backend = String(flags.backend) as BackendName;
  if (!["auto", "webgpu", "wasm", "reference"].includes(backend)) {
    throw new UsageError(`--backend must be auto, webgpu, wasm or reference, got '${backend}'`);
  }
  const intFlag = (name: string) => {
    const v = flags[name];
    if (v === undefined) return undefined;
    if (!(Number.isInteger(v) && (v as number) >= 1)) throw new UsageError(`--${name} must be an integer >= 1, got ${String(v)}`);
    return v as number;
  };
  const { availableParallelism } = await import("node:os");
  const concurrency = intFlag("concurrency") ?? (backend === "webgpu" ? 64 : 4 * availableParallelism());
  const quiet = Boolean(flags.quiet);
  const verbose = Boolean(flags.verbose) && !quiet;
  const { startWorker } = await import("../distributed/worker.ts");
  const { safeUrl } = await import("../distributed/connection.ts");
  const say = (line: string) => {
    if (quiet) return;
    if (!verbose && /^(take|done|failed|batch) /.test(line)) return;
    process.stdout.write(`${line}\n`);
  };
  const w = await startWorker({
    url: flags.queue,
    queue: String(flags["queue-name"]),
    backend,
    concurrency,
    threads: intFlag("threads"),
    maxLanesPerCall: intFlag("max-lanes"),
    lockMs: intFlag("lock-ms"),
    log: say,
  });
  if (!quiet) {
    process.stdout.write(`brainfit worker: serving ${safeUrl(flags.queue)} (queue '${String(flags["queue-name"])}'); SIGTERM drains\n`);
  }
  await new Promise<void>((resolve) => {
    let signals = 0;
    const stop = (sig: string) => {
      if (++signals > 1) process.exit(130);
      if (!quiet) process.stdout.write(`brainfit worker: ${sig}: finishing the jobs held, then exiting\n`);
      void w.close().then(resolve);
    };
    process.on("SIGTERM", () => stop("SIGTERM"));
    process.on("SIGINT", () => stop("SIGINT"));
  });
  if (!quiet) process.stdout.write(`brainfit worker: stopped after ${w.evaluations} evaluations\n`);
  // Connections are closed; should a reconnect timer linger (Redis gone), do not wait for it.
  setTimeout(() => process.exit(0), 2000).unref();
  return 0;
}
