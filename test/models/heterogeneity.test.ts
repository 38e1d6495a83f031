import { describe, expect, it } from "vitest";
import { readFileSync } from "node:fs";
import path from "node:path";
import fc from "fast-check";
import {
  autoCoefRange,
  expandGroups,
  mapHeterogeneity,
  nodeGroups,
  normaliseMap,
  parseNodeValues,
  symmetricGroups,
} from "../../src/models/heterogeneity.ts";
import { rww } from "../../src/models/rww.ts";
import { simulate } from "../../src/sim/simulate.ts";
import { SHARED } from "./helpers.ts";

const maps = path.join(SHARED, "data/hcp-schaefer100/maps");

describe("node grouping", () => {
  it("Yeo-7 labels → one value per network, expanded per node and lane", () => {
    const labels = parseNodeValues(readFileSync(path.join(maps, "yeo7.txt"), "utf8"));
    expect(labels.length).toBe(100);
    const g = nodeGroups(labels);
    expect(g.labels).toEqual([0, 1, 2, 3, 4, 5, 6]);
    const values = Float64Array.from({ length: 2 * 7 }, (_, k) => 1 + k); // lane 0: 1..7, lane 1: 8..14
    const out = expandGroups(g, values, 2);
    for (let i = 0; i < 100; i++) {
      expect(out[i]).toBe(1 + labels[i]!);
      expect(out[100 + i]).toBe(8 + labels[i]!);
    }
    expect(() => expandGroups(g, [1, 2, 3], 1)).toThrow(/7/);
    expect(() => nodeGroups([0, 1.5])).toThrow(/integer/);
  });

  it("symmetric grouping pairs node i with node i + n/2", () => {
    const g = symmetricGroups(6);
    expect(Array.from(expandGroups(g, [10, 20, 30]))).toEqual([10, 20, 30, 10, 20, 30]);
    expect(() => symmetricGroups(5)).toThrow(/even/);
  });
});

describe("map-based heterogeneity", () => {
  it("value_i = base (1 + Σ w_k map_k,i), per lane", () => {
    const m1 = [1, -1, 0, 2], m2 = [0, 1, 1, 0];
    const r = mapHeterogeneity({ base: [2, 1], maps: [m1, m2], coefs: [0.1, 0.2, -0.2, 0] });
    expect(r.lanes).toBe(2);
    const want = [2 * 1.1, 2 * (1 - 0.1 + 0.2), 2 * 1.2, 2 * 1.2, 0.8, 1.2, 1, 0.6];
    want.forEach((w, i) => expect(r.values[i]).toBeCloseTo(w, 14));
    expect(r.adjusted).toEqual([false, false]);
  });

  it("values below the floor are shifted as cuBNM does, clipped, or rejected — and always flagged", () => {
    const map = [2, -2, 0];
    const opts = { base: 1, maps: [map], coefs: [0.75] }; // 1 + 0.75·(−2) = −0.5
    const shift = mapHeterogeneity(opts);
    expect(shift.adjusted).toEqual([true]);
    expect(Math.min(...shift.values)).toBeCloseTo(0.001, 14);
    expect(shift.values[0]! - shift.values[1]!).toBeCloseTo(3, 12); // differences kept
    const clip = mapHeterogeneity({ ...opts, negative: "clip" });
    expect(Array.from(clip.values)).toEqual([2.5, 0.001, 1]);
    expect(() => mapHeterogeneity({ ...opts, negative: "error" })).toThrow(/-0.5/);
  });

  it("property: within autoCoefRange a z-scored map keeps every value positive", () => {
    const nmda = parseNodeValues(readFileSync(path.join(maps, "nmda_zscore.txt"), "utf8"));
    const [lo, hi] = autoCoefRange(nmda);
    expect(lo).toBeLessThan(0);
    expect(hi).toBeGreaterThan(0);
    fc.assert(
      fc.property(fc.double({ min: lo, max: hi, noNaN: true }), fc.double({ min: 0.01, max: 5, noNaN: true }), (w, base) => {
        const r = mapHeterogeneity({ base, maps: [nmda], coefs: [w], floor: 0 });
        return !r.adjusted[0] && r.values.every((v) => v > 0);
      }),
      { numRuns: 200 },
    );
    expect(autoCoefRange([0, 0.5, 1])).toEqual([0, 1]);
  });

  it("normalisation: z-score has mean 0 and SD 1; min–max spans [0, 1]", () => {
    const x = [3, 7, 1, 9, 5];
    const z = normaliseMap(x, "zscore");
    expect(z.reduce((a, b) => a + b, 0)).toBeCloseTo(0, 12);
    expect(Math.sqrt(z.reduce((a, b) => a + b * b, 0) / z.length)).toBeCloseTo(1, 12);
    expect(Array.from(normaliseMap(x, "minmax"))).toEqual([0.25, 0.75, 0, 1, 0.5]);
    expect(() => normaliseMap([1, 1], "zscore")).toThrow(/constant/);
  });

  it("per-node values run in simulate as lanes × nodes regional parameters", async () => {
    const n = 4;
    const W = Float64Array.from({ length: n * n }, (_, k) => (Math.floor(k / n) === k % n ? 0 : 0.01));
    const het = mapHeterogeneity({ base: [1.4, 1.4], maps: [[-1, 0, 1, 2]], coefs: [0, 0.2] });
    const r = await simulate({
      model: rww,
      network: { weights: W },
      lanes: 2,
      duration: 0.5,
      params: { w_p: het.values, sigma: 0 },
      averages: ["r_E"],
      backend: "reference",
    });
    const a = r.averages.r_E!;
    // Lane 0 is homogeneous → equal rates; lane 1's rate grows with w_p.
    expect(a[1]).toBeCloseTo(a[0]!, 10);
    expect(a[4 + 3]!).toBeGreaterThan(a[4 + 2]!);
    expect(a[4 + 2]!).toBeGreaterThan(a[4 + 1]!);
  });
});
