import { describe, expect, it } from "vitest";
import { fcBatch, fcd, fcdBatch, fcMatrix, fcTril } from "../../src/stats/index.ts";
import { fcdWindows, fcdWindowTRsFromSeconds } from "../../src/stats/fcd.ts";
import { timeMajorToNodeMajor } from "../../src/stats/fc.ts";
import { expectRelClose, flat, maxRelErr, readGolden } from "./helpers.ts";

interface FcGolden {
  x: number[][];
  fc: number[][];
}
interface FcdCase {
  window_TRs: number;
  step_TRs: number;
  drop_edges: boolean;
  exc_interhemispheric: boolean;
  n_windows: number;
  fcd_tril: number[];
}
interface FcdGolden {
  bold: number[][];
  cases: FcdCase[];
  fc_tril: number[];
  fc_tril_exc_inter: number[];
}

describe("FC matches np.corrcoef (fc_pearson.json)", () => {
  const g = readGolden<FcGolden>("fc_pearson.json");
  const nNodes = g.x.length;
  const nTime = g.x[0]!.length;
  const x = flat(g.x);
  it("full matrix to 1e-9 relative", () => {
    expectRelClose(fcMatrix(x, nNodes, nTime), flat(g.fc), 1e-9);
  });
  it("Float32 input gives the corrcoef of the float32 values", () => {
    const fc32 = fcMatrix(new Float32Array(x), nNodes, nTime);
    expect(maxRelErr(fc32, flat(g.fc))).toBeLessThan(1e-4);
  });
  it("time x nodes data transposes to the same FC", () => {
    const tm = new Float64Array(nNodes * nTime);
    for (let i = 0; i < nNodes; i++) for (let t = 0; t < nTime; t++) tm[t * nNodes + i] = x[i * nTime + t]!;
    expectRelClose(fcMatrix(timeMajorToNodeMajor(tm, nTime, nNodes), nNodes, nTime), flat(g.fc), 1e-12);
  });
});

describe("FC and FCD match cuBNM's definitions (fcd_cubnm.json)", () => {
  const g = readGolden<FcdGolden>("fcd_cubnm.json");
  const nNodes = g.bold.length;
  const nTime = g.bold[0]!.length;
  const bold = flat(g.bold);
  it("FC lower triangle, all pairs and intrahemispheric only", () => {
    expectRelClose(fcTril(bold, nNodes, nTime), g.fc_tril, 1e-9);
    expectRelClose(fcTril(bold, nNodes, nTime, { excludeInterhemispheric: true }), g.fc_tril_exc_inter, 1e-9);
    expectRelClose(fcTril(bold, nNodes, nTime, { zeroVolumesAsOutliers: true }), g.fc_tril, 1e-9);
  });
  for (const c of g.cases) {
    it(`window ${c.window_TRs} step ${c.step_TRs} dropEdges ${c.drop_edges} excInter ${c.exc_interhemispheric}`, () => {
      const r = fcd(bold, nNodes, nTime, {
        windowTRs: c.window_TRs,
        stepTRs: c.step_TRs,
        dropEdges: c.drop_edges,
        excludeInterhemispheric: c.exc_interhemispheric,
      });
      expect(r.nWindows).toBe(c.n_windows);
      expect(r.fcdTril.length).toBe(c.fcd_tril.length);
      expectRelClose(r.fcdTril, c.fcd_tril, 1e-9);
    });
  }
  it("batch functions equal the per-simulation ones", () => {
    const B = 3;
    const data = new Float64Array(B * nNodes * nTime);
    for (let b = 0; b < B; b++) {
      for (let k = 0; k < nNodes * nTime; k++) data[b * nNodes * nTime + k] = bold[k]! * (b + 1) + b + Math.sin(k * (b + 1));
    }
    const opts = { windowTRs: 10, stepTRs: 3, excludeInterhemispheric: true };
    const fcs = fcBatch(data, B, nNodes, nTime, opts);
    const fcds = fcdBatch(data, B, nNodes, nTime, opts);
    for (let b = 0; b < B; b++) {
      const one = data.subarray(b * nNodes * nTime, (b + 1) * nNodes * nTime);
      const fc1 = fcTril(one, nNodes, nTime, opts);
      expect(Array.from(fcs.subarray(b * fc1.length, (b + 1) * fc1.length))).toEqual(Array.from(fc1));
      expect(Array.from(fcds[b]!.fcdTril)).toEqual(Array.from(fcd(one, nNodes, nTime, opts).fcdTril));
    }
  });
});

describe("FCD windows", () => {
  it("converts seconds to TRs as cuBNM does", () => {
    expect(fcdWindowTRsFromSeconds(30, 5, 0.72)).toEqual({ windowTRs: 42, stepTRs: 7 });
    const w = fcdWindows(1200, { windowTRs: 42, stepTRs: 7 });
    expect(w.starts.length).toBe(166);
    expect(w.starts[0]).toBe(0);
    expect(w.ends[0]).toBe(42);
    expect(w.ends[165]! - w.starts[165]!).toBe(42);
  });
  it("clips edge windows without dropEdges", () => {
    const w = fcdWindows(20, { windowTRs: 4, stepTRs: 5, dropEdges: false });
    expect(Array.from(w.starts)).toEqual([0, 3, 8, 13]);
    expect(Array.from(w.ends)).toEqual([2, 7, 12, 17]);
  });
  it("discards windows with more than half zero volumes", () => {
    const nNodes = 4;
    const nTime = 60;
    const data = new Float64Array(nNodes * nTime);
    for (let i = 0; i < nNodes; i++) {
      for (let t = 0; t < nTime; t++) data[i * nTime + t] = Math.sin(0.3 * t * (i + 1)) + 0.1 * Math.cos(7 * t + i);
    }
    // zero out volumes 0..15: the first window [0, 10] is all outliers, [5, 15] too, [10, 20] has 6/11 > 0.5
    for (let i = 0; i < nNodes; i++) for (let t = 0; t < 16; t++) data[i * nTime + t] = 0;
    const r = fcd(data, nNodes, nTime, { windowTRs: 10, stepTRs: 5 });
    const all = fcdWindows(nTime, { windowTRs: 10, stepTRs: 5 });
    expect(all.starts.length).toBe(10);
    expect(r.nWindows).toBe(7);
    expect(r.windowStarts[0]).toBe(15);
  });
});
