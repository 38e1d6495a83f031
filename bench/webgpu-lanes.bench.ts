// WGSL lanes per invocation (webgpu.lanesPerInvocation) and held fast states
// (webgpu.holdStates), A/B in one process: the same run with each setting, alternating round
// after round so that machine drift hits every setting alike; marginal rates (N vs N/5 steps,
// so start-up cancels), medians. bench/webgpu-workloads.ts's workloads (rww: the dense coupling
// path; hopf: CSR with delays), independent noise per lane.
// Run: node scripts/run-ts.mjs bench/webgpu-lanes.bench.ts
//   WGSL_LANES_BENCH_MODEL=rww|hopf   (default rww)
//   WGSL_LANES_BENCH_LPI=1,2,4        lanes per invocation compared (default 1,2,4)
//   WGSL_LANES_BENCH_HOLD=0,1         fast states held in workgroup memory, off and/or on (default 0)
//   WGSL_LANES_BENCH_LANES=512  WGSL_LANES_BENCH_STEPS=400  WGSL_LANES_BENCH_ROUNDS=5
import { marginalRate, median } from "./timing.ts";
import { runWorkload, workload, workloadNetwork } from "./webgpu-workloads.ts";

const env = (globalThis as { process: { env: Record<string, string | undefined> } }).process.env;
const hopf = env.WGSL_LANES_BENCH_MODEL === "hopf";
const lanes = Number(env.WGSL_LANES_BENCH_LANES ?? 512);
const steps = Number(env.WGSL_LANES_BENCH_STEPS ?? (hopf ? 100 : 400));
const rounds = Number(env.WGSL_LANES_BENCH_ROUNDS ?? 5);
const holds = (env.WGSL_LANES_BENCH_HOLD ?? "0").split(",").map((h) => h === "1");
const settings = (env.WGSL_LANES_BENCH_LPI ?? "1,2,4").split(",").map(Number).flatMap((lm) =>
  holds.map((hold) => ({ lm, hold, label: `${lm} lanes per invocation${hold ? ", states held" : ""}` }))
);
const w = workload(hopf ? "hopf" : "rww");
const network = workloadNetwork(w);
const nodes = Math.round(Math.sqrt(network.weights.length));

const run = (o: { lm: number; hold: boolean }) => (k: number) =>
  runWorkload(w, {
    network,
    lanes,
    steps: k,
    backend: "webgpu",
    noise: "independent",
    webgpu: { lanesPerInvocation: o.lm, holdStates: o.hold },
  });

console.log(`${w.label}, HCP-100, ${lanes} lanes, ${steps} steps, ${rounds} rounds`);
for (const o of settings) await run(o)(10); // pipeline compilation, not timed
const perCpu: Record<string, number[]> = {};
for (let r = 0; r < rounds; r++) {
  for (const o of settings) {
    const x = await marginalRate(run(o), steps, lanes * nodes);
    (perCpu[o.label] ??= []).push(x.cpu);
    console.log(`  round ${r}, ${o.label}: ${(x.wall / 1e6).toFixed(2)} M node-steps/s, ${(x.cpu / 1e6).toFixed(2)} M per CPU-s`);
  }
}
const base = median(perCpu[settings[0]!.label]!);
for (const o of settings) {
  const m = median(perCpu[o.label]!);
  console.log(`${o.label}: median ${(m / 1e6).toFixed(2)} M node-steps per CPU-s (${(m / base).toFixed(2)}× ${settings[0]!.label})`);
}
