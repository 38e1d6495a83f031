// Lane-group width A/B for the wasm driver's width rule (src/backends/wasm/driver.ts): the same
// simulate() call with `width` forced to each candidate, alternating in one process, marginal
// node-steps per wall and CPU second (bench/timing.ts: N vs N/5 steps, so set-up cancels),
// medians over rounds. rWW + FIC + BOLD on HCP Schaefer-100 (delays at 6 mm/ms unless
// WIDTH_BENCH_DELAYS=0), dt 0.1 ms, Euler, shared noise, BOLD recorded every 1 s.
// Run: node scripts/run-ts.mjs bench/lane-width.bench.ts   (WIDTH_BENCH_LANES=64,
// WIDTH_BENCH_WIDTHS=1,2,4, WIDTH_BENCH_S=2 simulated seconds, WIDTH_BENCH_ROUNDS=5,
// WIDTH_BENCH_THREADS = every core, WIDTH_BENCH_VELOCITY=6 mm/ms, WIDTH_BENCH_TILES=default,1e9 source tiles;
// WIDTH_BENCH_WIDTHS=0 lets the driver choose; WIDTH_BENCH_DENSE=auto,0 without delays compares the
// dense coupling pass with the edge walk; WIDTH_BENCH_PASS=default,1 compares the longest blocked
// coupling pass, in steps, with passes of the kernel's TC: maxPassSteps)
import { availableParallelism } from "node:os";
import { buildNetwork, type NetworkInput } from "../src/batch/network.ts";
import type { AsmWidth } from "../src/codegen/asm.ts";
import { hcpSchaefer100Input } from "./native.ts";
import { ficWIE, RWW_DT, simulateRwwBold } from "./rww-setup.ts";
import { marginalRate, median } from "./timing.ts";

const dt = RWW_DT;
const lanes = Number(process.env.WIDTH_BENCH_LANES ?? 64);
const widths = (process.env.WIDTH_BENCH_WIDTHS ?? "1,2,4").split(",").map(Number) as AsmWidth[];
const seconds = Number(process.env.WIDTH_BENCH_S ?? 2);
const rounds = Number(process.env.WIDTH_BENCH_ROUNDS ?? 5);
const threads = Number(process.env.WIDTH_BENCH_THREADS ?? availableParallelism());
const delays = process.env.WIDTH_BENCH_DELAYS !== "0";
const velocity = Number(process.env.WIDTH_BENCH_VELOCITY ?? 6); // mm/ms
const withDelays = hcpSchaefer100Input(velocity);
// WIDTH_BENCH_LENGTH=mm: every tract that long (one delay for all edges: the delayed reads become
// sequential; an experiment on the cost of scattered reads).
const length = process.env.WIDTH_BENCH_LENGTH ? Number(process.env.WIDTH_BENCH_LENGTH) : 0;
const input: NetworkInput = !delays
  ? { weights: withDelays.weights }
  : length
  ? { ...withDelays, lengths: Array.from(withDelays.lengths!, () => length) }
  : withDelays;
const net = buildNetwork(input, dt);
const n = net.nNodes;
const wIE = ficWIE(input);
const steps = Math.round((seconds * 1000) / dt);

// Source tiles of the blocked coupling pass (bytes of history per tile; "default" = TILE_RING_BYTES).
const tiles = (process.env.WIDTH_BENCH_TILES ?? "default").split(",").map((t) => (t === "default" ? undefined : Number(t)));
// Dense coupling pass without delays ("auto" = the driver's rule, 0 = the edge walk, 1 = dense).
const denses = (process.env.WIDTH_BENCH_DENSE ?? "auto").split(",").map((d) => (d === "auto" ? undefined : d === "1"));
// Most steps per blocked coupling pass ("default" = MAX_PASS_STEPS; 1 = the kernel's TC).
const passes = (process.env.WIDTH_BENCH_PASS ?? "default").split(",").map((t) => (t === "default" ? undefined : Number(t)));
const run = (
  width: AsmWidth,
  tileRingBytes: number | undefined,
  denseCoupling: boolean | undefined,
  maxPassSteps: number | undefined,
  k: number,
) =>
  // width 0: the driver's choice (the "nodes" layout below 4 lanes)
  simulateRwwBold({
    network: input,
    wIE,
    lanes,
    steps: k,
    threads,
    wasm: { width: width || undefined, tileRingBytes, denseCoupling, maxPassSteps },
  });

console.log(
  `lane-width bench: rWW + FIC + BOLD, HCP-100 (${
    delays ? `delays, max ${net.maxDelay} steps` : "no delays"
  }), ${lanes} lanes, ${threads} threads, ${seconds} s, ${rounds} rounds`,
);
const variants = widths.flatMap((width) =>
  tiles.flatMap((tile) =>
    denses.flatMap((dense) => passes.map((pass) => ({ width, tile, dense, pass, wall: [] as number[], cpu: [] as number[] })))
  )
);
for (const v of variants) await run(v.width, v.tile, v.dense, v.pass, 100); // compile and start workers
for (let r = 0; r < rounds; r++) {
  for (const v of r % 2 ? variants.slice().reverse() : variants) {
    const rate = await marginalRate((k) => run(v.width, v.tile, v.dense, v.pass, k), steps, lanes * n);
    v.wall.push(rate.wall);
    v.cpu.push(rate.cpu);
  }
}
console.log(
  "| width (lanes per group) | source tile (bytes of history) | dense pass | longest pass (steps) | node-steps/s (wall) | per CPU-s |",
);
console.log("|---|---|---|---|---|---|");
for (const v of variants) {
  console.log(
    `| ${v.width} (${4 * v.width}) | ${v.tile ?? "default"} | ${v.dense ?? "auto"} | ${v.pass ?? "default"} | ${
      median(v.wall).toExponential(2)
    } | ${median(v.cpu).toExponential(2)} |`,
  );
}
