import path from "node:path";
import { describe, expect, it } from "vitest";
import { fcd, fcTril, lowerTriangle, pearson } from "../../src/stats/index.ts";
import { fcdWindowTRsFromSeconds } from "../../src/stats/fcd.ts";
import { readGolden, relErr, SHARED } from "./helpers.ts";
import { readFileSync } from "node:fs";
import { parseNpz } from "../../src/io/npz.ts";
import { toFloat64 } from "../../src/io/ndarray.ts";

/** arr_0 of an .npz as float64 with its shape (src/io's reader). */
const readArr0 = (file: string) => toFloat64(parseNpz(new Uint8Array(readFileSync(file)), "arr_0"));

interface Summary {
  window_TRs: number;
  step_TRs: number;
  n_windows: number;
  fcd_tril_len: number;
  fcd_tril_mean: number;
  fcd_tril_std: number;
  fc_tril_len: number;
  fc_tril_mean: number;
  fc_tril_std: number;
}

function meanStd(x: Float64Array): [number, number] {
  let s = 0;
  for (const v of x) s += v;
  const m = s / x.length;
  let ss = 0;
  for (const v of x) ss += (v - m) * (v - m);
  return [m, Math.sqrt(ss / x.length)];
}

const DATA = path.join(SHARED, "data", "hcp-schaefer100");

describe("HCP subject 100206 REST1_LR (hcp_100206_summary.json)", () => {
  const bold = readArr0(path.join(DATA, "100206", "bold_REST1_LR.npz"));
  const [nNodes, nTime] = bold.shape as [number, number];
  const g = readGolden<Summary>("hcp_100206_summary.json");

  it("has the documented shape", () => {
    expect(nNodes).toBe(100);
    expect(nTime).toBe(1200);
    // numpy: arr_0[3, 5] (the file is stored in Fortran order; the reader returns nodes x time row-major)
    expect(bold.data[3 * nTime + 5]).toBe(8896.342792141822);
  });

  it("FCD with 30 s / 5 s windows at TR 0.72: window count, lengths, mean and sd", () => {
    const w = fcdWindowTRsFromSeconds(30, 5, 0.72);
    expect(w).toEqual({ windowTRs: g.window_TRs, stepTRs: g.step_TRs });
    const r = fcd(bold.data, nNodes, nTime, { ...w, dropEdges: true, excludeInterhemispheric: true });
    expect(r.nWindows).toBe(g.n_windows);
    expect(r.fcdTril.length).toBe(g.fcd_tril_len);
    const [m, sd] = meanStd(r.fcdTril);
    expect(relErr(m, g.fcd_tril_mean)).toBeLessThanOrEqual(1e-9);
    expect(relErr(sd, g.fcd_tril_std)).toBeLessThanOrEqual(1e-9);
  });

  it("FC lower triangle (intrahemispheric): length, mean and sd", () => {
    const f = fcTril(bold.data, nNodes, nTime, { excludeInterhemispheric: true, zeroVolumesAsOutliers: true });
    expect(f.length).toBe(g.fc_tril_len);
    const [m, sd] = meanStd(f);
    expect(relErr(m, g.fc_tril_mean)).toBeLessThanOrEqual(1e-9);
    expect(relErr(sd, g.fc_tril_std)).toBeLessThanOrEqual(1e-9);
  });

  it("subject FC correlates with the group-train706 FC", () => {
    const group = readArr0(path.join(DATA, "group-train706", "fc.npz"));
    expect(group.shape).toEqual([100, 100]);
    const subject = fcTril(bold.data, nNodes, nTime);
    const r = pearson(subject, lowerTriangle(group.data, 100));
    console.log(`corr(FC of 100206 REST1_LR, group-train706 FC) over all 4950 edges = ${r.toFixed(4)}`);
    expect(r).toBeGreaterThan(0.2);
  });
});
