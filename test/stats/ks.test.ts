import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import fc from "fast-check";
import { ks2samp, ksStatistic } from "../../src/stats/index.ts";
import { kolmogorovSf, ksStatisticBatch, smirnovSf } from "../../src/stats/ks.ts";
import { readGolden, relErr } from "./helpers.ts";

interface KsGolden {
  cases: { a: number[]; b: number[]; statistic: number; pvalue: number }[];
}
interface ScipyKs {
  kstwo: { n: number; x: number; sf: number }[];
  smirnov: { n: number; x: number; sf: number }[];
  ks_2samp: { n1: number; n2: number; bend: number; statistic: number; pvalue: number }[];
}
const scipyKs = JSON.parse(readFileSync(new URL("./fixtures/ks_scipy.json", import.meta.url), "utf8")) as ScipyKs;

function gen(n: number, mult: number, bend: number): Float64Array {
  const out = new Float64Array(n);
  for (let i = 0; i < n; i++) {
    const f = (i * mult) % 1;
    out[i] = f * (1 + bend * f);
  }
  return out;
}

/** |a - b| <= rel * |b| or both below `tiny` (p-values that underflow toward 0). */
function closeP(actual: number, expected: number, rel: number): boolean {
  if (expected === 0) return actual < 1e-300;
  return relErr(actual, expected) <= rel;
}

describe("ks2samp matches scipy.stats.ks_2samp (ks_2samp.json)", () => {
  const g = readGolden<KsGolden>("ks_2samp.json");
  for (const [i, c] of g.cases.entries()) {
    it(`case ${i}: n = ${c.a.length}, ${c.b.length} (exact p-value)`, () => {
      const r = ks2samp(c.a, c.b);
      expect(r.method).toBe("exact");
      expect(relErr(r.statistic, c.statistic)).toBeLessThanOrEqual(1e-12);
      expect(relErr(r.pvalue, c.pvalue)).toBeLessThanOrEqual(1e-9);
      expect(relErr(ksStatistic(c.a, c.b), c.statistic)).toBeLessThanOrEqual(1e-12);
    });
  }
});

describe("asymptotic and exact p-values against scipy (fixtures/ks_scipy.json)", () => {
  it("kstwo.sf over all branches to 1e-9 relative", () => {
    for (const c of scipyKs.kstwo) {
      const p = kolmogorovSf(c.n, c.x);
      if (!closeP(p, c.sf, 1e-9)) throw new Error(`kstwo.sf(${c.x}, ${c.n}) = ${p}, scipy ${c.sf}`);
    }
  });
  it("smirnov to 1e-9 relative", () => {
    for (const c of scipyKs.smirnov) {
      const p = smirnovSf(c.n, c.x);
      if (!closeP(p, c.sf, 1e-9)) throw new Error(`smirnov(${c.n}, ${c.x}) = ${p}, scipy ${c.sf}`);
    }
  });
  it("ks_2samp with large samples (asymptotic) and small ones (exact)", () => {
    for (const c of scipyKs.ks_2samp) {
      const r = ks2samp(gen(c.n1, 0.6180339887498949, 0), gen(c.n2, 0.7548776662466927, c.bend));
      expect(r.method).toBe(Math.max(c.n1, c.n2) > 10000 ? "asymp" : "exact");
      expect(relErr(r.statistic, c.statistic)).toBeLessThanOrEqual(1e-12);
      if (!closeP(r.pvalue, c.pvalue, 1e-9)) throw new Error(`n ${c.n1},${c.n2}: p ${r.pvalue}, scipy ${c.pvalue}`);
    }
  });
});

describe("KS properties", () => {
  const sample = fc.array(fc.double({ min: -1e3, max: 1e3, noNaN: true }), { minLength: 1, maxLength: 40 });
  it("statistic in [0, 1], p-value in [0, 1], symmetric in its arguments", () => {
    fc.assert(
      fc.property(sample, sample, (a, b) => {
        const r = ks2samp(a, b);
        const s = ks2samp(b, a);
        return r.statistic >= 0 && r.statistic <= 1 && r.pvalue >= 0 && r.pvalue <= 1 && Math.abs(r.statistic - s.statistic) < 1e-15;
      }),
    );
  });
  it("identical samples give statistic 0 and p-value 1", () => {
    fc.assert(
      fc.property(sample, (a) => {
        const r = ks2samp(a, [...a].reverse());
        return r.statistic === 0 && r.pvalue === 1;
      }),
    );
  });
  it("disjoint samples give statistic 1", () => {
    expect(ks2samp([1, 2, 3], [4, 5]).statistic).toBe(1);
  });
  it("batch statistic equals per-sample statistic", () => {
    const emp = gen(300, 0.6180339887498949, 0.2);
    const sims = [gen(250, 0.7548776662466927, 0), gen(200, 0.41, 0.5)];
    const batch = ksStatisticBatch(sims, emp);
    expect(batch[0]).toBe(ksStatistic(sims[0]!, emp));
    expect(batch[1]).toBe(ksStatistic(sims[1]!, emp));
  });
});
