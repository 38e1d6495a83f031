// The WASM SIMD stats backend against the TypeScript reference (typescriptStatsBackend).
//
// Tolerance (float32 arithmetic in the kernels, float64 in the reference; eps32 = 2^-23 ≈ 1.19e-7,
// unit roundoff u = eps32 / 2):
// - FC: a correlation is a dot product of two unit vectors of length L = nTime accumulated in f32;
//   its rounding error is ≲ L·u·|x||y| = L·u (worst case; typically √L·u). Rounding the normalised
//   inputs to f32 adds ≤ 2u. Tolerance: tolFc = (L + 2)·u, 7.2e-5 for 1200 volumes.
// - FCD: window FCs (length W + 1 = 43) carry ≲ 43·u ≈ 2.6e-6 each; correlating two window-FC
//   vectors amplifies that by ≲ 2 / std(window FC) (≈ 0.1 or more for BOLD-like data) → ≲ 5e-5; the
//   windows × windows dot products are f32 over chunks of 512 summed in f64 (≲ 512·u ≈ 3e-5).
//   Tolerance: tolFcd = 1e-4 (measured: ≲ 5e-7).
// - KS statistic: moving every FCD value by ≤ tolFcd changes D by at most the largest number of
//   values of the sample in one interval of width 2·tolFcd, over n; the test computes that bound.
import path from "node:path";
import fc from "fast-check";
import { beforeAll, describe, expect, it } from "vitest";
import { loadArray } from "../../src/io/index.ts";
import {
  type FcdOptions,
  type FcdResult,
  type FcOptions,
  ks2samp,
  setStatsBackend,
  type StatsBackend,
  StatsInputError,
} from "../../src/stats/index.ts";
import { boldSummaryBatch, typescriptStatsBackend } from "../../src/stats/backend.ts";
import { fcdWindowTRsFromSeconds } from "../../src/stats/fcd.ts";
import { createWasmStatsBackend } from "../../src/stats/wasm.ts";
import { SHARED } from "./helpers.ts";
import { mulberry32 } from "./synthetic.ts";

const U32 = 2 ** -24;
const TOL_FCD = 1e-4;
const tolFc = (nTime: number) => (nTime + 2) * U32;

let wasm: StatsBackend;
beforeAll(async () => {
  wasm = await createWasmStatsBackend();
});

function maxAbsDiff(a: ArrayLike<number>, b: ArrayLike<number>): number {
  expect(a.length).toBe(b.length);
  let worst = 0;
  for (let i = 0; i < a.length; i++) {
    const d = Math.abs(a[i]! - b[i]!);
    if (Number.isNaN(a[i]!) !== Number.isNaN(b[i]!)) return Infinity;
    if (d > worst) worst = d;
  }
  return worst;
}

const rng = mulberry32; // small deterministic PRNG for reproducible synthetic series

/** BOLD-like series (shared slow factors + noise, offset 1e4 as raw BOLD) with optional zeroed volumes. */
function series(seed: number, batch: number, nNodes: number, nTime: number, zeroVolumes: number[] = [], f32 = false) {
  const u = rng(seed);
  const g = () => Math.sqrt(-2 * Math.log(1 - u())) * Math.cos(2 * Math.PI * u());
  const data = f32 ? new Float32Array(batch * nNodes * nTime) : new Float64Array(batch * nNodes * nTime);
  for (let b = 0; b < batch; b++) {
    const load = Array.from({ length: nNodes }, () => [g(), g()]);
    const f = [0, 0];
    for (let t = 0; t < nTime; t++) {
      for (let k = 0; k < 2; k++) f[k] = 0.9 * f[k]! + g();
      for (let i = 0; i < nNodes; i++) {
        const l = load[i]!;
        data[(b * nNodes + i) * nTime + t] = zeroVolumes.includes(t) ? 0 : 1e4 + 50 * (l[0]! * f[0]! + l[1]! * f[1]! + g());
      }
    }
  }
  return { data, batch, nNodes, nTime };
}

function expectFcdClose(w: FcdResult[], t: FcdResult[]): void {
  expect(w.length).toBe(t.length);
  for (let b = 0; b < t.length; b++) {
    expect(w[b]!.nWindows).toBe(t[b]!.nWindows);
    expect(Array.from(w[b]!.windowStarts)).toEqual(Array.from(t[b]!.windowStarts));
    expect(Array.from(w[b]!.windowEnds)).toEqual(Array.from(t[b]!.windowEnds));
    expect(maxAbsDiff(w[b]!.fcdTril, t[b]!.fcdTril)).toBeLessThanOrEqual(TOL_FCD);
  }
}

