// Cost of one reverse-mode gradient on WebGPU (grad/webgpu.ts: forward with checkpoints in GPU
// storage, segment recompute with a tape, adjoint) ÷ one forward simulation of the same lanes and
// duration on the WebGPU backend (backends/webgpu/driver.ts), alternating, median of BENCH_REPS
// wall-clock times (the adapter's threads, not this process, do the work); plus the device bytes
// the gradient holds. Model as bench/gradient.bench.ts: SupHopf with delays on the TVB DK-84
// connectome (../shared/data/tvb-dk84; a random 84-node network when absent), speed 3 mm/ms,
// dt 0.1 ms, Heun, noise, x recorded every 5 ms, loss: Pearson of the FC triangle with a fixed FC.
// Run: node scripts/run-ts.mjs bench/gradient-webgpu.bench.ts   (GRAD_BENCH_S simulated
// seconds, default 0.5; GRAD_BENCH_LANES, default 8; BENCH_REPS, default 3)
import { supHopf } from "../src/models/hopf.ts";
import { buildNetwork } from "../src/batch/network.ts";
import { dk84Network, fcLoss } from "./gradient-setup.ts";
import { prepareSimulation, type SimulationOptions } from "../src/batch/prepare.ts";
import { simulateWebGpu } from "../src/backends/webgpu/driver.ts";
import { describeAdapter } from "../src/backends/webgpu/gpu.ts";
import { simulateGradientWebGPU } from "../src/grad/webgpu.ts";
import { median } from "./timing.ts";

const seconds = Number(process.env.GRAD_BENCH_S ?? 0.5);
const lanes = Number(process.env.GRAD_BENCH_LANES ?? 8);
const reps = Number(process.env.BENCH_REPS ?? 3);
const dt = 0.1;
const { network, source } = await dk84Network();
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
const loss = fcLoss(n);
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
