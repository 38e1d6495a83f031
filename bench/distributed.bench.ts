// Queued fits (issue 13): overhead and scaling of BullMQ workers against the in-process fit,
// side by side in one run, on a redis-server this bench starts (127.0.0.1, no persistence).
// Run: node scripts/run-ts.mjs bench/distributed.bench.ts [--quick]
// 1. Per-job latency of the queue: one tiny candidate at a time through 1 worker vs in-process.
// 2. Overhead: a DE fit (2 generations × 8 candidates, each ≈ 2 s of CPU: the jobs of
//    ≥ 2 s) in-process vs 1 worker holding the whole generation (same lanes per call, same
//    thread count); wall time and CPU time (driver + workers, from /proc).
// 3. Scaling: 1 worker (8 lanes, 1 thread) vs 2 workers (4 lanes each: a full WASM lane group, 1 thread each).
// Reports Redis commands per job (INFO stats) and driver CPU per job, the inputs of the
// on-paper estimate in bench/RESULTS.md. Repetitions alternate the variants (ABCABC) and the
// minimum is kept: the machine is shared.
import { mkdtempSync, readFileSync } from "node:fs";
import { availableParallelism, loadavg, tmpdir } from "node:os";
import { join } from "node:path";
import { Redis } from "ioredis";
import { QueueDriver } from "../src/distributed/driver.ts";
import { fitPackage } from "../src/distributed/package.ts";
import { runsFromConfig } from "../src/fit/config.ts";
import { evaluateBatch } from "../src/fit/evaluate.ts";
import { type BatchEvaluator, batchOptimize } from "../src/fit/run.ts";
import { type Child, cli, startRedis } from "../test/distributed/harness.ts";
import { N, targetFc, WEIGHTS } from "../test/fit/fixtures.ts";

const quick = process.argv.includes("--quick");
const reps = quick ? 1 : Number(process.env.BENCH_REPS ?? 2);
const GENS = 2;
const POP = 8;
/** CPU seconds of simulation per candidate (one job): the "jobs of ≥ 2 s of simulation". */
const JOB_CPU_S = quick ? 0.5 : 2;

const configOf = (duration: number, gens = GENS) => ({
  name: "bench",
  model: "SupHopf",
  network: { weights: Array.from({ length: N }, (_, i) => Array.from(WEIGHTS.subarray(i * N, (i + 1) * N))), speed: 5 },
  free: [{ name: "G", bounds: [0.01, 1] }],
  fixed: { a: -0.1, omega: 0.005, sigma: 0.05 },
  target: { fc: Array.from({ length: N }, (_, i) => Array.from(targetFc().subarray(i * N, (i + 1) * N))) },
  gof: ["+fc_corr"],
  simulation: { duration, dt: 0.5, tr: 0.05, signal: "x", seed: 1 },
  optimizer: { type: "de", options: { popsize: POP, maxIterations: gens, seed: 1 } },
});

const redis = await startRedis(false);
const admin = new Redis(redis.url);
const commands = async () => Number(/total_commands_processed:(\d+)/.exec(await admin.info("stats"))![1]);
const workers: Child[] = [];
async function startWorkers(n: number, lanes: number) {
  const ws = await Promise.all(
    Array.from(
      { length: n },
      () => cli(["worker", "--queue", redis.url, "--backend", "wasm", "--threads", "1", "--concurrency", String(lanes), "--quiet"]),
    ),
  );
  workers.push(...ws);
  // Quiet workers print nothing: wait for their heartbeats instead.
  for (;;) {
    const beats = await admin.keys("brainfit:brainfit:worker:*");
    if (beats.length >= n) break;
    await new Promise((r) => setTimeout(r, 100));
  }
  return ws;
}
async function stopWorkers(ws: Child[]) {
  for (const w of ws) w.proc.kill("SIGTERM");
  await Promise.all(ws.map((w) => w.exited));
  for (;;) {
    if ((await admin.keys("brainfit:brainfit:worker:*")).length === 0) break;
    await new Promise((r) => setTimeout(r, 100));
  }
}