/** The KS-statistic bound above: the most values of `x` in one interval of width 2·delta, over n. */
function ksShiftBound(x: Float64Array, delta: number): number {
  const s = Float64Array.from(x).sort();
  let most = 0;
  for (let i = 0, j = 0; i < s.length; i++) {
    while (s[i]! - s[j]! > 2 * delta) j++;
    most = Math.max(most, i - j + 1);
  }
  return most / s.length;
}

describe("wasm stats backend", () => {
  it("is named and implements the StatsBackend interface", () => {
    expect(wasm.name).toBe("wasm");
    expect(typeof wasm.fcBatch).toBe("function");
    expect(typeof wasm.fcdBatch).toBe("function");
  });

  it("FC equals the TypeScript FC within (nTime + 2)·u for every option combination (odd sizes, f32 and f64 input)", async () => {
    const hemispheres = [0, 1, 0, 1, 1, 0, 0, 1, 1, 1, 0];
    const optionSets: FcOptions[] = [
      {},
      { zeroVolumesAsOutliers: true },
      { excludeInterhemispheric: true },
      { excludeInterhemispheric: true, hemispheres, zeroVolumesAsOutliers: true },
    ];
    for (const f32 of [false, true]) {
      const input = series(1, 3, 11, 97, [5, 40], f32);
      for (const options of optionSets) {
        const w = await wasm.fcBatch(input, options);
        const t = await typescriptStatsBackend.fcBatch(input, options);
        expect(maxAbsDiff(w, t)).toBeLessThanOrEqual(tolFc(input.nTime));
      }
    }
  });

  it("FC with a wrong data length throws StatsInputError", () => {
    expect(() => wasm.fcBatch({ data: new Float64Array(10), batch: 1, nNodes: 3, nTime: 4 })).toThrow(StatsInputError);
  });

  it("FCD equals the TypeScript FCD: same windows, values within 1e-4 (outliers, clipped edges, >512 pairs)", async () => {
    // 40 nodes: 780 pairs, more than one 512-float chunk of the Gram kernel; zero volumes make
    // outlier windows that are discarded.
    const zeros = [...Array.from({ length: 12 }, (_, k) => 20 + k), 150];
    const input = series(2, 2, 40, 211, zeros);
    const optionSets: FcdOptions[] = [
      { windowTRs: 10, stepTRs: 3 },
      { windowTRs: 10, stepTRs: 3, dropEdges: false, returnWindowFc: true },
      { windowTRs: 8, stepTRs: 5, excludeInterhemispheric: true, outlierThreshold: 0.2 },
      { windowTRs: 12, stepTRs: 2, excludeInterhemispheric: true, hemispheres: Array.from({ length: 40 }, (_, i) => i % 3) },
    ];
    for (const options of optionSets) {
      const w = await wasm.fcdBatch(input, options);
      const t = await typescriptStatsBackend.fcdBatch(input, options);
      expectFcdClose(w, t);
      if (options.returnWindowFc) {
        for (let b = 0; b < t.length; b++) {
          expect(maxAbsDiff(w[b]!.windowFcTrils!, t[b]!.windowFcTrils!)).toBeLessThanOrEqual(tolFc(options.windowTRs + 1));
        }
      }
    }
    // The outlier windows really were dropped (the test would be vacuous otherwise).
    const full = (await typescriptStatsBackend.fcdBatch(input, { windowTRs: 10, stepTRs: 3, outlierThreshold: 1 }))[0]!;
    const pruned = (await wasm.fcdBatch(input, { windowTRs: 10, stepTRs: 3 }))[0]!;
    expect(pruned.nWindows).toBeLessThan(full.nWindows);
  });

  it("FCD matches on random shapes (property)", async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.integer({ min: 3, max: 14 }),
        fc.integer({ min: 30, max: 90 }),
        fc.integer({ min: 1, max: 4 }),
        fc.integer({ min: 1, max: 5 }),
        fc.boolean(),
        fc.integer({ min: 0, max: 1000 }),
        async (nNodes, nTime, halfWindow, stepTRs, dropEdges, seed) => {
          const input = series(seed, 2, nNodes, nTime);
          const options: FcdOptions = { windowTRs: 2 * halfWindow + 2, stepTRs, dropEdges };
          const w = await wasm.fcdBatch(input, options);
          const t = await typescriptStatsBackend.fcdBatch(input, options);
          expectFcdClose(w, t);
          const fw = await wasm.fcBatch(input, { zeroVolumesAsOutliers: true });
          const ft = await typescriptStatsBackend.fcBatch(input, { zeroVolumesAsOutliers: true });
          expect(maxAbsDiff(fw, ft)).toBeLessThanOrEqual(tolFc(nTime));
        },
      ),
      { numRuns: 25, seed: 7 },
    );
  });

  it("propagates NaN for a constant node as the TypeScript code does", async () => {
    const input = series(3, 1, 6, 60);
    input.data.fill(5, 2 * 60, 3 * 60);
    const w = await wasm.fcBatch(input, {});
    const t = await typescriptStatsBackend.fcBatch(input, {});
    expect(maxAbsDiff(w, t)).toBeLessThanOrEqual(tolFc(60));
    expect(Array.from(t).some(Number.isNaN)).toBe(true);
  });
});

