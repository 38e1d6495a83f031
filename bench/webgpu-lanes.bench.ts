// WGSL lanes per invocation (webgpu.lanesPerInvocation), A/B in one process: the same run with
// 1, 2, 4 … lanes per invocation, alternating round after round so that machine drift hits
// every setting alike; marginal rates (N vs N/5 steps, so start-up cancels), medians.
// bench/webgpu-workloads.ts's workloads (rww: the dense coupling path; hopf: CSR with delays),
// independent noise per lane.
// Run: node scripts/run-ts.mjs bench/webgpu-lanes.bench.ts
//   WGSL_LANES_BENCH_MODEL=rww|hopf   (default rww)
//   WGSL_LANES_BENCH_LPI=1,2,4        settings compared (default 1,2,4)
//   WGSL_LANES_BENCH_LANES=512  WGSL_LANES_BENCH_STEPS=400  WGSL_LANES_BENCH_ROUNDS=5
import { marginalRate, median } from "./timing.ts";
import { runWorkload, workload, workloadNetwork } from "./webgpu-workloads.ts";

const env = (globalThis as { process: { env: Record<string, string | undefined> } }).process.env;
const hopf = env.WGSL_LANES_BENCH_MODEL === "hopf";
const lanes = Number(env.WGSL_LANES_BENCH_LANES ?? 512);
const steps = Number(env.WGSL_LANES_BENCH_STEPS ?? (hopf ? 100 : 400));
const rounds = Number(env.WGSL_LANES_BENCH_ROUNDS ?? 5);
const settings = (env.WGSL_LANES_BENCH_LPI ?? "1,2,4").split(",").map(Number);
const w = workload(hopf ? "hopf" : "rww");
const network = workloadNetwork(w);
const nodes = Math.round(Math.sqrt(network.weights.length));

const run = (lanesPerInvocation: number) => (k: number) =>
  runWorkload(w, { network, lanes, steps: k, backend: "webgpu", noise: "independent", webgpu: { lanesPerInvocation } });

console.log(`${w.label}, HCP-100, ${lanes} lanes, ${steps} steps, ${rounds} rounds`);
for (const lm of settings) await run(lm)(10); // pipeline compilation, not timed
const perCpu: Record<number, number[]> = {};
for (let r = 0; r < rounds; r++) {
  for (const lm of settings) {
    const x = await marginalRate(run(lm), steps, lanes * nodes);
    (perCpu[lm] ??= []).push(x.cpu);
    console.log(
      `  round ${r}, ${lm} lanes per invocation: ${(x.wall / 1e6).toFixed(2)} M node-steps/s, ${(x.cpu / 1e6).toFixed(2)} M per CPU-s`,
    );
  }
}
const base = median(perCpu[settings[0]!]!);
for (const lm of settings) {
  const m = median(perCpu[lm]!);
  console.log(
    `${lm} lanes per invocation: median ${(m / 1e6).toFixed(2)} M node-steps per CPU-s (${(m / base).toFixed(2)}× ${settings[0]})`,
  );
}
