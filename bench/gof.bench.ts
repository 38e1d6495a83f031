// Benchmark of the batch GOF statistics on the TypeScript and WASM SIMD backends: FC + FCD
// (30 s / 5 s windows at TR 0.72) + KS against an empirical FCD, for B simulations of 100 nodes x
// 1200 volumes (cuBNM's HCP setup). Measures a small batch, extrapolates to 512 simulations, and
// prints the speed-up and the largest differences between the backends. WebGPU (WGSL kernels,
// src/stats/webgpu.ts) is included when an adapter is available.
// Run: node scripts/run-ts.mjs bench/gof.bench.ts [batch=16] [excludeInterhemispheric=1]
import { boldSummaryBatch, ksStatisticBatch, setStatsBackend, typescriptStatsBackend, type StatsBackend } from "../src/stats/index.ts";
import { createWasmStatsBackend } from "../src/stats/wasm.ts";
import { createWebGpuStatsBackend } from "../src/stats/webgpu.ts";

const B = Number(process.argv[2] ?? 16);
const excludeInterhemispheric = (process.argv[3] ?? "1") !== "0";
const nNodes = 100;
const nTime = 1200;
const TR = 0.72;

function rng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

// BOLD-like float32 data (as bench/stats.bench.ts): slow latent factors with node loadings plus noise.
const u = rng(42);
const g = () => Math.sqrt(-2 * Math.log(1 - u())) * Math.cos(2 * Math.PI * u());
const data = new Float32Array(B * nNodes * nTime);
for (let b = 0; b < B; b++) {
  const load = Array.from({ length: nNodes }, () => [g(), g(), g()]);
  const f = [0, 0, 0];
  for (let t = 0; t < nTime; t++) {
    for (let k = 0; k < 3; k++) f[k] = 0.9 * f[k]! + g();
    for (let i = 0; i < nNodes; i++) {
      const l = load[i]!;
      data[(b * nNodes + i) * nTime + t] = l[0]! * f[0]! + l[1]! * f[1]! + l[2]! * f[2]! + g();
    }
  }
}
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

let empirical: Float64Array | undefined;
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