/** CPU seconds of a process so far (Linux /proc; clock ticks of 1/100 s). */
function cpuOfPid(pid: number): number {
  const st = readFileSync(`/proc/${pid}/stat`, "utf8");
  const f = st.slice(st.lastIndexOf(")") + 2).split(" ");
  return (Number(f[11]) + Number(f[12])) / 100;
}
const selfCpu = () => {
  const u = process.cpuUsage();
  return (u.user + u.system) / 1e6;
};

/** Wall and CPU seconds of one fit: this process (driver, or everything in-process) plus the workers' processes. */
async function fitOnce(config: ReturnType<typeof configOf>, evaluator?: BatchEvaluator, ws: Child[] = []) {
  const runs = await runsFromConfig(structuredClone(config));
  const out = mkdtempSync(join(tmpdir(), "brainfit-bench-q-"));
  const c0 = selfCpu(), w0 = ws.map((w) => cpuOfPid(w.proc.pid!));
  const t0 = performance.now();
  await batchOptimize(runs.map((r) => r.optimizer), runs.map((r) => r.problem), {
    out,
    backend: "wasm",
    threads: 1,
    evaluator,
    saveBest: false,
  });
  const wall = (performance.now() - t0) / 1000;
  const driverCpu = selfCpu() - c0;
  const workerCpu = ws.reduce((s, w, i) => s + cpuOfPid(w.proc.pid!) - w0[i]!, 0);
  return { wall, cpu: driverCpu + workerCpu, driverCpu };
}

async function queued(config: ReturnType<typeof configOf>, ws: Child[]) {
  const pkg = await fitPackage(structuredClone(config));
  const driver = await QueueDriver.connect({ url: redis.url }, pkg);
  const c0 = await commands();
  const r = await fitOnce(config, driver.evaluator(() => 0), ws);
  const ops = (await commands()) - c0;
  await driver.close();
  const jobs = POP * (config.optimizer.options.maxIterations as number);
  // (the warm-up fit's figures are returned too but not used)
  return { ...r, opsPerJob: ops / jobs, driverCpuMsPerJob: (r.driverCpu * 1000) / jobs };
}

console.log(
  `# queued fits (node ${process.version}, redis-server on 127.0.0.1, wasm backend, 1 thread per process); min over ${reps} alternating repetitions`,
);

// 1. Per-job latency: 1 candidate, 0.2 s simulated (a few ms of work), 30 times.
{
  const config = configOf(0.2, 1);
  const [run] = await runsFromConfig(structuredClone(config));
  const p = run!.problem;
  const pkg = await fitPackage(structuredClone(config));
  const [w] = await startWorkers(1, 1);
  const driver = await QueueDriver.connect({ url: redis.url }, pkg);
  const ev = driver.evaluator(() => 0);
  const K = quick ? 10 : 30;
  const local: number[] = [], viaQueue: number[] = [];
  for (let k = 0; k < K; k++) {
    const x = [0.01 + (0.9 * k) / K];
    let t = performance.now();
    await evaluateBatch([{ problem: p, x }], { backend: "wasm", threads: 1 });
    local.push(performance.now() - t);
    t = performance.now();
    await ev([{ problem: p, x }], { backend: "wasm" }, [{ run: "latency", runIndex: 0, generation: k + 1, candidate: 0 }]);
    viaQueue.push(performance.now() - t);
  }
  await driver.close();
  await stopWorkers([w!]);
  const med = (a: number[]) => [...a].sort((x, y) => x - y)[Math.floor(a.length / 2)]!;
  console.log(
    `per-job latency: in-process ${med(local).toFixed(1)} ms, through the queue ${
      med(viaQueue).toFixed(1)
    } ms (medians of ${K}); queue latency ≈ ${(med(viaQueue) - med(local)).toFixed(1)} ms per round trip`,
  );
}

