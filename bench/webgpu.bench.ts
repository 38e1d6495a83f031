// WebGPU backend throughput: node-steps per second for SupHopf and Wilson–Cowan on the HCP
// Schaefer-100 group connectome (train706) with conduction delays, at batch 1, 32 and 512.
// Run: node scripts/run-ts.mjs bench/webgpu.bench.ts [--quick]
// On fast adapters each case is lengthened until it runs about 2 s (start-up excluded in effect).
// Weights are normalised as cuBNM does (sc / (mean · 100)); delays = length / 6 mm/ms at dt 0.1 ms.
import { readFileSync } from "node:fs";
import { resolve } from "node:path";
import { unzipSync } from "fflate";
import { simulateWebGpu } from "../src/backends/webgpu/driver.ts";
import { describeAdapter } from "../src/backends/webgpu/gpu.ts";
import { supHopf } from "../src/models/hopf.ts";
import { wilsonCowan } from "../src/models/wilsoncowan.ts";
import type { ModelSpec } from "../src/models/spec.ts";
import { normalizeMean } from "../src/sim/network.ts";
import { prepareSimulation } from "../src/sim/prepare.ts";

const SHARED = process.env.BRAINFIT_SHARED ?? resolve(process.cwd(), "../shared");
const quick = process.argv.includes("--quick");

/** The float64 array arr_0 of an .npz (little-endian '<f8', C order). */
function readNpzF64(path: string): { shape: number[]; data: Float64Array } {
  const files = unzipSync(readFileSync(path));
  const npy = files["arr_0.npy"] ?? Object.values(files)[0]!;
  const headerLen = npy[8]! | (npy[9]! << 8);
  const header = new TextDecoder().decode(npy.subarray(10, 10 + headerLen));
  if (!header.includes("'descr': '<f8'") || header.includes("'fortran_order': True")) throw new Error(`${path}: expected a C-order <f8 array, got ${header}`);
  const shape = [...header.matchAll(/(\d+)/g)].map((m) => Number(m[1]));
  const body = npy.slice(10 + headerLen);
  return { shape, data: new Float64Array(body.buffer, body.byteOffset, body.byteLength / 8) };
}

const dir = `${SHARED}/data/hcp-schaefer100/group-train706`;
const strength = readNpzF64(`${dir}/sc_strength.npz`).data;
const length = readNpzF64(`${dir}/sc_length.npz`).data;
const network = { weights: normalizeMean(strength), lengths: length, speed: 6 };

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
