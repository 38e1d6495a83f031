// WebGPU (WGSL) backend throughput against the wasm backend, side by side in one run, on
// bench/webgpu-workloads.ts's workloads (HCP Schaefer-100: rWW + BOLD without delays, SupHopf
// with delays).
// Each case: a first run of 10 steps (pipeline compilation and start-up; reported on its own),
// a second 10-step run (start-up alone), a probe run, then a timed run sized to take about
// WEBGPU_BENCH_SECONDS of wall time. Times are
// whole simulate() calls (buffers, ring initialisation, read-backs included) with enough steps
// that start-up is a small share. node-steps/s is reported per wall second and per CPU second
// of this process (lavapipe's and wasm's worker threads included), so load from other jobs
// distorts the ratio less.
// Run: node scripts/run-ts.mjs bench/webgpu.bench.ts
//   WEBGPU_BENCH_LANES=512,4096   lane counts (default 512)
//   WEBGPU_BENCH_SECONDS=3        target wall time of each timed run (default 3)
//   WEBGPU_BENCH_NOISE=shared     one noise key for all lanes (default independent streams)
//   WEBGPU_BENCH_WASM=0           skip the wasm side (bench/device.sh does: GPU only)
//   WEBGPU_BENCH_MODELS=rww,hopf  which workloads (default both)
//   WEBGPU_BENCH_LPI=2            lanes per invocation (default: the driver's choice)
//   WEBGPU_BENCH_HOLD=0|1         fast states held in workgroup memory (default: the driver's choice)
//   WEBGPU_BENCH_SPD=40           steps per dispatch (default: the driver's, 2^24 node-steps per dispatch)
import { describeAdapter } from "../src/backends/webgpu/gpu.ts";
import { runWorkload, WEBGPU_WORKLOADS, type WebGpuWorkload as Workload, WORKLOAD_DT, workloadNetwork } from "./webgpu-workloads.ts";

const env = (globalThis as { process: { env: Record<string, string | undefined> } }).process.env;
const laneCounts = (env.WEBGPU_BENCH_LANES ?? "512").split(",").map(Number);
const target = Number(env.WEBGPU_BENCH_SECONDS ?? 3);
const withWasm = env.WEBGPU_BENCH_WASM !== "0";
const models = (env.WEBGPU_BENCH_MODELS ?? "rww,hopf").split(",");
// "independent": every lane its own noise stream (per-lane Philox on both backends); "shared":
// one key for all lanes, as simulate() and a fit's candidates (normals drawn once per lane group
// on wasm, once per workgroup on WGSL).
const noise = (env.WEBGPU_BENCH_NOISE ?? "independent") as "independent" | "shared";
const lanesPerInvocation = env.WEBGPU_BENCH_LPI ? Number(env.WEBGPU_BENCH_LPI) : undefined;
const holdStates = env.WEBGPU_BENCH_HOLD ? env.WEBGPU_BENCH_HOLD === "1" : undefined;
const stepsPerDispatch = env.WEBGPU_BENCH_SPD ? Number(env.WEBGPU_BENCH_SPD) : undefined;

const adapter = await describeAdapter();
console.log(
  `webgpu bench: adapter ${adapter.name}${adapter.isFallback ? " (software)" : ""}; lanes ${
    laneCounts.join(", ")
  }; ~${target} s per timed run; ${noise} noise; lanes per invocation: ${lanesPerInvocation ?? "the driver's choice"}; states held: ${
    holdStates ?? "the driver's choice"
  }; steps per dispatch: ${stepsPerDispatch ?? "the driver's choice"}`,
);

const workloads = WEBGPU_WORKLOADS.filter((w) => models.includes(w.key));

interface Timing {
  wallS: number;
  cpuS: number;
  nodeSteps: number;
}

async function timeRun(w: Workload, backend: "webgpu" | "wasm", lanes: number, steps: number): Promise<Timing> {
  const network = workloadNetwork(w);
  const cpu0 = process.cpuUsage();
  const t0 = performance.now();
  const r = await runWorkload(w, { network, lanes, steps, backend, noise, webgpu: { lanesPerInvocation, holdStates, stepsPerDispatch } });
  const wallS = (performance.now() - t0) / 1000;
  const c = process.cpuUsage(cpu0);
  return { wallS, cpuS: (c.user + c.system) / 1e6, nodeSteps: lanes * r.nNodes * r.nSteps };
}

/**
 * First run (pipeline compilation + start-up), a second short run (start-up alone), a probe
 * grown until it takes >= 1 s, then a timed run sized from the probe's per-step time (start-up
 * subtracted) to take about `target` seconds.
 */
