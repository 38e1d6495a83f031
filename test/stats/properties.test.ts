import { describe, expect, it } from "vitest";
import fc from "fast-check";
import { fcd, fcMatrix, peakFrequency, welch } from "../../src/stats/index.ts";
import { hannPeriodic } from "../../src/stats/welch.ts";
import { mulberry32 } from "./synthetic.ts";

const rng = mulberry32; // small deterministic PRNG for reproducible synthetic series
function gaussian(u: () => number): () => number {
  return () => Math.sqrt(-2 * Math.log(1 - u())) * Math.cos(2 * Math.PI * u());
}

const seriesArb = fc
  .record({ nNodes: fc.integer({ min: 2, max: 6 }), nTime: fc.integer({ min: 4, max: 30 }) })
  .chain(({ nNodes, nTime }) =>
    fc.record({
      nNodes: fc.constant(nNodes),
      nTime: fc.constant(nTime),
      values: fc.array(fc.integer({ min: -100, max: 100 }), { minLength: nNodes * nTime, maxLength: nNodes * nTime }),
    })
  )
  .filter(({ nNodes, nTime, values }) => {
    for (let i = 0; i < nNodes; i++) {
      const row = values.slice(i * nTime, (i + 1) * nTime);
      if (row.every((v) => v === row[0])) return false; // a constant node has no correlation
    }
    return true;
  });

describe("FC properties", () => {
  it("symmetric, unit diagonal, entries in [-1, 1]", () => {
    fc.assert(
      fc.property(seriesArb, ({ nNodes, nTime, values }) => {
        const m = fcMatrix(Float64Array.from(values), nNodes, nTime);
        for (let i = 0; i < nNodes; i++) {
          if (m[i * nNodes + i] !== 1) return false;
          for (let j = 0; j < nNodes; j++) {
            const v = m[i * nNodes + j]!;
            if (!(v >= -1 && v <= 1) || v !== m[j * nNodes + i]) return false;
          }
        }
        return true;
      }),
    );
  });
  it("invariant to per-node affine transforms with positive scale", () => {
    fc.assert(
      fc.property(
        seriesArb,
        fc.array(fc.double({ min: 0.01, max: 100, noNaN: true }), { minLength: 6, maxLength: 6 }),
        fc.array(fc.double({ min: -1e3, max: 1e3, noNaN: true }), { minLength: 6, maxLength: 6 }),
        ({ nNodes, nTime, values }, scales, offsets) => {
          const x = Float64Array.from(values);
          const y = x.map((v, k) => scales[Math.floor(k / nTime)]! * v + offsets[Math.floor(k / nTime)]!);
          const a = fcMatrix(x, nNodes, nTime);
          const b = fcMatrix(y, nNodes, nTime);
          return a.every((v, k) => Math.abs(v - b[k]!) < 1e-9);
        },
      ),
    );
  });
  it("a negative scale flips the sign of that node's correlations", () => {
    const x = Float64Array.from([1, 3, 2, 5, 4, 2, 2, 7, 1, 0]);
    const y = Float64Array.from(x.map((v, k) => (k < 5 ? -v : v)));
    expect(fcMatrix(y, 2, 5)[1]).toBeCloseTo(-fcMatrix(x, 2, 5)[1]!, 14);
  });
});

describe("FCD properties", () => {
  it("a stationary signal gives FCD concentrated near 1", () => {
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 2 ** 31 - 1 }), (seed) => {
        const g = gaussian(rng(seed));
        const nNodes = 12;
        const nTime = 400;
        // Fixed loadings on two latent factors plus weak private noise: the same FC in every window.
        const load = Array.from({ length: nNodes }, () => [g(), g()] as const);
        const x = new Float64Array(nNodes * nTime);
        for (let t = 0; t < nTime; t++) {
          const f1 = g();
          const f2 = g();
          for (let i = 0; i < nNodes; i++) x[i * nTime + t] = load[i]![0] * f1 + load[i]![1] * f2 + 0.2 * g();
        }
        const r = fcd(x, nNodes, nTime, { windowTRs: 40, stepTRs: 10 });
        const sorted = Float64Array.from(r.fcdTril).sort();
        return sorted[Math.floor(0.1 * sorted.length)]! > 0.8;
      }),
      { numRuns: 20 },
    );
  });
  it("a signal whose connectivity switches halfway gives a bimodal FCD with low values", () => {
    const g = gaussian(rng(5));
    const nNodes = 12;
    const nTime = 400;
    const loadA = Array.from({ length: nNodes }, () => g());
    const loadB = Array.from({ length: nNodes }, () => g());
    const x = new Float64Array(nNodes * nTime);
    for (let t = 0; t < nTime; t++) {
      const f = g();
      for (let i = 0; i < nNodes; i++) x[i * nTime + t] = (t < nTime / 2 ? loadA[i]! : loadB[i]!) * f + 0.2 * g();
    }
    const r = fcd(x, nNodes, nTime, { windowTRs: 40, stepTRs: 10 });
    const low = r.fcdTril.filter((v) => v < 0.5).length;
    expect(low / r.fcdTril.length).toBeGreaterThan(0.3);
  });
});

describe("Welch properties", () => {
  it("a pure sine peaks at its frequency", () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 3, max: 120 }),
        fc.double({ min: 0.1, max: 100, noNaN: true }),
        fc.double({ min: 0, max: 2 * Math.PI, noNaN: true }),
        (bin, amp, phase) => {
          const fs = 250;
          const nfft = 256;
          const f0 = (bin * fs) / nfft;
          const x = Float64Array.from({ length: 2000 }, (_, t) => amp * Math.sin((2 * Math.PI * f0 * t) / fs + phase));
          const r = welch(x, { fs, nperseg: 256 });
          return peakFrequency(r.f, r.psd)[0] === f0;
        },
      ),
      { numRuns: 50 },
    );
  });
  it("Parseval: the integral of the density equals the window-weighted segment power exactly, and ≈ the variance", () => {
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 2 ** 31 - 1 }), fc.integer({ min: 64, max: 300 }), (seed, nperseg) => {
        const g = gaussian(rng(seed));
        const fs = 100;
        const n = 4000;
        const f0 = 5 + (seed % 20);
        const x = Float64Array.from({ length: n }, (_, t) => 2 * Math.sin((2 * Math.PI * f0 * t) / fs) + g());
        const r = welch(x, { fs, nperseg });
        const df = r.f[1]! - r.f[0]!;
        let integral = 0;
        for (const p of r.psd) integral += p * df;
        // Exact identity: mean over segments of sum((w (x - mean))^2) / (fs sum w^2) * fs.
        const w = hannPeriodic(nperseg);
        const step = nperseg - Math.floor(nperseg / 2);
        const nSeg = Math.floor((n - Math.floor(nperseg / 2)) / step);
        let sw2 = 0;
        for (const v of w) sw2 += v * v;
        let power = 0;
        for (let s = 0; s < nSeg; s++) {
          let m = 0;
          for (let i = 0; i < nperseg; i++) m += x[s * step + i]!;
          m /= nperseg;
          for (let i = 0; i < nperseg; i++) power += (w[i]! * (x[s * step + i]! - m)) ** 2;
        }
        power /= nSeg * sw2;
        let mean = 0;
        for (const v of x) mean += v;
        mean /= n;
        let variance = 0;
        for (const v of x) variance += (v - mean) ** 2;
        variance /= n;
        return Math.abs(integral - power) < 1e-10 * power && Math.abs(integral - variance) < 0.1 * variance;
      }),
      { numRuns: 25 },
    );
  });
});
