// The driver side of a queued fit: a BatchEvaluator for batchOptimize that turns each
// generation's candidates into BullMQ jobs and waits for their results. The optimizers, the
// run folders and the checkpoints are batchOptimize's as for a local fit; only where the
// simulations run changes.
//
// Job ids come from (fit package, run, generation, candidate) plus a hash of the candidate, so
// adding a job that exists is a no-op: a resumed driver re-adds a generation and collects what
// workers finished meanwhile; a retried or duplicated job overwrites its own result and is
// collected once. Completed jobs are removed when the next generation starts (by then the
// checkpoint holds them). Jobs missing from Redis (restarted without persistence) are added
// again, with the package; a job that fails for good is reported with status "failed".
import { Job, Queue, QueueEvents } from "bullmq";
import type { Redis } from "ioredis";
import type { EvalRequest, EvalResult, EvaluateOptions, EvaluationBatch } from "../fit/evaluate.ts";
import type { FitProblem, LaneOutputs } from "../fit/problem.ts";
import type { BatchEvaluator, EvalTag } from "../fit/run.ts";
import { decode, encode } from "./codec.ts";
import { connect, DEFAULT_QUEUE, type JobData, keys, reachable, sleep, type WorkerBeat } from "./connection.ts";
import { sha256 } from "./package.ts";
import type { JobResult } from "./worker.ts";

export interface QueueProgress {
  /** Workers whose heartbeat is current. */
  workers: number;
  /** Jobs waiting in the queue (all fits on it) and being evaluated. */
  waiting: number;
  active: number;
  /** Results collected by this driver, and per second since it started. */
  collected: number;
  simsPerSecond: number;
  /** Jobs of the current generation still out. */
  outstanding: number;
}

export interface QueueDriverOptions {
  url: string;
  queue?: string;
  /** Tries per job for errors that may pass (a lost GPU, a missing package); bad candidates fail at once (default 3). */
  attempts?: number;
  /** How often every outstanding job is checked (lost jobs, missed events; default 10000 ms, and at once after a reconnect). */
  sweepMs?: number;
  /** Called about once per second while results are awaited. */
  onProgress?: (p: QueueProgress) => void;
  /** Give up when Redis does not answer within this at the start (default 15000 ms; later outages are waited out). */
  connectTimeoutMs?: number;
  /** Log lines (lost jobs re-added, Redis waits). */
  log?: (line: string) => void;
}

interface Outstanding {
  id: string;
  index: number;
  data: JobData;
}

export class QueueDriver {
  readonly queueName: string;
  private readonly redis: Redis;
  private readonly queue: Queue<JobData, string>;
  private readonly events: QueueEvents;
  private readonly connections: Redis[];
  private toRemove: string[] = [];
  private woken = new Set<string>();
  private wake: (() => void) | null = null;
  private collected = 0;
  private sweepNow = false;
  private readonly t0 = Date.now();

  private constructor(private readonly opts: QueueDriverOptions, private readonly pkgText: string, readonly pkgHash: string) {
    this.queueName = opts.queue ?? DEFAULT_QUEUE;
    this.redis = connect(opts.url, "brainfit-driver");
    const qc = connect(opts.url, "brainfit-driver-queue");
    const ec = connect(opts.url, "brainfit-driver-events");
    this.connections = [this.redis, qc, ec];
    this.queue = new Queue<JobData, string>(this.queueName, { connection: qc });
    this.queue.on("error", (e) => this.opts.log?.(`queue error: ${e.message}`));
    this.events = new QueueEvents(this.queueName, { connection: ec });
    this.events.on("error", (e) => this.opts.log?.(`queue events error: ${e.message}`));
    const note = ({ jobId }: { jobId: string }) => {
      this.woken.add(jobId);
      this.wake?.();
    };
    this.events.on("completed", note);
    this.events.on("failed", note);
    // After a reconnect (Redis restarted), check every outstanding job at once: jobs may be lost.
    let connectedOnce = false;
    this.redis.on("ready", () => {
      if (connectedOnce) {
        this.sweepNow = true;
        this.wake?.();
      }
      connectedOnce = true;
    });
  }

