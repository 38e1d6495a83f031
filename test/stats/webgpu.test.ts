// The WebGPU (WGSL) stats backend against the TypeScript reference. Skipped when no WebGPU adapter
// is available (in CI without a GPU the adapter is Mesa lavapipe, which runs these kernels on the CPU).
//
// Tolerance (u = 2^-24): as test/stats/wasm.test.ts for FC, |ΔFC| ≤ (nTime + 2)·u. For FCD the
// windows × windows dot products run over the whole window-FC row (nPairs long, 8 partial sums,
// no f64 chunks): ≲ nPairs·u ≈ 3e-4 at 4950 pairs, plus ≲ 5e-5 from the window FCs → 4e-4.
import path from "node:path";
import { describe, expect, it } from "vitest";
import { probeWebGpu } from "../../src/backends/webgpu/gpu.ts";
import { loadArray } from "../../src/io/index.ts";
import { type FcdOptions, type FcOptions } from "../../src/stats/index.ts";
import { fcdWindowTRsFromSeconds } from "../../src/stats/fcd.ts";
import { typescriptStatsBackend } from "../../src/stats/backend.ts";
import { createWebGpuStatsBackend } from "../../src/stats/webgpu.ts";
import { SHARED } from "./helpers.ts";

const U = 2 ** -24;
const TOL_FCD = 4e-4;
const probe = await probeWebGpu();

function maxAbsDiff(a: ArrayLike<number>, b: ArrayLike<number>): number {
  expect(a.length).toBe(b.length);
  let worst = 0;
  for (let i = 0; i < a.length; i++) {
    if (Number.isNaN(a[i]!) !== Number.isNaN(b[i]!)) return Infinity;
    worst = Math.max(worst, Math.abs(a[i]! - b[i]!));
  }
  return worst;
}

function series(seed: number, batch: number, nNodes: number, nTime: number, zeroVolumes: number[] = []) {
  let a = seed >>> 0;
  const u = () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
  const g = () => Math.sqrt(-2 * Math.log(1 - u())) * Math.cos(2 * Math.PI * u());
  const data = new Float64Array(batch * nNodes * nTime);
  for (let b = 0; b < batch; b++) {
    const load = Array.from({ length: nNodes }, () => g());
    let f = 0;
    for (let t = 0; t < nTime; t++) {
      f = 0.9 * f + g();
      for (let i = 0; i < nNodes; i++) data[(b * nNodes + i) * nTime + t] = zeroVolumes.includes(t) ? 0 : 1e4 + 50 * (load[i]! * f + g());
    }
  }
  return { data, batch, nNodes, nTime };
}

// No adapter is a failure (CI installs lavapipe), unless BRAINFIT_NO_WEBGPU=1 says none can exist.
if (!probe.available && process.env.BRAINFIT_NO_WEBGPU !== "1") {
  it("finds a WebGPU adapter for the stats backend", () => {
    throw new Error(`no WebGPU adapter (${probe.reason}); install lavapipe (scripts/install-system.sh) or set BRAINFIT_NO_WEBGPU=1`);
  });
}

describe.skipIf(!probe.available)(`webgpu stats backend (${probe.adapter ?? probe.reason})`, () => {
  it.each([true, false])(
    "FC and FCD equal the TypeScript results for every option combination (odd sizes, outlier windows; tiledGram %s)",
    async (tiledGram) => {
      const gpu = await createWebGpuStatsBackend(undefined, { tiledGram });
      expect(gpu.name).toBe("webgpu");
      const zeros = [...Array.from({ length: 12 }, (_, k) => 20 + k), 150];
      const input = series(2, 3, 23, 211, zeros);
      const fcOptions: FcOptions[] = [{}, { zeroVolumesAsOutliers: true }, { excludeInterhemispheric: true, zeroVolumesAsOutliers: true }];
      for (const options of fcOptions) {
        expect(maxAbsDiff(await gpu.fcBatch(input, options), await typescriptStatsBackend.fcBatch(input, options))).toBeLessThanOrEqual(
          (211 + 2) * U,
        );
      }
      const fcdOptions: FcdOptions[] = [
        { windowTRs: 10, stepTRs: 3 },
        { windowTRs: 10, stepTRs: 3, dropEdges: false, returnWindowFc: true },
        {
          windowTRs: 8,
          stepTRs: 5,
          excludeInterhemispheric: true,
          hemispheres: Array.from({ length: 23 }, (_, i) => i % 3),
          outlierThreshold: 0.2,
        },
      ];
      for (const options of fcdOptions) {
        const w = await gpu.fcdBatch(input, options);
        const t = await typescriptStatsBackend.fcdBatch(input, options);
        for (let b = 0; b < t.length; b++) {
          expect(w[b]!.nWindows).toBe(t[b]!.nWindows);
          expect(Array.from(w[b]!.windowStarts)).toEqual(Array.from(t[b]!.windowStarts));
          expect(maxAbsDiff(w[b]!.fcdTril, t[b]!.fcdTril)).toBeLessThanOrEqual(TOL_FCD);
          if (options.returnWindowFc) {
            expect(maxAbsDiff(w[b]!.windowFcTrils!, t[b]!.windowFcTrils!)).toBeLessThanOrEqual((options.windowTRs + 3) * U);
          }
        }
      }
    },
  );

  it.each([true, false])("HCP subject 100206 REST1_LR: FCD (30 s / 5 s, intrahemispheric) matches (tiledGram %s)", async (tiledGram) => {
    const gpu = await createWebGpuStatsBackend(undefined, { tiledGram });
    const bold = await loadArray(path.join(SHARED, "data", "hcp-schaefer100", "100206", "bold_REST1_LR.npz"));
    const input = { data: bold.data as Float64Array, batch: 1, nNodes: 100, nTime: 1200 };
    const options = { ...fcdWindowTRsFromSeconds(30, 5, 0.72), excludeInterhemispheric: true };
    const [w] = await gpu.fcdBatch(input, options);
    const [t] = await typescriptStatsBackend.fcdBatch(input, options);
    expect(w!.nWindows).toBe(166);
    expect(maxAbsDiff(w!.fcdTril, t!.fcdTril)).toBeLessThanOrEqual(TOL_FCD);
  });
});
