// Benchmark of the batch GOF statistics on the TypeScript and WASM SIMD backends: FC + FCD
// (30 s / 5 s windows at TR 0.72) + KS against an empirical FCD, for B simulations of 100 nodes x
// 1200 volumes (cuBNM's HCP setup). Measures a small batch, extrapolates to 512 simulations, and
// prints the speed-up and the largest differences between the backends. WebGPU (WGSL kernels,
// src/stats/webgpu.ts) is included when an adapter is available.
// Run: node scripts/run-ts.mjs bench/gof.bench.ts [batch=16] [excludeInterhemispheric=1]
import { setStatsBackend, type StatsBackend } from "../src/stats/index.ts";
import { boldSummaryBatch, typescriptStatsBackend } from "../src/stats/backend.ts";
import { ksStatisticBatch } from "../src/stats/ks.ts";
import { createWasmStatsBackend } from "../src/stats/wasm.ts";
import { createWebGpuStatsBackend } from "../src/stats/webgpu.ts";
import { syntheticBold } from "../test/stats/synthetic.ts";

const B = Number(process.argv[2] ?? 16);
const excludeInterhemispheric = (process.argv[3] ?? "1") !== "0";
const nNodes = 100;
const nTime = 1200;
const TR = 0.72;

// BOLD-like float32 data: slow latent factors with node loadings plus noise (test/stats/synthetic.ts).
const data = syntheticBold(B, nNodes, nTime, 42);
const input = { data, batch: B, nNodes, nTime };
const warm = { data: data.subarray(0, nNodes * nTime), batch: 1, nNodes, nTime };
const options = { tr: TR, windowSeconds: 30, stepSeconds: 5, excludeInterhemispheric };

async function run(backend: StatsBackend) {
  setStatsBackend(backend);
  await boldSummaryBatch(warm, options); // JIT / tier-up warm-up
  const t0 = performance.now();
  const summaries = await boldSummaryBatch(input, options);
  const t1 = performance.now();
  // KS of every simulation's FCD against one empirical FCD (here: simulation 0's TS FCD).
  const ks = ksStatisticBatch(summaries.map((s) => s.fcdTril), empirical ?? summaries[0]!.fcdTril);
  const t2 = performance.now();
  setStatsBackend(typescriptStatsBackend);
  return { summaries, ks, fcFcdMs: (t1 - t0) / B, ksMs: (t2 - t1) / B };
}

// undefined during the first run (run() falls back to its own simulation 0), then fixed.
let empirical: Float64Array | undefined = undefined;
const ts = await run(typescriptStatsBackend);
empirical = ts.summaries[0]!.fcdTril;
const tsRun = await run(typescriptStatsBackend);
const wasm = await run(await createWasmStatsBackend());
// WebGPU when an adapter exists (on a machine without a GPU: Mesa lavapipe, a CPU rasteriser).
let webgpu: Awaited<ReturnType<typeof run>> | null = null;
let adapter = "";
try {
  const { describeAdapter } = await import("../src/backends/webgpu/gpu.ts");
  adapter = (await describeAdapter()).name;
  webgpu = await run(await createWebGpuStatsBackend());
} catch (err) {
  console.log(`webgpu: skipped (${(err as Error).message.split("\n")[0]})`);
}

function maxDiffs(other: typeof wasm): [number, number, number] {
  let dFc = 0;
  let dFcd = 0;
  let dKs = 0;
  for (let b = 0; b < B; b++) {
    const a = tsRun.summaries[b]!;
    const w = other.summaries[b]!;
    for (let k = 0; k < a.fcTril.length; k++) dFc = Math.max(dFc, Math.abs(a.fcTril[k]! - w.fcTril[k]!));
    for (let k = 0; k < a.fcdTril.length; k++) dFcd = Math.max(dFcd, Math.abs(a.fcdTril[k]! - w.fcdTril[k]!));
    dKs = Math.max(dKs, Math.abs(tsRun.ks[b]! - other.ks[b]!));
  }
  return [dFc, dFcd, dKs];
}

const fmt = (x: number) => x.toFixed(1);
console.log(
  `gof benchmark: B=${B} simulations x ${nNodes} nodes x ${nTime} volumes (float32 in), FC + FCD (30 s / 5 s at TR ${TR}, ` +
    `${tsRun.summaries[0]!.fcdTril.length} FCD values) + KS statistic, excludeInterhemispheric=${excludeInterhemispheric}, single thread`,
);
console.log("| backend | FC+FCD ms/sim | KS ms/sim | total ms/sim | per 512 sims |");
console.log("|---|---|---|---|---|");
const rows: [string, typeof wasm][] = [["typescript", tsRun], ["wasm", wasm]];
if (webgpu) rows.push([`webgpu (${adapter})`, webgpu]);
for (const [name, r] of rows) {
  const total = r.fcFcdMs + r.ksMs;
  console.log(`| ${name} | ${fmt(r.fcFcdMs)} | ${fmt(r.ksMs)} | ${fmt(total)} | ${fmt((total * 512) / 1000)} s |`);
}
for (const [name, r] of rows.slice(1)) {
  const speedFcFcd = tsRun.fcFcdMs / r.fcFcdMs;
  const speedTotal = (tsRun.fcFcdMs + tsRun.ksMs) / (r.fcFcdMs + r.ksMs);
  const [dFc, dFcd, dKs] = maxDiffs(r);
  console.log(`speed-up ${name} vs typescript: FC+FCD ${speedFcFcd.toFixed(2)}x, FC+FCD+KS ${speedTotal.toFixed(2)}x`);
  console.log(`max |${name} - ts|: FC ${dFc.toExponential(2)}, FCD ${dFcd.toExponential(2)}, KS statistic ${dKs.toExponential(2)}`);
}
process.exit(0); // the WebGPU device keeps Node alive
