import { describe, expect, it } from "vitest";
import {
  evaluateGof,
  fcBatch,
  fcdBatch,
  fcTril,
  gofTermNames,
  ksStatistic,
  pearson,
  registerGofTerm,
  setStatsBackend,
  type StatsBackend,
} from "../../src/stats/index.ts";
import { boldSummaryBatch, getStatsBackend, typescriptStatsBackend } from "../../src/stats/backend.ts";
import { evaluateGofBatch, getGofTerm, gofSign } from "../../src/stats/gof.ts";
import { fcdWindowTRsFromSeconds } from "../../src/stats/fcd.ts";
import { meanAbsoluteError, rmse } from "../../src/stats/corr.ts";

const sim = {
  fcTril: [0.1, 0.5, 0.3, 0.9],
  fcdTril: [0.2, 0.4, 0.4, 0.7, 0.1],
  series: [1, 2, 3],
  psdPeaks: [10, 11, 9.5],
};
const emp = {
  fcTril: [0.2, 0.4, 0.2, 0.8],
  fcdTril: [0.3, 0.35, 0.5, 0.6],
  series: [1.5, 2, 2],
  psdPeaks: [10, 10.5, 10],
};

describe("GOF registry", () => {
  it("has cuBNM's signed built-in terms", () => {
    for (const name of ["+fc_corr", "-fc_diff", "-fcd_ks", "-rmse", "+psd_peak_corr", "-psd_mae"]) {
      expect(gofTermNames()).toContain(name);
    }
    expect(gofSign("+fc_corr")).toBe(1);
    expect(gofSign("-fcd_ks")).toBe(-1);
    expect(() => gofSign("fc_corr")).toThrow(/must start/);
  });

  it("terms compute the documented statistics, gof = sum(sign * value), cost = -gof", () => {
    const r = evaluateGof(["+fc_corr", "-fc_diff", "-fcd_ks", "-rmse", "+psd_peak_corr", "-psd_mae"], sim, emp);
    expect(r.values["+fc_corr"]).toBe(pearson(sim.fcTril, emp.fcTril));
    expect(r.values["-fc_diff"]).toBeCloseTo(Math.abs(0.45 - 0.4), 15);
    expect(r.values["-fcd_ks"]).toBe(ksStatistic(sim.fcdTril, emp.fcdTril));
    expect(r.values["-rmse"]).toBe(rmse(sim.series, emp.series));
    expect(r.values["+psd_peak_corr"]).toBe(pearson(sim.psdPeaks, emp.psdPeaks));
    expect(r.values["-psd_mae"]).toBe(meanAbsoluteError(sim.psdPeaks, emp.psdPeaks));
    const v = r.values;
    const gof = v["+fc_corr"]! - v["-fc_diff"]! - v["-fcd_ks"]! - v["-rmse"]! + v["+psd_peak_corr"]! - v["-psd_mae"]!;
    expect(r.gof).toBeCloseTo(gof, 14);
    expect(r.cost).toBe(-r.gof);
  });

  it("a perfect fit has the best cost", () => {
    const perfect = evaluateGof(["+fc_corr", "-fc_diff", "-fcd_ks"], emp, emp);
    const worse = evaluateGof(["+fc_corr", "-fc_diff", "-fcd_ks"], sim, emp);
    expect(perfect.cost).toBeCloseTo(-1, 14);
    expect(worse.cost).toBeGreaterThan(perfect.cost);
  });

  it("users can register their own terms; duplicates and unknown names fail clearly", () => {
    registerGofTerm({
      name: "-mean_series_diff",
      requires: ["series"],
      compute: (s, e) => Math.abs(s.series![0]! - e.series![0]!),
    });
    expect(evaluateGof(["-mean_series_diff"], sim, emp).cost).toBe(0.5);
    expect(() => registerGofTerm({ name: "-mean_series_diff", requires: [], compute: () => 0 })).toThrow(/already registered/);
    registerGofTerm({ name: "-mean_series_diff", requires: [], compute: () => 2 }, { replace: true });
    expect(getGofTerm("-mean_series_diff").compute(sim, emp)).toBe(2);
    expect(() => evaluateGof(["+nope"], sim, emp)).toThrow(/unknown GOF term/);
    expect(() => evaluateGof(["+fc_corr"], { series: [1] }, emp)).toThrow(/needs sim.fcTril/);
  });

  it("batch costs equal one-by-one costs", () => {
    const sims = [sim, { ...sim, fcdTril: [0.9, 0.8, 0.7] }];
    const costs = evaluateGofBatch(["+fc_corr", "-fcd_ks"], sims, emp);
    expect(costs[0]).toBe(evaluateGof(["+fc_corr", "-fcd_ks"], sims[0]!, emp).cost);
    expect(costs[1]).toBe(evaluateGof(["+fc_corr", "-fcd_ks"], sims[1]!, emp).cost);
  });
});

describe("swappable batch backend", () => {
  const nNodes = 6;
  const nTime = 120;
  const B = 2;
  const data = Float32Array.from({ length: B * nNodes * nTime }, (_, k) => Math.sin(0.05 * k * ((k % 7) + 1)) + Math.cos(0.013 * k));

  it("boldSummaryBatch goes through the current backend and equals the direct functions", async () => {
    let calls = 0;
    const counting: StatsBackend = {
      name: "counting",
      fcBatch: (input, o) => {
        calls++;
        return typescriptStatsBackend.fcBatch(input, o);
      },
      fcdBatch: async (input, o) => {
        calls++;
        return typescriptStatsBackend.fcdBatch(input, o);
      },
    };
    setStatsBackend(counting);
    try {
      expect(getStatsBackend().name).toBe("counting");
      const s = await boldSummaryBatch({ data, batch: B, nNodes, nTime }, {
        tr: 1,
        windowSeconds: 20,
        stepSeconds: 4,
        excludeInterhemispheric: true,
      });
      expect(calls).toBe(2);
      const w = fcdWindowTRsFromSeconds(20, 4, 1);
      const fcs = fcBatch(data, B, nNodes, nTime, { excludeInterhemispheric: true, zeroVolumesAsOutliers: true });
      const fcds = fcdBatch(data, B, nNodes, nTime, { ...w, excludeInterhemispheric: true });
      for (let b = 0; b < B; b++) {
        expect(Array.from(s[b]!.fcTril)).toEqual(Array.from(fcs.subarray(b * 6, (b + 1) * 6)));
        expect(Array.from(s[b]!.fcdTril)).toEqual(Array.from(fcds[b]!.fcdTril));
        const one = data.subarray(b * nNodes * nTime, (b + 1) * nNodes * nTime);
        expect(Array.from(s[b]!.fcTril)).toEqual(
          Array.from(fcTril(one, nNodes, nTime, { excludeInterhemispheric: true, zeroVolumesAsOutliers: true })),
        );
      }
    } finally {
      setStatsBackend(typescriptStatsBackend);
    }
  });
});