describe("wasm stats backend on HCP subject 100206 (REST1_LR, 100 nodes x 1200 volumes)", () => {
  const DIR = path.join(SHARED, "data", "hcp-schaefer100", "100206");
  const { windowTRs, stepTRs } = fcdWindowTRsFromSeconds(30, 5, 0.72);

  it("FC, FCD and the FCD KS statistic agree with the TypeScript backend", async () => {
    const rest1 = await loadArray(path.join(DIR, "bold_REST1_LR.npz"));
    const rest2 = await loadArray(path.join(DIR, "bold_REST2_LR.npz"));
    const [nNodes, nTime] = rest1.shape as [number, number];
    expect([nNodes, nTime]).toEqual([100, 1200]);
    const input = { data: rest1.data as Float64Array, batch: 1, nNodes, nTime };
    for (const excludeInterhemispheric of [false, true]) {
      const fcOptions = { excludeInterhemispheric, zeroVolumesAsOutliers: true };
      const fw = await wasm.fcBatch(input, fcOptions);
      const ft = await typescriptStatsBackend.fcBatch(input, fcOptions);
      expect(maxAbsDiff(fw, ft)).toBeLessThanOrEqual(tolFc(nTime));
    }
    const options = { windowTRs, stepTRs, excludeInterhemispheric: true };
    const w = (await wasm.fcdBatch(input, options))[0]!;
    const t = (await typescriptStatsBackend.fcdBatch(input, options))[0]!;
    expect(t.nWindows).toBe(166);
    expectFcdClose([w], [t]);
    // KS against the empirical FCD of the subject's other session, REST2_LR.
    const empirical = (await typescriptStatsBackend.fcdBatch({ ...input, data: rest2.data as Float64Array }, options))[0]!.fcdTril;
    const ksW = ks2samp(w.fcdTril, empirical);
    const ksT = ks2samp(t.fcdTril, empirical);
    const bound = ksShiftBound(t.fcdTril, TOL_FCD);
    expect(Math.abs(ksW.statistic - ksT.statistic)).toBeLessThanOrEqual(bound);
    expect(bound).toBeLessThan(0.01);
    expect(ksT.statistic).toBeGreaterThan(0.01);
  });

  it("boldSummaryBatch through setStatsBackend(wasm) matches the TypeScript backend", async () => {
    const rest1 = await loadArray(path.join(DIR, "bold_REST1_LR.npz"));
    const input = { data: Float32Array.from(rest1.data as Float64Array), batch: 1, nNodes: 100, nTime: 1200 };
    const summaryOptions = { tr: 0.72, excludeInterhemispheric: true };
    setStatsBackend(wasm);
    try {
      const [w] = await boldSummaryBatch(input, summaryOptions);
      setStatsBackend(typescriptStatsBackend);
      const [t] = await boldSummaryBatch(input, summaryOptions);
      expect(maxAbsDiff(w!.fcTril, t!.fcTril)).toBeLessThanOrEqual(tolFc(1200));
      expect(maxAbsDiff(w!.fcdTril, t!.fcdTril)).toBeLessThanOrEqual(TOL_FCD);
    } finally {
      setStatsBackend(typescriptStatsBackend);
    }
  });
});