// Calibrate the simulated duration so one candidate costs JOB_CPU_S of CPU (CPU, not wall: the machine is shared).
const probe = 20;
let duration: number;
{
  const [run] = await runsFromConfig(structuredClone(configOf(probe)));
  const xs = Array.from({ length: POP }, (_, i) => [0.1 + 0.1 * i]);
  const cpus: number[] = [];
  for (let k = 0; k < 4; k++) {
    const c = selfCpu();
    await evaluateBatch(xs.map((x) => ({ problem: run!.problem, x })), { backend: "wasm", threads: 1 });
    cpus.push((selfCpu() - c) / POP);
  }
  const perCandidate = cpus.slice(1).sort((a, b) => a - b)[1]!; // median of 3 after a warm-up
  duration = Math.max(probe, Math.round((probe * JOB_CPU_S) / perCandidate));
  console.log(
    `calibration: ${probe} s simulated costs ${
      (perCandidate * 1000).toFixed(0)
    } ms CPU per candidate → duration ${duration} s (≈ ${JOB_CPU_S} s CPU per job)`,
  );
}
const config = configOf(duration);

type Fit = { wall: number; cpu: number };
const runsOf: Record<"local" | "one" | "two", Fit[]> = { local: [], one: [], two: [] };
let oneStats = { opsPerJob: 0, driverCpuMsPerJob: Infinity };
for (let r = 0; r < reps; r++) {
  runsOf.local.push(await fitOnce(config));
  let ws = await startWorkers(1, POP);
  await queued(configOf(probe, 1), ws); // warm-up: the worker compiles its kernel once
  const one = await queued(config, ws);
  await stopWorkers(ws);
  runsOf.one.push(one);
  if (one.driverCpuMsPerJob < oneStats.driverCpuMsPerJob) oneStats = one;
  ws = await startWorkers(2, POP / 2);
  await queued(configOf(probe, 1), ws);
  runsOf.two.push(await queued(config, ws));
  await stopWorkers(ws);
}
const min = (k: keyof typeof runsOf, f: keyof Fit) => Math.min(...runsOf[k].map((x) => x[f]));
const pct = (a: number, b: number) => `${(((a - b) / b) * 100).toFixed(1)}%`;
console.log(`load average during the run: ${loadavg().map((v) => v.toFixed(1)).join(", ")} on ${availableParallelism()} cores`);
console.log(`fit of ${GENS} generations × ${POP} candidates (${duration} s simulated each, ≈ ${JOB_CPU_S} s CPU per job):`);
console.log(
  `  wall: in-process ${min("local", "wall").toFixed(2)} s, 1 worker ${min("one", "wall").toFixed(2)} s, 2 workers ${
    min("two", "wall").toFixed(2)
  } s`,
);
console.log(
  `  CPU (driver + workers): in-process ${min("local", "cpu").toFixed(2)} s, 1 worker ${min("one", "cpu").toFixed(2)} s, 2 workers ${
    min("two", "cpu").toFixed(2)
  } s`,
);
console.log(
  `overhead of the queue (1 worker vs in-process): wall ${pct(min("one", "wall"), min("local", "wall"))}, CPU ${
    pct(min("one", "cpu"), min("local", "cpu"))
  }`,
);
console.log(
  `scaling: 2 workers ÷ 1 worker wall speed-up ${(min("one", "wall") / min("two", "wall")).toFixed(2)}×, CPU ratio ${
    (min("two", "cpu") / min("one", "cpu")).toFixed(2)
  }`,
);
console.log(
  `per job (1 worker run): ${oneStats.opsPerJob.toFixed(1)} Redis commands, driver CPU ${oneStats.driverCpuMsPerJob.toFixed(2)} ms`,
);

admin.disconnect();
for (const w of workers) if (w.proc.exitCode === null) w.proc.kill("SIGKILL");
await redis.stop();
process.exit(0);
