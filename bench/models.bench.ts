// rWW + FIC + BOLD on the HCP Schaefer-100 group connectome, dt 0.1 ms, Euler (as cuBNM), BOLD
// at bw_dt 1 ms recorded every 1 s and streamed: the wasm backend against a C build of the same
// algorithm and layout (bench/native/rww.c: lanes innermost in blocks the width of the wasm lane group
// (bench/native.ts nativeLaneBlock), the same blocked coupling pass over source tiles, Philox + Box–Muller,
// the same f32 polynomial exp/ln, OpenMP over blocks; gcc -O3 -march=native), measured side by
// side in one run, alternating, at batch 1, 8 and 64, on 1 thread and on every core. Figures are
// node-steps per wall second and per CPU second (the CPU figure is robust to other load; the
// wall figure shows the use of cores). Both sides are timed on their integration alone: C
// times its loop, and the wasm side's rate is marginal (simulate() of N and N/5 steps, the
// difference in work over the difference in time, so planning and hand-off to threads
// cancel: bench/timing.ts), after a warm-up call (kernel compile, worker start-up). The whole
// simulate() call's rate is printed too. Batch 1: wasm runs the "nodes" layout (f32x4 over
// nodes), C a scalar build (lane block 1).
// Run: node scripts/run-ts.mjs bench/models.bench.ts   (MODELS_BENCH_S=… simulated seconds,
// default 1; MODELS_BENCH_NOISE=shared|independent, default shared as simulate() and fits;
// MODELS_BENCH_DELAYS=0 drops the conduction delays, as cuBNM's rWW runs; BENCH_REPS=3 medians)
import { availableParallelism } from "node:os";
import { buildNetwork, type NetworkInput } from "../src/batch/network.ts";
import { hcpSchaefer100Input, runNativeRww } from "./native.ts";
import { ficWIE, RWW_DT, simulateRwwBold } from "./rww-setup.ts";
import { marginalRate, median } from "./timing.ts";

const dt = RWW_DT;
const seconds = Number(process.env.MODELS_BENCH_S ?? 1);
const noise = (process.env.MODELS_BENCH_NOISE ?? "shared") as "shared" | "independent";
const delays = process.env.MODELS_BENCH_DELAYS !== "0";
const reps = Number(process.env.BENCH_REPS ?? 3);
const withDelays = hcpSchaefer100Input(6);
const input: NetworkInput = delays ? withDelays : { weights: withDelays.weights };
const net = buildNetwork(input, dt);
const n = net.nNodes;
const wIE = ficWIE(input);
const cores = availableParallelism();
const steps = Math.round((seconds * 1000) / dt);
console.log(
  `models bench: rWW + FIC + BOLD, HCP Schaefer-100 (${n} nodes, ${net.source.length} edges, ${
    delays ? `delays at 6 mm/ms, max ${net.maxDelay} steps` : "no delays"
  }), dt ${dt} ms, Euler, ${noise} noise, ${seconds} s simulated, median of ${reps}, ${cores} cores`,
);

function wasmRun(lanes: number, threads: number, steps: number) {
  return simulateRwwBold({ network: input, wIE, lanes, steps, threads, noise });
}
async function wasm(lanes: number, threads: number) {
  const whole = await wasmRun(lanes, threads, steps);
  const rate = await marginalRate((k) => wasmRun(lanes, threads, k), steps, lanes * n);
  return { ...rate, whole: whole.nodeStepsPerSecond, info: whole.backendInfo };
}
async function native(lanes: number, threads: number) {
  const r = await runNativeRww({ network: net, lanes, steps, threads, G: 0.5, sigma: 0.01, seed: 1, noise, wIE });
  const work = lanes * n * steps;
  return { wall: work / r.seconds, cpu: work / r.cpuSeconds };
}
const e = (x: number) => x.toExponential(2);

console.log(
  "| lanes | threads | wasm node-steps/s (wall) | C node-steps/s (wall) | wasm ÷ C (wall) | wasm per CPU-s | C per CPU-s | wasm ÷ C (CPU) | wasm whole call (wall) | wasm layout |",
);
console.log("|---|---|---|---|---|---|---|---|---|---|");
const byCase = new Map<string, number>();
for (const lanes of [1, 8, 64]) {
  for (const threads of cores > 1 ? [1, cores] : [1]) {
    if (lanes === 1 && threads > 1) continue;
    await wasmRun(lanes, threads, 100); // warm-up
    const w = { wall: [] as number[], cpu: [] as number[], whole: [] as number[] }, c = { wall: [] as number[], cpu: [] as number[] };
    let info = "";
    for (let r = 0; r < reps; r++) {
      const wr = await wasm(lanes, threads);
      w.wall.push(wr.wall);
      w.cpu.push(wr.cpu);
      w.whole.push(wr.whole);
      info = wr.info;
      const cr = await native(lanes, threads);
      c.wall.push(cr.wall);
      c.cpu.push(cr.cpu);
    }
    const [ww, wc, cw, cc] = [median(w.wall), median(w.cpu), median(c.wall), median(c.cpu)];
    byCase.set(`${lanes}/${threads}`, ww);
    console.log(
      `| ${lanes} | ${threads} | ${e(ww)} | ${e(cw)} | ${(ww / cw).toFixed(2)} | ${e(wc)} | ${e(cc)} | ${(wc / cc).toFixed(2)} | ${
        e(median(w.whole))
      } | ${info.replace(/^WASM /, "")} |`,
    );
  }
}
if (cores > 1) {
  const b8 = byCase.get(`8/${cores}`)!, b8one = byCase.get("8/1")!, b1 = byCase.get("1/1")!;
  console.log(
    `batch 8: ${cores} threads ÷ 1 thread = ${(b8 / b8one).toFixed(2)}; batch 1 ÷ per-lane rate of batch 8 (all cores) = ${
      (b1 / (b8 / 8) / 1).toFixed(2)
    } (per lane: ${e(b1)} vs ${e(b8 / 8)})`,
  );
}
console.log(
  "cuBNM's CPU path on this machine (issue 12, its own timing, 2 threads, rWW + BOLD, 60 s): 8.1e6 (1 sim), 1.89e7 (8), 2.53e7 (64) node-steps/s; single simulation 1.36e7 in its own timing",
);
