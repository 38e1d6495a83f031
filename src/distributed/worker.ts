// A brainfit worker: pulls evaluation jobs from a BullMQ queue, evaluates them with the fit's
// own evaluation code (evaluateBatch) and returns GOF terms, status and, for a run's best
// candidate, its outputs. Jobs that arrive together are simulated together (one simulate()
// call of up to `concurrency` lanes): a lane's result depends on its candidate and seed only,
// so batching changes nothing in the results. Heartbeats tell the driver who is connected;
// close() (SIGTERM) stops taking jobs and finishes the ones it holds.
import { hostname } from "node:os";
import { type Job, UnrecoverableError, Worker } from "bullmq";
import { type EvalResult, evaluateBatch } from "../fit/evaluate.ts";
import type { FitProblem, LaneOutputs } from "../fit/problem.ts";
import type { BackendName } from "../batch/prepare.ts";
import { decode, encode } from "./codec.ts";
import { connect, DEFAULT_QUEUE, type JobData, keys, reachable, type WorkerBeat } from "./connection.ts";
import { problemsOfPackage } from "./package.ts";

export interface WorkerOptions {
  url: string;
  queue?: string;
  backend?: BackendName;
  /** Jobs (candidates) held at once, simulated together as one batch of lanes (default 8). */
  concurrency?: number;
  /** wasm backend threads (default: all cores). */
  threads?: number;
  maxLanesPerCall?: number;
  /**
   * A job whose worker stops renewing its lock for this long is given to another worker
   * (default 120000 ms). Renewal runs on the worker's main thread, and the wasm backend runs a
   * batch of one lane group on that thread: keep this above the longest batch.
   */
  lockMs?: number;
  /** How often this worker looks for stalled jobs (default 15000 ms). */
  stalledCheckMs?: number;
  heartbeatMs?: number;
  /**
   * A partial batch waits for more jobs until none has come for gatherMs (default 25 ms), at
   * most maxGatherMs after its first (default 250 ms). BullMQ hands a worker its jobs one fetch
   * at a time, and a batch of 1 lane costs a WASM lane group (4 lanes) as much as 4 lanes do.
   */
  gatherMs?: number;
  maxGatherMs?: number;
  /** Log lines (job done, errors); default none. */
  log?: (line: string) => void;
}

/** What a job returns (codec-encoded). */
export interface JobResult {
  result: EvalResult;
  outputs?: LaneOutputs;
  backendInfo: string;
  simulateMs: number;
}

/** Error names that mean the job itself is bad (deterministic): failed at once, never retried. */
const BAD_INPUT = ["FitConfigError", "SimulationError", "NetworkError", "ModelSpecError", "ExprSyntaxError", "RangeError"];

interface Pending {
  problem: FitProblem;
  x: number[];
  keep: boolean;
  resolve: (r: JobResult) => void;
  reject: (e: unknown) => void;
}

export interface RunningWorker {
  id: string;
  /** Evaluations finished by this worker. */
  readonly evaluations: number;
  /** Stop taking jobs, finish those held, disconnect. */
  close(): Promise<void>;
}

