// rWW E–I with Balloon–Windkessel BOLD on the HCP Schaefer-100 group connectome with delays
// (speed 6 mm/ms), dt 0.1 ms, Euler (as cuBNM): node-steps/s on the float64 reference, the wasm
// backend (1 thread and all threads) and a plain C integrator of the same equations (gcc -O3,
// one thread, f32, the same step work: delayed coupling, rWW, BOLD every 1 ms, two normals per
// node-step from a cheap generator — a speed yardstick, not a correctness reference).
// Run: node scripts/run-ts.mjs bench/models.bench.ts   (MODELS_BENCH_S=… sets the simulated seconds)
import { execFileSync } from "node:child_process";
import { mkdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { availableParallelism } from "node:os";
import { withBold } from "../src/models/bold.ts";
import { rww } from "../src/models/rww.ts";
import { analyticalFic } from "../src/models/fic.ts";
import { simulate } from "../src/sim/simulate.ts";
import { buildNetwork } from "../src/sim/network.ts";
import { hcpSchaefer100Input, writeNetworkFile } from "./native.ts";

const dt = 0.1;
const seconds = Number(process.env.MODELS_BENCH_S ?? 1);
const input = hcpSchaefer100Input(6);
const net = buildNetwork(input, dt);
const n = net.nNodes;
const model = withBold(rww, { params: "cubnm" }); // BOLD at bw_dt 1 ms (the default, cuBNM's)
const modelInPlace = withBold(rww, { params: "cubnm", dt: 0 }); // BOLD at every 0.1-ms step
const wIE = analyticalFic({ sc: input.weights, G: 0.5 }).wIE;
const cores = availableParallelism();
console.log(`models bench: rWW + BOLD, HCP Schaefer-100 (${n} nodes, ${net.source.length} edges, max delay ${net.maxDelay} steps), dt ${dt} ms, Euler`);

const rows: string[] = [];
async function run(label: string, backend: "reference" | "wasm", lanes: number, duration: number, threads?: number, m = model) {
  const wie = new Float64Array(lanes * n);
  for (let l = 0; l < lanes; l++) wie.set(wIE, l * n);
  const go = (d: number) => simulate({
    model: m, network: input, lanes, duration: d, dt, integrator: "euler", backend, threads, seed: 1, noise: "independent",
    params: { G: 0.5, wIE: wie }, record: { observables: ["bold"], period: 1000 }, keepRecorded: false, onChunk: () => {},
  });
  await go(0.01); // warm-up: compiles the kernel (run time for models without a built-in one) and starts workers
  const r = await go(duration);
  const line = `${label.padEnd(34)} lanes ${String(lanes).padStart(3)}  ${duration} s  ${(r.elapsedMs / 1000).toFixed(2)} s wall  ${(r.nodeStepsPerSecond / 1e6).toFixed(2)} M node-steps/s`;
  console.log(line);
  rows.push(line);
  return r.nodeStepsPerSecond;
}

const ref = await run("reference (f64 TS)", "reference", 1, Math.min(seconds, 0.5));
const w1 = await run("wasm, 1 thread", "wasm", 4, seconds, 1);
const wAll = await run(`wasm, ${cores} threads`, "wasm", 4 * cores, seconds, cores);
const wInPlace = await run("wasm, 1 thread, BOLD every step", "wasm", 4, seconds, 1, modelInPlace);

// Plain C yardstick.
const C_SOURCE = String.raw`
#include <stdio.h>
#include <stdlib.h>
#include <stdint.h>
#include <math.h>
#include <time.h>
static uint32_t rng = 2463534242u;
static inline float unif(void) { rng ^= rng << 13; rng ^= rng >> 17; rng ^= rng << 5; return (rng >> 8) * (1.0f / 16777216.0f) + 1e-7f; }
int main(int argc, char** argv) {
  FILE* f = fopen(argv[1], "rb"); int lanes = atoi(argv[2]); int steps = atoi(argv[3]);
  int32_t n, nnz; fread(&n, 4, 1, f); fread(&nnz, 4, 1, f);
  int32_t* rs = malloc(4 * (n + 1)); int32_t* src = malloc(4 * nnz); int32_t* del = malloc(4 * nnz); float* w = malloc(4 * nnz);
  fread(rs, 4, n + 1, f); fread(src, 4, nnz, f); fread(del, 4, nnz, f); fread(w, 4, nnz, f); fclose(f);
  int maxd = 0; for (int e = 0; e < nnz; e++) if (del[e] > maxd) maxd = del[e];
  int R = maxd + 2; float dt = 0.1f, sq = sqrtf(dt); int bwEvery = 10;
  float *SE = malloc(4 * n), *SI = malloc(4 * n), *bs = malloc(4 * n), *bf = malloc(4 * n), *bv = malloc(4 * n), *bq = malloc(4 * n), *ring = malloc(4 * R * n), *wie = malloc(4 * n);
  double sink = 0; struct timespec t0, t1; clock_gettime(CLOCK_MONOTONIC, &t0);
  for (int l = 0; l < lanes; l++) {
    for (int i = 0; i < n; i++) { SE[i] = 0.001f; SI[i] = 0.001f; bs[i] = bf[i] = bv[i] = bq[i] = 0; wie[i] = 1.3f; for (int r = 0; r < R; r++) ring[r * n + i] = 0.001f; }
    for (int s = 0; s < steps; s++) {
      int next = (s + 1) % R;
      for (int i = 0; i < n; i++) {
        float c = 0; for (int e = rs[i]; e < rs[i + 1]; e++) c += w[e] * ring[((s - del[e] + R) % R) * n + src[e]];
        float IE = 0.382f + 1.4f * 0.15f * SE[i] + 0.5f * 0.15f * c - wie[i] * SI[i];
        float II = 0.2674f + 0.15f * SE[i] - SI[i];
        float uE = 310.f * IE - 125.f, uI = 615.f * II - 177.f;
        float rE = uE / (1.f - expf(-0.16f * uE)), rI = uI / (1.f - expf(-0.087f * uI));
        float u1 = unif(), u2 = unif(); float rad = sqrtf(-2.f * logf(u1));
        float z1 = rad * cosf(6.2831853f * u2), z2 = rad * sinf(6.2831853f * u2);
        float x = SE[i];
        float nSE = SE[i] + dt * (-SE[i] / 100.f + 0.000641f * (1.f - SE[i]) * rE) + 0.01f * sq * z1;
        float nSI = SI[i] + dt * (-SI[i] / 10.f + 0.001f * rI) + 0.01f * sq * z2;
        SE[i] = fminf(1.f, fmaxf(0.f, nSE)); SI[i] = fminf(1.f, fmaxf(0.f, nSI));
        if ((s + 1) % bwEvery != 0) continue; // BOLD: Euler at bw_dt = 1 ms, as cuBNM
        float bdt = dt * bwEvery;
        float va = expf(logf(1.f + bv[i]) / 0.32f);
        float ds = (x - 1.538f * bs[i] - 2.439f * bf[i]) / 1000.f, df = bs[i] / 1000.f;
        float dv = (bf[i] + 1.f - va) / 980.f;
        float dq = ((1.f + bf[i]) * (1.f - expf(logf(0.66f) / (1.f + bf[i]))) / 0.34f - va * (1.f + bq[i]) / (1.f + bv[i])) / 980.f;
        bs[i] += bdt * ds; bf[i] += bdt * df; bv[i] += bdt * dv; bq[i] += bdt * dq;
      }
      for (int i = 0; i < n; i++) ring[next * n + i] = SE[i];
    }
    for (int i = 0; i < n; i++) sink += bq[i] + SE[i];
  }
  clock_gettime(CLOCK_MONOTONIC, &t1);
  double sec = (t1.tv_sec - t0.tv_sec) + 1e-9 * (t1.tv_nsec - t0.tv_nsec);
  printf("%.6f %.9g\n", sec, sink);
  return 0;
}
`;
const dir = join(process.cwd(), "build", "models-bench");
mkdirSync(dir, { recursive: true });
let native = NaN;
try {
  writeFileSync(join(dir, "rww.c"), C_SOURCE);
  execFileSync("gcc", ["-O3", "-march=native", "-fno-math-errno", "-o", join(dir, "rww"), join(dir, "rww.c"), "-lm"]);
  writeNetworkFile(net, join(dir, "net.bin"));
  const steps = Math.round((seconds * 1000) / dt);
  const lanes = 2;
  const [sec] = execFileSync(join(dir, "rww"), [join(dir, "net.bin"), String(lanes), String(steps)], { encoding: "utf8" }).trim().split(" ").map(Number);
  native = (lanes * n * steps) / sec!;
  const line = `${"plain C (gcc -O3, f32, 1 thread)".padEnd(34)} lanes ${String(lanes).padStart(3)}  ${seconds} s  ${sec!.toFixed(2)} s wall  ${(native / 1e6).toFixed(2)} M node-steps/s`;
  console.log(line);
  rows.push(line);
} catch (e) {
  console.log(`plain C yardstick skipped: ${(e as Error).message.split("\n")[0]}`);
}
console.log(`ratios: wasm 1 thread / C 1 thread = ${(w1 / native).toFixed(2)}; BOLD at bw_dt 1 ms / every step = ${(w1 / wInPlace).toFixed(2)}; wasm 1 thread / reference = ${(w1 / ref).toFixed(1)}; wasm ${cores} threads / 1 thread = ${(wAll / w1).toFixed(2)}`);
console.log(`cuBNM A100 reference: 512 rWW-100 simulations × 900 s in 125 s ≈ ${((512 * 100 * 9e6) / 125 / 1e9).toFixed(1)}e9 node-steps/s`);
