// The wasm driver's lane plan, before and after planLaneGroups (src/backends/wasm/driver.ts):
// "one width" is the earlier rule (the widest of 4, 2, 1 — at most 2 with delays — that gives
// every thread a group; groups of that width split over the threads as evenly as whole groups
// allow), "mixed" the driver's default now (each thread near the same lanes, as the cheapest mix
// of widths). The same simulate() call alternating in one process, marginal node-steps per wall
// second (bench/timing.ts: N vs N/5 steps, so set-up cancels), medians over rounds. rWW + FIC +
// BOLD on HCP Schaefer-100, with delays at 6 mm/ms and without, dt 0.1 ms, Euler, shared noise,
// BOLD recorded every 1 s.
// Run: node scripts/run-ts.mjs bench/lane-plan.bench.ts   (PLAN_BENCH_LANES=12,20,40,48,
// PLAN_BENCH_S=1 simulated second, PLAN_BENCH_ROUNDS=3, PLAN_BENCH_THREADS = every core,
// PLAN_BENCH_DELAYS=1,0)
import { availableParallelism } from "node:os";
import type { NetworkInput } from "../src/batch/network.ts";
import type { AsmWidth } from "../src/codegen/asm.ts";
import { hcpSchaefer100Input } from "./native.ts";
import { ficWIE, RWW_DT, simulateRwwBold } from "./rww-setup.ts";
import { marginalRate, median } from "./timing.ts";

const batches = (process.env.PLAN_BENCH_LANES ?? "12,20,40,48").split(",").map(Number);
const seconds = Number(process.env.PLAN_BENCH_S ?? 1);
const rounds = Number(process.env.PLAN_BENCH_ROUNDS ?? 3);
const threads = Number(process.env.PLAN_BENCH_THREADS ?? availableParallelism());
const delayCases = (process.env.PLAN_BENCH_DELAYS ?? "1,0").split(",").map((d) => d === "1");
const steps = Math.round((seconds * 1000) / RWW_DT);
const withDelays = hcpSchaefer100Input(6);

/** The width the driver chose for every group before planLaneGroups. */
function oneWidth(lanes: number, delays: boolean): AsmWidth {
  const busy = Math.max(1, Math.min(threads, Math.ceil(lanes / 4)));
  const widest = delays ? 2 : 4;
  return ([4, 2] as const).find((w) => w <= widest && 4 * w <= lanes && Math.ceil(lanes / (4 * w)) >= busy) ?? 1;
}

console.log(`lane-plan bench: rWW + FIC + BOLD, HCP-100, ${threads} threads, ${seconds} s, ${rounds} rounds`);
console.log("| network | batch | one width: groups | mixed: groups | one width (node-steps/s) | mixed | mixed ÷ one width |");
console.log("|---|---|---|---|---|---|---|");
for (const delays of delayCases) {
  const input: NetworkInput = delays ? withDelays : { weights: withDelays.weights };
  const wIE = ficWIE(input);
  for (const lanes of batches) {
    const width = oneWidth(lanes, delays);
    const run = (w: AsmWidth | undefined, k: number) =>
      simulateRwwBold({ network: input, wIE, lanes, steps: k, threads, wasm: { width: w } });
    const variants = [{ w: width as AsmWidth | undefined, info: "", wall: [] as number[] }, {
      w: undefined,
      info: "",
      wall: [] as number[],
    }];
    for (const v of variants) v.info = (await run(v.w, 100)).backendInfo.replace(/^.*groups of (.*) on .*$/, "$1");
    for (let r = 0; r < rounds; r++) {
      for (const v of r % 2 ? variants.slice().reverse() : variants) {
        v.wall.push((await marginalRate((k) => run(v.w, k), steps, lanes * 100)).wall);
      }
    }
    const [a, b] = variants.map((v) => median(v.wall)) as [number, number];
    console.log(
      `| ${delays ? "delays" : "no delays"} | ${lanes} | ${variants[0]!.info} | ${variants[1]!.info} | ${a.toExponential(2)} | ${
        b.toExponential(2)
      } | **${(b / a).toFixed(2)}** |`,
    );
  }
}
