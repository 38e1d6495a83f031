// Cost of one reverse-mode gradient (grad/backward.ts: forward with checkpoints, segment
// recompute, adjoint) ÷ one forward simulation of the same lanes on the same backend, side by
// side in one run, alternating, median of BENCH_REPS, per backend: the float64 reference, and the
// WASM SIMD backend (float32; forward: the wasm backend's simulate, all its threads; gradient:
// grad/wasm.ts); and the peak memory of checkpoints + tape + adjoint ring.
// Model: SupHopf with delays on the TVB DK-84 connectome (../shared/data/tvb-dk84; a random
// 84-node network with 1–100 mm tracts when absent), speed 3 mm/ms, dt 0.1 ms, Heun, noise,
// x recorded every 5 ms, loss +fc_corr-like (Pearson of the FC triangle with a fixed FC).
// Run: node scripts/run-ts.mjs bench/gradient.bench.ts   (GRAD_BENCH_S simulated seconds,
// default 2; GRAD_BENCH_LANES, default 1; BENCH_REPS, default 3; GRAD_BENCH_BACKENDS, default
// "reference,wasm")
import { supHopf } from "../src/models/hopf.ts";
import { buildNetwork } from "../src/batch/network.ts";
import { dk84Network, fcLoss } from "./gradient-setup.ts";
import { prepareSimulation, type SimulationOptions } from "../src/batch/prepare.ts";
import { simulateReference } from "../src/backends/reference.ts";
import { checkpointSizes } from "../src/grad/backward.ts";
import { valueAndGradSimulation } from "../src/grad/value-and-grad.ts";
import { simulateGradientWasm } from "../src/grad/wasm.ts";
import { simulate } from "../src/sim/simulate.ts";
import { median } from "./timing.ts";

const seconds = Number(process.env.GRAD_BENCH_S ?? 2);
const lanes = Number(process.env.GRAD_BENCH_LANES ?? 1);
const reps = Number(process.env.BENCH_REPS ?? 3);
const backends = (process.env.GRAD_BENCH_BACKENDS ?? "reference,wasm").split(",");
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
  params: { a: -0.02, G: 0.5, sigma: 0.02 },
  record: { observables: ["x"], period: 5 },
};
const loss = fcLoss(n);
const sim = prepareSimulation(options);
const sizes = checkpointSizes(sim);
console.log(
  `gradient bench: SupHopf on ${source} (${n} nodes, ${net.source.length} edges, max delay ${net.maxDelay} steps), dt ${dt} ms, Heun, ${seconds} s simulated, ${lanes} lane(s), median of ${reps}`,
);
// CPU seconds of the process (all threads): robust to other load on a shared machine; wall too.
const cpu = () => {
  const c = process.cpuUsage();
  return (c.user + c.system) / 1e6;
};
let peak = 0, K = 0;
async function measure(
  label: string,
  forward: () => Promise<unknown>,
  gradient: () => Promise<{ peakBytes: number; checkpointEvery: number }>,
) {
  const fwd: number[] = [], grad: number[] = [], fwdWall: number[] = [], gradWall: number[] = [];
  for (let k = 0; k < reps; k++) {
    let c0 = cpu(), t0 = performance.now();
    await forward();
    fwd.push(cpu() - c0);
    fwdWall.push((performance.now() - t0) / 1000);
    c0 = cpu();
    t0 = performance.now();
    const g = await gradient();
    grad.push(cpu() - c0);
    gradWall.push((performance.now() - t0) / 1000);
    peak = g.peakBytes;
    K = g.checkpointEvery;
  }
  const f = median(fwd), g = median(grad);
  console.log(
    `${label}: CPU s: forward ${f.toFixed(2)}, gradient ${g.toFixed(2)}: gradient / forward = ${(g / f).toFixed(2)}   (wall: ${
      median(fwdWall).toFixed(2)
    } s, ${median(gradWall).toFixed(2)} s: ${(median(gradWall) / median(fwdWall)).toFixed(2)}); node-steps per CPU-s: forward ${
      (n * lanes * sim.nSteps / f).toExponential(2)
    }, gradient ${(n * lanes * sim.nSteps / g).toExponential(2)}`,
  );
  console.log(`  checkpoint every ${K} steps: ${(peak / 2 ** 20).toFixed(1)} MiB peak (checkpoints + tape + rings)`);
}
if (backends.includes("reference")) {
  simulateReference(prepareSimulation({ ...options, duration: 0.05 })); // warm-up (JIT)
  await valueAndGradSimulation({ ...options, duration: 0.05 }, loss);
  await measure(
    "reference (float64, one lane after another)",
    async () => simulateReference(prepareSimulation(options)),
    async () => valueAndGradSimulation(options, loss),
  );
}
if (backends.includes("wasm")) {
  await simulate({ ...options, duration: 0.05, backend: "wasm" }); // warm-up: kernels, workers
  await simulateGradientWasm(prepareSimulation({ ...options, duration: 0.05 }), loss);
  await measure(
    "wasm (float32, 4 lanes per f32x4)",
    () => simulate({ ...options, backend: "wasm" }),
    () => simulateGradientWasm(prepareSimulation(options), loss),
  );
}
// The size: 60 s, 84 nodes at dt 0.1 ms (lanes run one after another: memory per lane).
const steps60 = Math.round(60_000 / dt);
const K60 = Math.round(Math.sqrt((steps60 * sizes.checkpoint) / sizes.tapeStep));
const bytes60 = Math.ceil(steps60 / K60) * sizes.checkpoint + K60 * sizes.tapeStep + 2 * sizes.checkpoint;
const full = steps60 * sizes.tapeStep;
console.log(
  `60 s at dt 0.1 ms (${steps60} steps), this network: default K = ${K60}, peak ≈ ${
    (bytes60 / 2 ** 20).toFixed(1)
  } MiB per lane (a stored trajectory would be ${(full / 2 ** 30).toFixed(2)} GiB)`,
);
