// WASM SIMD backend vs the native C yardstick (bench/native/hopf.c, gcc -O3 -march=native),
// same SupHopf integrator, same HCP Schaefer-100 network with delays, measured side by side in
// this run. Prints node-steps/s and wasm ÷ native, by wall time and by CPU time (the CPU-time
// ratio is robust to other load on the machine). Also Wilson–Cowan on wasm.
// Run: node scripts/run-ts.mjs bench/wasm.bench.ts   (BENCH_SCALE=0.2 for a quick run;
// BENCH_LANES=32,512 and BENCH_THREADS=1 pick cases, BENCH_WC=0 skips Wilson–Cowan,
// BENCH_REPS=3 keeps the best of 3 timings of each side, which filters out other jobs' load)
import { availableParallelism } from "node:os";
import { supHopf } from "../src/models/hopf.ts";
import { wilsonCowan } from "../src/models/wilsoncowan.ts";
import { prepareSimulation, type SimulationOptions } from "../src/batch/prepare.ts";
import { simulateWasm } from "../src/backends/wasm/driver.ts";
import { buildNetwork } from "../src/batch/network.ts";
import { hcpSchaefer100Input, runNativeHopf } from "./native.ts";
import { marginalRate } from "./timing.ts";

const dt = 0.1;
const input = hcpSchaefer100Input(6);
const net = buildNetwork(input, dt);
const n = net.nNodes;
const scale = Number(process.env.BENCH_SCALE ?? 1);
const cores = availableParallelism();
const pick = (name: string, all: number[]) => (process.env[name] ? process.env[name]!.split(",").map(Number) : all);
const threadsList = pick("BENCH_THREADS", cores >= 2 ? [1, cores] : [1]);
const lanesList = pick("BENCH_LANES", [1, 32, 512]);
const reps = Number(process.env.BENCH_REPS ?? 1);
const params = { a: -0.05, G: 0.5, sigma: 0.02 };

// The wasm side's integration-only rate (set-up cancels: bench/timing.ts), as the native
// program times its integration loop alone.
async function timeWasm(opts: SimulationOptions, threads: number, steps: number) {
  const lanes = opts.lanes ?? 1;
  return marginalRate((k) => simulateWasm(prepareSimulation({ ...opts, duration: (k * dt) / 1000 }), { threads }), steps, lanes * n);
}

console.log(
  `wasm vs native: SupHopf, HCP Schaefer-100 (${n} nodes, ${net.source.length} edges, max delay ${net.maxDelay} steps), dt ${dt} ms, Heun, independent noise`,
);
console.log("| model | lanes | threads | steps | wasm node-steps/s | native node-steps/s | wasm ÷ native (wall) | wasm ÷ native (CPU) |");
console.log("|---|---|---|---|---|---|---|---|");
for (const lanes of lanesList) {
  for (const threads of threadsList) {
    if (lanes === 1 && threads > 1) continue;
    const steps = Math.max(100, Math.round(scale * (lanes === 1 ? 40000 : lanes === 32 ? 5000 : 1000)));
    const opts: SimulationOptions = {
      model: supHopf,
      network: input,
      lanes,
      params,
      duration: (steps * dt) / 1000,
      dt,
      seed: 1,
      noise: "independent",
    };
    await timeWasm(opts, threads, Math.min(steps, 200)); // warm-up (compile, JIT, worker pool)
    const w = { wall: 0, cpu: 0 };
    const c = { nodeStepsPerSecond: 0, cpu: 0 };
    for (let r = 0; r < reps; r++) {
      const wr = await timeWasm(opts, threads, steps);
      w.wall = Math.max(w.wall, wr.wall);
      w.cpu = Math.max(w.cpu, wr.cpu);
      const cr = await runNativeHopf({ network: net, lanes, steps, threads, params, seed: 1 });
      c.nodeStepsPerSecond = Math.max(c.nodeStepsPerSecond, cr.nodeStepsPerSecond);
      c.cpu = Math.max(c.cpu, (lanes * n * steps) / cr.cpuSeconds);
    }
    const nativeCpu = c.cpu;
    console.log(
      `| SupHopf | ${lanes} | ${threads} | ${steps} | ${w.wall.toExponential(3)} | ${c.nodeStepsPerSecond.toExponential(3)} | ${
        (w.wall / c.nodeStepsPerSecond).toFixed(3)
      } | ${(w.cpu / nativeCpu).toFixed(3)} |`,
    );
  }
}
for (const lanes of process.env.BENCH_WC === "0" ? [] : lanesList.filter((l) => l > 1)) {
  for (const threads of threadsList) {
    const steps = Math.max(100, Math.round(scale * (lanes === 32 ? 3000 : 250)));
    const w = await timeWasm({ model: wilsonCowan, network: input, lanes, dt, seed: 1, duration: 0 }, threads, steps);
    console.log(`| WilsonCowan | ${lanes} | ${threads} | ${steps} | ${w.wall.toExponential(3)} | – | – | – |`);
  }
}
