import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { fcd, fcTril, ks2samp, peakFrequency, spearman, StatsInputError, zscore } from "../../src/stats/index.ts";
import { roundHalfEven } from "../../src/stats/errors.ts";
import { softPeakFrequency } from "../../src/stats/welch.ts";
import { fcPairs } from "../../src/stats/fc.ts";
import { expectRelClose, flat, readGolden } from "./helpers.ts";

interface OutlierFixture {
  zero_volumes: number[];
  fc_tril: number[];
  fc_tril_exc_inter: number[];
  cases: {
    window_TRs: number;
    step_TRs: number;
    drop_edges: boolean;
    exc_interhemispheric: boolean;
    n_windows: number;
    window_starts: number[];
    fcd_tril: number[];
  }[];
}

describe("cuBNM's motion-outlier handling (fixtures/fcd_outliers_cubnm.json)", () => {
  const fx = JSON.parse(readFileSync(new URL("./fixtures/fcd_outliers_cubnm.json", import.meta.url), "utf8")) as OutlierFixture;
  const g = readGolden<{ bold: number[][] }>("fcd_cubnm.json");
  const nNodes = g.bold.length;
  const nTime = g.bold[0]!.length;
  const bold = flat(g.bold);
  for (const t of fx.zero_volumes) for (let i = 0; i < nNodes; i++) bold[i * nTime + t] = 0;

  it("FC z-scores only the non-outlier volumes", () => {
    expectRelClose(fcTril(bold, nNodes, nTime, { zeroVolumesAsOutliers: true }), fx.fc_tril, 1e-9);
    expectRelClose(fcTril(bold, nNodes, nTime, { zeroVolumesAsOutliers: true, excludeInterhemispheric: true }), fx.fc_tril_exc_inter, 1e-9);
  });
  for (const c of fx.cases) {
    it(`FCD discards outlier windows: window ${c.window_TRs}, step ${c.step_TRs}, dropEdges ${c.drop_edges}`, () => {
      const r = fcd(bold, nNodes, nTime, {
        windowTRs: c.window_TRs,
        stepTRs: c.step_TRs,
        dropEdges: c.drop_edges,
        excludeInterhemispheric: c.exc_interhemispheric,
      });
      expect(r.nWindows).toBe(c.n_windows);
      expect(Array.from(r.windowStarts)).toEqual(c.window_starts);
      expectRelClose(r.fcdTril, c.fcd_tril, 1e-9);
    });
  }
});

describe("details", () => {
  it("explicit hemisphere labels select the same pairs as the first-half rule", () => {
    const labels = [0, 0, 0, 1, 1, 1];
    const a = fcPairs(6, { excludeInterhemispheric: true });
    const b = fcPairs(6, { excludeInterhemispheric: true, hemispheres: labels });
    expect(Array.from(a.rows)).toEqual(Array.from(b.rows));
    expect(a.length).toBe(6);
    // interleaved labels
    const c = fcPairs(4, { excludeInterhemispheric: true, hemispheres: [0, 1, 0, 1] });
    expect(Array.from(c.rows)).toEqual([2, 3]);
    expect(Array.from(c.cols)).toEqual([0, 1]);
    expect(() => fcPairs(4, { excludeInterhemispheric: true, hemispheres: [0, 1] })).toThrow(StatsInputError);
  });
  it("Float32 series give FCD close to the float64 one", () => {
    const g = readGolden<{ bold: number[][] }>("fcd_cubnm.json");
    const x = flat(g.bold);
    const a = fcd(x, 10, 200, { windowTRs: 10, stepTRs: 3 }).fcdTril;
    const b = fcd(new Float32Array(x), 10, 200, { windowTRs: 10, stepTRs: 3 }).fcdTril;
    let worst = 0;
    for (let k = 0; k < a.length; k++) worst = Math.max(worst, Math.abs(a[k]! - b[k]!));
    expect(worst).toBeLessThan(1e-4);
  });
  it("Spearman averages tied ranks (scipy.stats.spearmanr)", () => {
    expect(spearman([1, 2, 2, 3, 4, 4, 4, 5], [2, 1, 3, 3, 5, 4, 6, 6])).toBeCloseTo(0.9007775105401477, 14);
  });
  it("soft-argmax approaches argmax for large beta and the mean frequency for small beta", () => {
    const f = Float64Array.from([0, 1, 2, 3, 4]);
    const psd = Float64Array.from([1, 2, 10, 3, 1, /* row 2 */ 5, 1, 1, 1, 1]);
    expect(Array.from(peakFrequency(f, psd))).toEqual([2, 0]);
    const hard = softPeakFrequency(f, psd, 1000);
    expect(hard[0]).toBeCloseTo(2, 10);
    expect(hard[1]).toBeCloseTo(0, 10);
    expect(softPeakFrequency(f, psd, 1e-9)[0]).toBeCloseTo(2, 6); // uniform weights -> mean of f = 2
    // weights = softmax(beta * psd / max): check one value by hand
    const beta = 3;
    const w = [1, 2, 10, 3, 1].map((p) => Math.exp((beta * p) / 10));
    const expected = w.reduce((s, v, k) => s + v * k, 0) / w.reduce((s, v) => s + v, 0);
    expect(softPeakFrequency(f, psd, beta)[0]).toBeCloseTo(expected, 14);
    expect(peakFrequency(f, psd, { fmin: 3 })[0]).toBe(3);
  });
  it("zscore of a constant vector is NaN (as scipy); rounding is half to even", () => {
    expect(Number.isNaN(zscore([2, 2, 2])[0])).toBe(true);
    expect([0.5, 1.5, 2.5, -0.5, -1.5, 2.4, 2.6].map(roundHalfEven)).toEqual([0, 2, 2, -0, -2, 2, 3]);
  });
  it("KS rejects empty samples", () => {
    expect(() => ks2samp([], [1])).toThrow(/empty/);
  });
  it("KS with NaN in a sample gives NaN (scipy's nan_policy 'propagate') instead of looping", () => {
    const r = ks2samp([1, NaN, 3], [2, 4]);
    expect(Number.isNaN(r.statistic) && Number.isNaN(r.pvalue)).toBe(true);
    expect(Number.isNaN(ks2samp([1, 3], [2, NaN], { method: "exact" }).pvalue)).toBe(true);
  });
});
