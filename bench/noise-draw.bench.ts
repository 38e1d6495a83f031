// The shared-key noise draw alone: one step's normals for every node of lanes that share one key
// (asm/philox.ts), as the kernels emit it (src/codegen/asm.ts sharedNormalsLines: two blocks of
// four nodes per call, two interleaved Philox chains) against one block of four per call
// (normals4Nodes, one chain: the kernels' draw before 2026-12-03). Both are compiled now by asc
// into one module, checked to write the same bits, and timed alternating in one process (the
// VM's speed drifts by ±30 % between runs; alternating in-process pairs cancel that), n = 100
// nodes, 2 channels (rWW + FIC) and 4 (Wilson–Cowan with OU noise); ns per node-step, medians.
// Run: node scripts/run-ts.mjs bench/noise-draw.bench.ts   (NOISE_BENCH_ROUNDS=15)
import { readFileSync } from "node:fs";
import { compileAsmSource } from "../src/codegen/asm-compile.ts";
import { sharedNormalsLines } from "../src/codegen/asm.ts";
import { median } from "./timing.ts";

const n = 100, steps = 2000;
const rounds = Number(process.env.NOISE_BENCH_ROUNDS ?? 15);
const sources = { vmath: readFileSync("asm/vmath.ts", "utf8"), philox: readFileSync("asm/philox.ts", "utf8") };

function kernelSource(NZ: number): string {
  const single: string[] = [];
  for (let b = 0; b < NZ; b += 4) {
    single.push(`normals4Nodes(<u32>step, <u32>i, ${b >> 2}, seeds, streams, ${Math.min(NZ - b, 4) > 2});`);
    for (let q = 0; q < 4 && b + q < NZ; q++) single.push(`v128.store(noiseBuf + (<usize>(${b + q} * nPad + i) << 2), z${q});`);
  }
  return [
    `import { normals4Nodes, normals8NodesTo, z0, z1, z2, z3 } from "./philox";`,
    `export function single(steps: i32, n: i32, noiseBuf: usize, seed: u32, stream: u32): void {`,
    `  const nPad = (n + 3) & ~3, seeds = i32x4.splat(seed), streams = i32x4.splat(stream);`,
    `  for (let step = 0; step < steps; step++) {`,
    `    for (let i = 0; i < n; i += 4) {`,
    ...single.map((l) => `      ${l}`),
    `    }`,
    `  }`,
    `}`,
    `export function paired(steps: i32, n: i32, noiseBuf: usize, seed: u32, stream: u32): void {`,
    `  const nPad = (n + 3) & ~3, seeds = i32x4.splat(seed), streams = i32x4.splat(stream);`,
    `  for (let step = 0; step < steps; step++) {`,
    ...sharedNormalsLines(NZ, "seeds", "streams", "nPad").map((l) => `    ${l}`),
    `  }`,
    `}`,
  ].join("\n");
}

type Draw = (steps: number, n: number, buf: number, seed: number, stream: number) => void;

console.log(`noise-draw bench: shared-key normals, n = ${n}, ${steps} steps per timing, ${rounds} alternating rounds, wasm SIMD`);
console.log("| channels | one chain (ns per node-step) | two chains (ns per node-step) | one ÷ two (median of per-round ratios) |");
console.log("|---|---|---|---|");
for (const NZ of [2, 4]) {
  const binary = await compileAsmSource(`noise draw (${NZ} channels)`, kernelSource(NZ), sources);
  const memory = new WebAssembly.Memory({ initial: 2 });
  const { exports } = await WebAssembly.instantiate(await WebAssembly.compile(binary as BufferSource), {
    env: {
      memory,
      abort: () => {
        throw new Error("abort");
      },
    },
  });
  const single = exports.single as Draw, paired = exports.paired as Draw;
  const size = NZ * Math.ceil(n / 4) * 16, a = 1024, b = a + size;
  // The same bits: one step at a time, the last step's buffers compared (every step overwrites it).
  for (const step of [1, 7]) {
    single(step, n, a, 0x1234, 5);
    paired(step, n, b, 0x1234, 5);
    const x = new Uint32Array(memory.buffer, a, size / 4), y = new Uint32Array(memory.buffer, b, size / 4);
    if (x.some((v, k) => v !== y[k])) throw new Error(`noise-draw bench: the two draws differ (${NZ} channels, ${step} steps)`);
  }
  for (let w = 0; w < 3; w++) (single(steps, n, a, 1, 0), paired(steps, n, b, 1, 0)); // tier-up
  const t1: number[] = [], t2: number[] = [], ratio: number[] = [];
  for (let r = 0; r < rounds; r++) {
    let t = performance.now();
    single(steps, n, a, 1, r);
    const s = performance.now() - t;
    t = performance.now();
    paired(steps, n, b, 1, r);
    const p = performance.now() - t;
    t1.push(s), t2.push(p), ratio.push(s / p);
  }
  const ns = (ms: number) => ((ms * 1e6) / (steps * n)).toFixed(2);
  console.log(`| ${NZ} | ${ns(median(t1))} | ${ns(median(t2))} | ${median(ratio).toFixed(2)} |`);
}