export async function startWorker(opts: WorkerOptions): Promise<RunningWorker> {
  const queue = opts.queue ?? DEFAULT_QUEUE;
  const concurrency = opts.concurrency ?? 8;
  if (!Number.isInteger(concurrency) || concurrency < 1) throw new RangeError(`concurrency must be an integer >= 1, got ${concurrency}`);
  const log = opts.log ?? (() => {});
  const id = `${hostname()}-${process.pid}-${Math.random().toString(36).slice(2, 8)}`;
  const redis = connect(opts.url, `brainfit-worker-${id}`);
  const runtime = "Deno" in globalThis ? "deno" : "Bun" in globalThis ? "bun" : `node ${process.versions.node}`;
  let evaluations = 0;

  // Fit packages by hash → their problems (a few fits at a time).
  const packages = new Map<string, Promise<FitProblem[]>>();
  const problemsOf = (hash: string): Promise<FitProblem[]> => {
    let hit = packages.get(hash);
    if (!hit) {
      hit = (async () => {
        const text = await redis.get(keys.fitPackage(queue, hash));
        // Missing: Redis lost it (restart without persistence); the driver stores it again, so retry.
        if (text === null) throw new Error(`fit package ${hash.slice(0, 12)} is not in Redis (yet); retrying`);
        try {
          return await problemsOfPackage(text);
        } catch (e) {
          throw new UnrecoverableError(`fit package ${hash.slice(0, 12)} does not build: ${(e as Error).message}`);
        }
      })();
      hit.catch(() => packages.delete(hash));
      packages.set(hash, hit);
      if (packages.size > 8) packages.delete(packages.keys().next().value!);
    }
    return hit;
  };

  // Jobs gathered into one evaluateBatch call.
  let pending: Pending[] = [];
  let timer: ReturnType<typeof setTimeout> | null = null;
  let firstAt = 0;
  const evaluate = async (items: Pending[], keep: boolean): Promise<JobResult[]> => {
    const t0 = Date.now();
    const batch = await evaluateBatch(items.map((p) => ({ problem: p.problem, x: p.x })), {
      backend: opts.backend,
      threads: opts.threads,
      maxLanesPerCall: opts.maxLanesPerCall,
      keepOutputs: keep,
      extraAverages: keep,
    });
    log(`batch ${items.length} lanes in ${Date.now() - t0} ms (${batch.backendInfo})`);
    return batch.results.map((result, i) => ({
      result,
      outputs: batch.outputs?.[i],
      backendInfo: batch.backendInfo,
      simulateMs: batch.simulateMs / items.length,
    }));
  };
  const flush = () => {
    if (timer) clearTimeout(timer);
    timer = null;
    const items = pending;
    pending = [];
    for (const keep of [false, true]) {
      const group = items.filter((p) => p.keep === keep);
      if (!group.length) continue;
      void evaluate(group, keep).then(
        (rs) => group.forEach((p, i) => p.resolve(rs[i]!)),
        async (e: unknown) => {
          if (group.length === 1) return group[0]!.reject(e);
          // Find the candidates at fault: evaluate each alone (a lane's result does not depend on its batch).
          for (const p of group) await evaluate([p], keep).then((r) => p.resolve(r[0]!), (err: unknown) => p.reject(err));
        },
      );
    }
  };

  const processor = async (job: Job<JobData, string>): Promise<string> => {
    const d = job.data;
    if (d?.v !== 1 || typeof d.fit !== "string" || typeof d.x !== "string") {
      throw new UnrecoverableError("not a brainfit evaluation job (v 1)");
    }
    const problems = await problemsOf(d.fit);
    const problem = problems[d.variant];
    if (!problem) {
      throw new UnrecoverableError(`fit package ${d.fit.slice(0, 12)} has ${problems.length} problems, the job asks for #${d.variant}`);
    }
    const x = decode<number[]>(d.x);
    log(`take ${job.id}`);
    try {
      const r = await new Promise<JobResult>((resolve, reject) => {
        if (!pending.length) firstAt = Date.now();
        pending.push({ problem, x, keep: d.keep, resolve, reject });
        if (timer) clearTimeout(timer);
        timer = null;
        if (pending.length >= concurrency) flush();
        else timer = setTimeout(flush, Math.max(0, Math.min(opts.gatherMs ?? 25, firstAt + (opts.maxGatherMs ?? 250) - Date.now())));
      });
      evaluations++;
      log(`done ${job.id} ${r.result.status}`);
      return encode(r);
    } catch (e) {
      const err = e as Error;
      log(`failed ${job.id}: ${err?.name}: ${err?.message}`);
      // The same candidate fails the same way everywhere: fail the job once, do not retry it.
      if (BAD_INPUT.includes(err?.name)) throw new UnrecoverableError(`${err.name}: ${err.message}`);
      throw e;
    }
  };

  const bullConnection = connect(opts.url, `brainfit-worker-${id}-bullmq`);
  const worker = new Worker<JobData, string>(queue, processor, {
    connection: bullConnection,
    concurrency,
    lockDuration: opts.lockMs ?? 120000,
    stalledInterval: opts.stalledCheckMs ?? Math.max(1000, Math.floor((opts.lockMs ?? 120000) / 4)),
    // A job that keeps killing its workers (out of memory, say) fails after this many tries.
    maxStalledCount: 3,
    autorun: false,
    name: id,
  });
  let lastError = "";
  worker.on("error", (e) => {
    // Connection errors repeat while Redis is down: log each kind once.
    if (e.message !== lastError) log(`worker error: ${e.message}`);
    lastError = e.message;
  });
  const beatMs = opts.heartbeatMs ?? 2000;
  const started = new Date().toISOString();
  const beat = async () => {
    const b: WorkerBeat = {
      id,
      host: hostname(),
      pid: process.pid,
      runtime,
      backend: opts.backend ?? "auto",
      concurrency,
      evaluations,
      started,
    };
    await redis.set(keys.worker(queue, id), JSON.stringify(b), "PX", beatMs * 3).catch(() => {});
  };
  await reachable(redis, opts.url, 10000).catch((e: Error) => log(`${e.message}; still trying`));
  await beat();
  const beats = setInterval(() => void beat(), beatMs);
  void worker.run();
  await worker.waitUntilReady();
  log(`worker ${id} (${runtime}) on queue '${queue}', ${concurrency} lanes per batch, backend ${opts.backend ?? "auto"}`);

  let closing: Promise<void> | null = null;
  return {
    id,
    get evaluations() {
      return evaluations;
    },
    close() {
      closing ??= (async () => {
        // Finish the jobs held (their batch may still be gathering), then leave. Without Redis
        // the results cannot be delivered: after 10 s without it, give up (the jobs go to other
        // workers once Redis is back) rather than hang.
        if (pending.length) flush();
        const closed = worker.close().then(() => true);
        let watch: ReturnType<typeof setInterval> | undefined;
        const redisGone = new Promise<boolean>((resolve) => {
          let downSince = 0;
          watch = setInterval(() => {
            if (redis.status === "ready") downSince = 0;
            else if (!downSince) downSince = Date.now();
            else if (Date.now() - downSince > 10000) resolve(false);
          }, 1000);
        });
        const drained = await Promise.race([closed, redisGone]);
        clearInterval(watch);
        if (!drained) {
          log("could not drain (Redis unreachable?): leaving the jobs held to other workers");
          void worker.close(true).catch(() => {});
        }
        clearInterval(beats);
        // (Commands wait for Redis while it is down: only say goodbye to a live one.)
        if (redis.status === "ready") await redis.del(keys.worker(queue, id)).catch(() => {});
        redis.disconnect();
        bullConnection.disconnect();
      })();
      return closing;
    },
  };
}
