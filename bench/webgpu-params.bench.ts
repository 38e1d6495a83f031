// WGSL: regional parameters with one value at every node (loaded once per dispatch, as the
// driver's paramsSameAtEveryNode finds them) against the same run where each of them differs at
// one node of one lane by one part in a million (so all are loaded per node and step), A/B in
// one process, alternating; marginal rates (N vs N/5 steps), medians.
// rWW + BOLD (cuBNM parameters: w_p, J_N, wIE, I_ext regional), HCP-100 without delays, Euler,
// independent noise, as bench/webgpu.bench.ts.
// Run: node scripts/run-ts.mjs bench/webgpu-params.bench.ts
//   WGSL_PARAMS_BENCH_LANES=512  WGSL_PARAMS_BENCH_STEPS=400  WGSL_PARAMS_BENCH_ROUNDS=5
import { marginalRate, median } from "./timing.ts";
import { runWorkload, workload, workloadNetwork } from "./webgpu-workloads.ts";
import { compileModel } from "../src/models/spec.ts";

const env = (globalThis as { process: { env: Record<string, string | undefined> } }).process.env;
const lanes = Number(env.WGSL_PARAMS_BENCH_LANES ?? 512);
const steps = Number(env.WGSL_PARAMS_BENCH_STEPS ?? 400);
const rounds = Number(env.WGSL_PARAMS_BENCH_ROUNDS ?? 5);
const w = workload("rww");
const network = workloadNetwork(w);
const n = Math.round(Math.sqrt(network.weights.length));
const regional = compileModel(w.model).spec.parameters.filter((q) => q.scope !== "global");
// Each regional parameter at its default, except at one node of lane 0.
const perNode = Object.fromEntries(
  regional.map((q) => [q.name, Array.from({ length: lanes * n }, (_, k) => (k === 5 ? q.default * (1 + 1e-6) : q.default))]),
);

const run = (varied: boolean) => (k: number) =>
  runWorkload(w, { network, lanes, steps: k, backend: "webgpu", noise: "independent", params: varied ? perNode : {} });

console.log(`rWW + BOLD, HCP-100, ${lanes} lanes; regional parameters ${regional.map((q) => q.name).join(", ")}`);
await run(false)(10); // pipeline compilation, not timed
await run(true)(10);
const rates: Record<string, number[]> = { "one value at every node": [], "differ between nodes": [] };
for (let r = 0; r < rounds; r++) {
  rates["one value at every node"]!.push((await marginalRate(run(false), steps, lanes * n)).cpu);
  rates["differ between nodes"]!.push((await marginalRate(run(true), steps, lanes * n)).cpu);
}
for (const [what, xs] of Object.entries(rates)) {
  console.log(
    `${what}: median ${(median(xs) / 1e6).toFixed(2)} M node-steps per CPU-s (${xs.map((x) => (x / 1e6).toFixed(2)).join(", ")})`,
  );
}
