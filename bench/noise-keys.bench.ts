// Lanes of two noise seeds interleaved (1, 2, 1, 2, …: a fit with `trials: 2` lays out its lanes
// so) against independent streams per lane, rWW + BOLD, HCP-100 with delays, 64 lanes, wasm,
// one thread, node-steps per CPU-second (marginal, bench/timing.ts), medians of 3, alternating.
// The wasm driver groups lanes by noise key (src/backends/wasm/driver.ts laneOrderByKey), so the
// interleaved seeds run as key-sharing lane groups (one Philox draw per group and step) instead
// of per-lane noise. Run: node scripts/run-ts.mjs bench/noise-keys.bench.ts
import { withBold } from "../src/models/bold.ts";
import { rww } from "../src/models/rww.ts";
import { simulate } from "../src/sim/simulate.ts";
import { hcpSchaefer100Input } from "./native.ts";
import { marginalRate } from "./timing.ts";
const input = hcpSchaefer100Input(6);
const model = withBold(rww);
const lanes = 64, steps = 1500;
const run = (k: number, mode: string) =>
  simulate({
    model,
    network: input,
    lanes,
    duration: (k * 0.1) / 1000,
    dt: 0.1,
    integrator: "euler",
    backend: "wasm",
    threads: 1,
    seed: mode === "trials" ? Array.from({ length: lanes }, (_, l) => 1 + (l % 2)) : 1,
    noise: mode === "independent" ? "independent" : "shared",
    record: { observables: ["bold"], period: 1000 },
  });
await run(100, "trials");
const res: Record<string, number[]> = { trials: [], independent: [] };
for (let r = 0; r < 3; r++) {
  for (const mode of ["trials", "independent"]) res[mode]!.push((await marginalRate((k) => run(k, mode), steps, lanes * 100)).cpu);
}
const med = (a: number[]) => a.sort((x, y) => x - y)[1]!;
console.log(
  `per CPU-s: seeds 1,2,1,2… (grouped by key) ${med(res.trials!).toExponential(3)}; independent streams (per-lane noise) ${
    med(res.independent!).toExponential(3)
  }; ratio ${(med(res.trials!) / med(res.independent!)).toFixed(2)}`,
);