  /** Connect and store the fit package (text and hash from fitPackage()). */
  static async connect(opts: QueueDriverOptions, pkg: { text: string; hash: string }): Promise<QueueDriver> {
    const d = new QueueDriver(opts, pkg.text, pkg.hash);
    try {
      await reachable(d.redis, opts.url, opts.connectTimeoutMs ?? 15000);
    } catch (e) {
      for (const c of d.connections) c.disconnect();
      throw e;
    }
    await d.queue.waitUntilReady();
    await d.events.waitUntilReady();
    await d.storePackage();
    return d;
  }

  private async storePackage(): Promise<void> {
    // NX: the package is immutable under its hash; only send it when missing.
    const key = keys.fitPackage(this.queueName, this.pkgHash);
    if (!(await this.redis.exists(key))) await this.redis.set(key, this.pkgText, "NX");
  }

  /** The evaluator for batchOptimize; variantOf maps a problem to its index in the package's config. */
  evaluator(variantOf: (p: FitProblem) => number): BatchEvaluator {
    return (requests, opts, tags) => this.evaluate(requests, opts, tags, variantOf);
  }

  jobId(tag: EvalTag, x: ArrayLike<number>): string {
    // BullMQ ids cannot contain ':'; '.' separates the parts.
    const xh = sha256(encode(Array.from(x))).slice(0, 16);
    return `${this.pkgHash.slice(0, 16)}.r${tag.runIndex}.${tag.best ? "best" : `g${tag.generation}`}.c${tag.candidate}.${xh}`;
  }

  private async evaluate(
    requests: readonly EvalRequest[],
    opts: EvaluateOptions,
    tags: readonly EvalTag[],
    variantOf: (p: FitProblem) => number,
  ): Promise<EvaluationBatch> {
    // The previous generation is checkpointed by now: its jobs can go.
    await this.removeCollected();
    await this.storePackage();
    const keep = Boolean(opts.keepOutputs);
    const jobs: Outstanding[] = requests.map((r, i) => ({
      id: this.jobId(tags[i]!, r.x),
      index: i,
      data: { v: 1, fit: this.pkgHash, variant: variantOf(r.problem), x: encode(Array.from(r.x)), keep },
    }));
    await this.add(jobs);
    const got = await this.collect(jobs, requests);
    this.toRemove.push(...jobs.map((j) => j.id));
    const infos = new Set(got.map((g) => g.backendInfo).filter(Boolean));
    return {
      results: got.map((g) => g.result),
      outputs: keep ? got.map((g) => g.outputs!) : undefined,
      simulateCalls: jobs.length,
      backendInfo: [...infos].sort().join("; "),
      simulateMs: got.reduce((s, g) => s + g.simulateMs, 0),
      ficSimulations: 0,
    };
  }

  private async add(jobs: Outstanding[]): Promise<void> {
    const attempts = this.opts.attempts ?? 3;
    // Kept a week as a backstop; normally removed once collected.
    const keepFor = { age: 7 * 24 * 3600 };
    for (let i = 0; i < jobs.length; i += 500) {
      await this.queue.addBulk(
        jobs.slice(i, i + 500).map((j) => ({
          name: "evaluate",
          data: j.data,
          opts: { jobId: j.id, attempts, backoff: { type: "exponential", delay: 1000 }, removeOnComplete: keepFor, removeOnFail: keepFor },
        })),
      );
    }
  }

