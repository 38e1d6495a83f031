// Cost of one reverse-mode gradient on WebGPU (grad/webgpu.ts: forward with checkpoints in GPU
// storage, segment recompute with a tape, adjoint) ÷ one forward simulation of the same lanes and
// duration on the WebGPU backend (backends/webgpu/driver.ts), alternating, median of BENCH_REPS
// wall-clock times (the adapter's threads, not this process, do the work); plus the device bytes
// the gradient holds. Model as bench/gradient.bench.ts: SupHopf with delays on the TVB DK-84
// connectome (../shared/data/tvb-dk84; a random 84-node network when absent), speed 3 mm/ms,
// dt 0.1 ms, Heun, noise, x recorded every 5 ms, loss: Pearson of the FC triangle with a fixed FC.
// Run: node scripts/run-ts.mjs bench/gradient-webgpu.bench.ts   (GRAD_BENCH_S simulated
// seconds, default 0.5; GRAD_BENCH_LANES, default 8; BENCH_REPS, default 3)
import { existsSync } from "node:fs";
import { loadArray } from "../src/io/load.ts";
import { supHopf } from "../src/models/hopf.ts";
import { buildNetwork, type NetworkInput, normalizeMax } from "../src/batch/network.ts";
import { prepareSimulation, type SimulationOptions } from "../src/batch/prepare.ts";
import { simulateWebGpu } from "../src/backends/webgpu/driver.ts";
import { describeAdapter } from "../src/backends/webgpu/gpu.ts";
import { fcPairs } from "../src/stats/fc.ts";
import type { LaneLoss } from "../src/grad/backward.ts";
import { fcTrilWithVjp, pearsonWithGrad } from "../src/grad/losses.ts";
import { simulateGradientWebGPU } from "../src/grad/webgpu.ts";

const seconds = Number(process.env.GRAD_BENCH_S ?? 0.5);
const lanes = Number(process.env.GRAD_BENCH_LANES ?? 8);
const reps = Number(process.env.BENCH_REPS ?? 3);
const dt = 0.1;
const shared = process.env.BRAINFIT_SHARED ?? "../shared";
const dk = `${shared}/data/tvb-dk84/connectivity.npz`;
let network: NetworkInput;
let source: string;
if (existsSync(dk)) {
  const w = await loadArray(`${dk}:weights`);
  const l = await loadArray(`${dk}:lengths`);
  network = {
    weights: normalizeMax(Float64Array.from(w.data as ArrayLike<number>)),
    lengths: Float64Array.from(l.data as ArrayLike<number>),
    speed: 3,
  };
  source = "TVB DK-84";
} else {
  const n = 84;
  let s = 1;
  const r = () => ((s = (Math.imul(s, 1664525) + 1013904223) >>> 0) / 2 ** 32);
  network = {
    weights: Float64Array.from({ length: n * n }, () => (r() < 0.3 ? r() : 0)),
    lengths: Float64Array.from({ length: n * n }, () => 1 + 99 * r()),
    speed: 3,
  };
  source = "random 84-node network";
}
const net = buildNetwork(network, dt);
const n = net.nNodes;
const options: SimulationOptions = {
  model: supHopf,
  network,
  lanes,
  duration: seconds,
  dt,
  integrator: "heun",
  seed: 1,
  params: { a: Array.from({ length: lanes }, (_, l) => -0.02 - 0.002 * l), G: 0.5, sigma: 0.02 },
  record: { observables: ["x"], period: 5 },
};
const pairs = fcPairs(n);
const empFc = Float64Array.from({ length: pairs.length }, (_, k) => Math.sin(k));
const loss: LaneLoss = (_lane, rec) => {
  const x = rec.x!, T = x.length / n;
  const data = new Float64Array(n * T);
  for (let t = 0; t < T; t++) for (let i = 0; i < n; i++) data[i * T + t] = x[t * n + i]!;
  const fc = fcTrilWithVjp(data, n, T, pairs);
  const r = pearsonWithGrad(fc.tril, empFc);
  const g = fc.vjp(r.grad.map((v) => -v));
  const grad = new Float64Array(x.length);
  for (let t = 0; t < T; t++) for (let i = 0; i < n; i++) grad[t * n + i] = g[i * T + t]!;
  return { value: -r.value, grad: { x: grad } };
};
const median = (xs: number[]) => xs.slice().sort((a, b) => a - b)[xs.length >> 1]!;
const adapter = await describeAdapter();
console.log(
  `webgpu gradient bench on ${adapter.name}: SupHopf on ${source} (${n} nodes, ${net.source.length} edges, max delay ${net.maxDelay} steps), ` +
    `dt ${dt} ms, Heun, ${seconds} s simulated, ${lanes} lanes, median of ${reps}`,
);
// Warm-up: pipelines compiled once per process.
await simulateWebGpu(prepareSimulation({ ...options, duration: 0.01 }));
await simulateGradientWebGPU(prepareSimulation({ ...options, duration: 0.01 }), loss);
const fwd: number[] = [], grad: number[] = [], gFwd: number[] = [], gBwd: number[] = [];
let peak = 0, K = 0;
for (let k = 0; k < reps; k++) {
  let t0 = performance.now();
  await simulateWebGpu(prepareSimulation(options));
  fwd.push((performance.now() - t0) / 1000);
  t0 = performance.now();
  const g = await simulateGradientWebGPU(prepareSimulation(options), loss);
  grad.push((performance.now() - t0) / 1000);
  gFwd.push(g.forwardMs / 1000);
  gBwd.push(g.backwardMs / 1000);
  peak = g.peakBytes;
  K = g.checkpointEvery;
}
const f = median(fwd), g = median(grad);
console.log(
  `wall s: forward (webgpu) ${f.toFixed(2)}, gradient ${g.toFixed(2)} (its forward ${median(gFwd).toFixed(2)}, backward ${
    median(gBwd).toFixed(2)
  }): gradient / forward = ${(g / f).toFixed(2)}`,
);
console.log(`checkpoint every ${K} steps: ${(peak / 2 ** 20).toFixed(1)} MiB of device buffers (all lanes)`);