async function measure(w: Workload, backend: "webgpu" | "wasm", lanes: number) {
  const first = await timeRun(w, backend, lanes, 10);
  const startup = await timeRun(w, backend, lanes, 10);
  let steps = 50;
  let probe = await timeRun(w, backend, lanes, steps);
  while (probe.wallS < 1 && steps < 1e7) {
    steps *= 4;
    probe = await timeRun(w, backend, lanes, steps);
  }
  const perStep = Math.max(probe.wallS - startup.wallS, probe.wallS / 2) / steps;
  const timedSteps = Math.max(steps, Math.round(target / perStep / 10) * 10);
  const t = await timeRun(w, backend, lanes, timedSteps);
  // Steady state: the timed run less the 10-step run (start-up and 10 steps) in both work and time.
  const steady = (t.nodeSteps - startup.nodeSteps) / Math.max(t.cpuS - startup.cpuS, 1e-9);
  return {
    firstS: first.wallS,
    startupS: startup.wallS,
    steps: timedSteps,
    ...t,
    perWall: t.nodeSteps / t.wallS,
    perCpu: t.nodeSteps / t.cpuS,
    steadyPerCpu: steady,
  };
}

const fmt = (v: number) => (v >= 1e9 ? `${(v / 1e9).toFixed(2)} G` : `${(v / 1e6).toFixed(2)} M`);
const rows: string[] = [];
const rates: Record<string, number> = {};
for (const w of workloads) {
  for (const lanes of laneCounts) {
    const sides = withWasm ? (["webgpu", "wasm"] as const) : (["webgpu"] as const);
    const res: Record<string, Awaited<ReturnType<typeof measure>>> = {};
    for (const backend of sides) {
      const m = await measure(w, backend, lanes);
      res[backend] = m;
      const line = `${w.label.padEnd(20)} ${backend.padEnd(6)} lanes ${String(lanes).padStart(5)}  first run ${
        m.firstS.toFixed(2)
      } s, 10-step run ${m.startupS.toFixed(2)} s  timed ${m.steps} steps ${m.wallS.toFixed(2)} s wall ${m.cpuS.toFixed(2)} s CPU  ${
        fmt(m.perWall)
      } node-steps/s (${fmt(m.perCpu)} per CPU-s; steady state without start-up ${fmt(m.steadyPerCpu)} per CPU-s)`;
      console.log(line);
      rows.push(
        `| ${w.label} | ${backend} | ${lanes} | ${m.steps} | ${m.firstS.toFixed(2)} | ${m.startupS.toFixed(2)} | ${m.wallS.toFixed(2)} | ${
          fmt(m.perWall)
        } | ${fmt(m.perCpu)} | ${fmt(m.steadyPerCpu)} |`,
      );
      rates[`${w.label}|${backend}|${lanes}`] = m.perWall;
    }
    if (withWasm) {
      const g = res.webgpu!, a = res.wasm!;
      console.log(
        `${w.label.padEnd(20)} lanes ${lanes}: WGSL / WASM = ${(g.perWall / a.perWall).toFixed(2)} per wall-s, ${
          (g.perCpu / a.perCpu).toFixed(2)
        } per CPU-s, ` +
          `${(g.steadyPerCpu / a.steadyPerCpu).toFixed(2)} per CPU-s in steady state`,
      );
    }
  }
}
console.log(
  "\n| workload | backend | lanes | timed steps | first run s | 10-step run s | wall s | node-steps/s | per CPU-s | steady per CPU-s |\n| --- | --- | --- | --- | --- | --- | --- | --- | --- | --- |\n" +
    rows.join("\n"),
);

// cuBNM's headline: 32,768 rWW-100 simulations of 60 s at dt 0.1 ms (5.6 min on an A100).
const rwwRates = Object.entries(rates).filter(([k]) => k.startsWith("rWW") && k.includes("|webgpu|"));
if (rwwRates.length) {
  const [key, rate] = rwwRates.reduce((a, b) => (Number(b[0].split("|")[2]) > Number(a[0].split("|")[2]) ? b : a));
  const headline = 32768 * 100 * (60_000 / WORKLOAD_DT);
  console.log(
    `cuBNM headline (32,768 × rWW-100 × 60 s, dt 0.1 ms = ${(headline / 1e12).toFixed(2)}e12 node-steps) at the rate measured with ${
      key.split("|")[2]
    } lanes ` +
      `(${fmt(rate)} node-steps/s): ${(headline / rate / 60).toFixed(1)} min (cuBNM on an A100: 5.6 min)`,
  );
}
process.exit(0);