  /** Wait until every job has a result; events wake it early, a sweep checks all outstanding jobs. */
  private async collect(jobs: Outstanding[], requests: readonly EvalRequest[]): Promise<JobResult[]> {
    const out = new Array<JobResult>(jobs.length);
    const open = new Map(jobs.map((j) => [j.id, j]));
    const sweepMs = this.opts.sweepMs ?? 10000;
    let lastSweep = 0;
    let lastProgress = 0;
    while (open.size) {
      const now = Date.now();
      const sweep = now - lastSweep >= sweepMs || this.sweepNow;
      this.sweepNow = false;
      const ids = sweep ? [...open.keys()] : [...this.woken].filter((id) => open.has(id));
      if (sweep) lastSweep = now;
      this.woken.clear();
      const lost: Outstanding[] = [];
      for (let i = 0; i < ids.length; i += 200) {
        const chunk = ids.slice(i, i + 200);
        const found = await Promise.all(chunk.map((id) => this.check(id)));
        found.forEach((f, k) => {
          const j = open.get(chunk[k]!)!;
          if (f === "lost") lost.push(j);
          else if (f) {
            if (f.kind === "failed") this.opts.log?.(`job ${j.id} failed: ${f.reason}`);
            out[j.index] = f.kind === "done" ? f.result : failedResult(requests[j.index]!.problem);
            open.delete(j.id);
            this.collected++;
          }
        });
      }
      if (lost.length) {
        this.opts.log?.(`${lost.length} job(s) missing from Redis (restarted without persistence?): adding them again`);
        await this.storePackage();
        await this.add(lost);
      }
      if (this.opts.onProgress && (now - lastProgress >= 1000 || !open.size)) {
        lastProgress = now;
        await this.progress(open.size).then((p) => this.opts.onProgress!(p), () => {});
      }
      if (!open.size) break;
      // Events that came while checking are handled at once; otherwise sleep until one names a
      // job, or until the next sweep / progress tick.
      if ([...this.woken].some((id) => open.has(id))) continue;
      await Promise.race([sleep(Math.min(sweepMs, 1000)), new Promise<void>((r) => (this.wake = r))]);
      this.wake = null;
    }
    return out;
  }

  private async check(id: string): Promise<{ kind: "done"; result: JobResult } | { kind: "failed"; reason: string } | "lost" | null> {
    // State first, then the job: a job read first could finish in between and look done without its result.
    const state = await this.queue.getJobState(id);
    if (state === "unknown") return "lost";
    if (state !== "completed" && state !== "failed") return null;
    const job = await Job.fromId<JobData, string>(this.queue, id);
    if (!job) return "lost";
    if (state === "completed") return { kind: "done", result: decode<JobResult>(job.returnvalue) };
    return { kind: "failed", reason: job.failedReason ?? "unknown" };
  }

  private async removeCollected(): Promise<void> {
    const ids = this.toRemove;
    this.toRemove = [];
    for (const id of ids) await this.queue.remove(id).catch(() => 0);
  }

  async progress(outstanding: number): Promise<QueueProgress> {
    const counts = await this.queue.getJobCounts("waiting", "active", "prioritized", "delayed");
    let workers = 0;
    let cursor = "0";
    do {
      const [next, found] = await this.redis.scan(cursor, "MATCH", keys.workerPattern(this.queueName), "COUNT", 200);
      cursor = next;
      workers += found.length;
    } while (cursor !== "0");
    return {
      workers,
      waiting: (counts.waiting ?? 0) + (counts.prioritized ?? 0) + (counts.delayed ?? 0),
      active: counts.active ?? 0,
      collected: this.collected,
      simsPerSecond: this.collected / Math.max((Date.now() - this.t0) / 1000, 1e-3),
      outstanding,
    };
  }

  /** The heartbeats of the connected workers. */
  async workers(): Promise<WorkerBeat[]> {
    const out: WorkerBeat[] = [];
    let cursor = "0";
    do {
      const [next, found] = await this.redis.scan(cursor, "MATCH", keys.workerPattern(this.queueName), "COUNT", 200);
      cursor = next;
      for (const k of found) {
        const v = await this.redis.get(k);
        if (v) out.push(JSON.parse(v) as WorkerBeat);
      }
    } while (cursor !== "0");
    return out;
  }

  /** Remove the last generation's jobs (the fit is checkpointed) and disconnect. */
  async close(): Promise<void> {
    await this.removeCollected().catch(() => {});
    await this.events.close().catch(() => {});
    await this.queue.close().catch(() => {});
    for (const c of this.connections) c.disconnect();
  }
}

/** A candidate whose job failed for good: the worst cost, NaN terms, status "failed" (reason in the driver's log). */
function failedResult(p: FitProblem): JobResult {
  const result: EvalResult = {
    cost: p.objectives === "terms" ? [...p.divergedCosts] : p.divergedCost,
    totalCost: p.divergedCost,
    gof: NaN,
    terms: Object.fromEntries(p.gof.map((g) => [g, NaN])),
    penalties: {},
    status: "failed",
  };
  return { result, backendInfo: "", simulateMs: 0 };
}

export type { LaneOutputs };
