// WebGPU backend throughput: node-steps per second for SupHopf and Wilson–Cowan on the HCP
// Schaefer-100 group connectome (train706) with conduction delays, at batch 1, 32 and 512.
// Run: node scripts/run-ts.mjs bench/webgpu.bench.ts [--quick]
// On fast adapters each case is lengthened until it runs about 2 s (start-up excluded in effect).
// Weights are normalised as cuBNM does (sc / (mean · 100)); delays = length / 6 mm/ms at dt 0.1 ms.
import { hcpSchaefer100Input } from "./native.ts";
import { simulateWebGpu } from "../src/backends/webgpu/driver.ts";
import { describeAdapter } from "../src/backends/webgpu/gpu.ts";
import { supHopf } from "../src/models/hopf.ts";
import { wilsonCowan } from "../src/models/wilsoncowan.ts";
import type { ModelSpec } from "../src/models/spec.ts";
import { prepareSimulation } from "../src/sim/prepare.ts";

const quick = process.argv.includes("--quick");

const network = hcpSchaefer100Input(6); // cuBNM-normalised HCP group SC, delays at 6 mm/ms

const adapter = await describeAdapter();
console.log(`adapter: ${adapter.name}${adapter.isFallback ? " (software)" : ""}`);

// Simulated seconds per batch size, so that every case does a comparable amount of work.
const durations: Record<number, number> = quick ? { 1: 0.2, 32: 0.02, 512: 0.002 } : { 1: 2, 32: 0.2, 512: 0.02 };
const rows: string[] = [];
for (const [model, params] of [
  [supHopf, { a: -0.02, G: 0.5, sigma: 0.02 }],
  [wilsonCowan, { k: 1, sigma_ou: 0.05 }],
] as [ModelSpec, Record<string, number>][]) {
  for (const lanes of [1, 32, 512]) {
    const opts = {
      model,
      network,
      lanes,
      dt: 0.1,
      integrator: "heun" as const,
      seed: 1,
      noise: "independent" as const,
      params,
      record: { observables: [model.states[0]!.name], period: 1 },
      averages: [model.states[0]!.name],
      keepRecorded: false,
      onChunk: () => {},
    };
    // Warm-up (compiles and caches the pipeline), then the timed run.
    await simulateWebGpu(prepareSimulation({ ...opts, duration: 0.001 }));
    let r = await simulateWebGpu(prepareSimulation({ ...opts, duration: durations[lanes]! }));
    // Fast adapters: lengthen the run until it takes about 2 s, so start-up costs do not dominate.
    if (!quick && r.elapsedMs < 1000) {
      const scale = Math.min(5000, Math.ceil(2000 / Math.max(r.elapsedMs, 1)));
      r = await simulateWebGpu(prepareSimulation({ ...opts, duration: durations[lanes]! * scale }));
    }
    const line = `${model.name.padEnd(12)} batch ${String(lanes).padStart(3)}  ${r.nSteps} steps  ${(r.elapsedMs / 1000).toFixed(2)} s  ${(r.nodeStepsPerSecond / 1e6).toFixed(2)} M node-steps/s`;
    console.log(line);
    rows.push(`| ${model.name} | ${lanes} | ${r.nSteps} | ${(r.elapsedMs / 1000).toFixed(2)} | ${(r.nodeStepsPerSecond / 1e6).toFixed(2)} |`);
  }
}
console.log("\n| model | batch | steps | wall s | M node-steps/s |\n| --- | --- | --- | --- | --- |\n" + rows.join("\n"));
process.exit(0);
