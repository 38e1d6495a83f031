// WGSL lanes per invocation (webgpu.lanesPerInvocation), A/B in one process: the same run with
// 1, 2, 4 … lanes per invocation, alternating round after round so that machine drift hits
// every setting alike; marginal rates (N vs N/5 steps, so start-up cancels), medians.
// HCP Schaefer-100 (bench/native.ts), independent noise per lane, as bench/webgpu.bench.ts:
//   rww:  rWW + BOLD, no delays (dense coupling path), Euler, BOLD every 1 ms
//   hopf: SupHopf, delays at 6 mm/ms (CSR path), Heun
// Run: node scripts/run-ts.mjs bench/webgpu-lanes.bench.ts
//   WGSL_LANES_BENCH_MODEL=rww|hopf   (default rww)
//   WGSL_LANES_BENCH_LPI=1,2,4        settings compared (default 1,2,4)
//   WGSL_LANES_BENCH_LANES=512  WGSL_LANES_BENCH_STEPS=400  WGSL_LANES_BENCH_ROUNDS=5
import { hcpSchaefer100Input } from "./native.ts";
import { marginalRate, median } from "./timing.ts";
import { withBold } from "../src/models/bold.ts";
import { supHopf } from "../src/models/hopf.ts";
import { rww } from "../src/models/rww.ts";
import { simulate } from "../src/sim/simulate.ts";

const env = (globalThis as { process: { env: Record<string, string | undefined> } }).process.env;
const hopf = env.WGSL_LANES_BENCH_MODEL === "hopf";
const lanes = Number(env.WGSL_LANES_BENCH_LANES ?? 512);
const steps = Number(env.WGSL_LANES_BENCH_STEPS ?? (hopf ? 100 : 400));
const rounds = Number(env.WGSL_LANES_BENCH_ROUNDS ?? 5);
const settings = (env.WGSL_LANES_BENCH_LPI ?? "1,2,4").split(",").map(Number);
const network = hcpSchaefer100Input(hopf ? 6 : Infinity);
const model = hopf ? supHopf : withBold(rww, { params: "cubnm" });
const nodes = Math.round(Math.sqrt(network.weights.length));

const run = (lanesPerInvocation: number) => (n: number) =>
  simulate({
    model,
    network,
    lanes,
    duration: (n * 0.1) / 1000,
    dt: 0.1,
    integrator: hopf ? "heun" : "euler",
    backend: "webgpu",
    seed: 1,
    noise: "independent",
    params: hopf ? {} : { G: 0.5 },
    record: hopf ? undefined : { observables: ["bold"], period: 1000 },
    keepRecorded: false,
    onChunk: () => {},
    webgpu: { lanesPerInvocation },
  });

console.log(`${hopf ? "SupHopf with delays" : "rWW + BOLD without delays"}, HCP-100, ${lanes} lanes, ${steps} steps, ${rounds} rounds`);
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
