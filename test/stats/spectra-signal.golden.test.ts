import { describe, expect, it } from "vitest";
import { pearson, spearman, welch, zscore } from "../../src/stats/index.ts";
import { convolveSame, hammingWindow, smoothHamming, smoothHammingSamples, zscoreRows } from "../../src/stats/signal.ts";
import { rfft } from "../../src/stats/fft.ts";
import { welchRows } from "../../src/stats/welch.ts";
import { expectRelClose, flat, maxRelErr, readGolden, relErr } from "./helpers.ts";

interface WelchGolden {
  cases: { x: number[]; fs: number; nperseg: number; nfft: number | null; f: number[]; psd: number[] }[];
}

describe("welch matches scipy.signal.welch (welch.json)", () => {
  const g = readGolden<WelchGolden>("welch.json");
  for (const c of g.cases) {
    it(`n ${c.x.length}, fs ${c.fs}, nperseg ${c.nperseg}, nfft ${c.nfft}`, () => {
      const r = welch(c.x, { fs: c.fs, nperseg: c.nperseg, ...(c.nfft === null ? {} : { nfft: c.nfft }) });
      expectRelClose(r.f, c.f, 1e-12);
      const err = maxRelErr(r.psd, c.psd);
      console.log(`welch n=${c.x.length} nfft=${c.nfft}: max relative PSD error ${err.toExponential(2)}`);
      expect(err).toBeLessThanOrEqual(1e-9);
    });
  }
  it("welchRows equals welch per row", () => {
    const c = g.cases[0]!;
    const data = new Float64Array(2 * c.x.length);
    data.set(c.x, 0);
    data.set(c.x.map((v) => 2 * v + 1), c.x.length);
    const rows = welchRows(data, 2, c.x.length, { fs: c.fs, nperseg: c.nperseg });
    const one = welch(c.x, { fs: c.fs, nperseg: c.nperseg });
    expect(Array.from(rows.psd.subarray(0, one.psd.length))).toEqual(Array.from(one.psd));
    expectRelClose(rows.psd.subarray(one.psd.length), Array.from(one.psd, (p) => 4 * p), 1e-12);
  });
});

describe("FFT of any length", () => {
  for (const n of [1, 2, 8, 12, 100, 127, 1000]) {
    it(`length ${n} equals the direct DFT`, () => {
      const x = Array.from({ length: n }, (_, i) => Math.sin(0.37 * i * i) + 0.1 * i);
      const { re, im } = rfft(x);
      for (let k = 0; k <= n >> 1; k++) {
        let sr = 0;
        let si = 0;
        for (let t = 0; t < n; t++) {
          const a = (-2 * Math.PI * ((k * t) % n)) / n;
          sr += x[t]! * Math.cos(a);
          si += x[t]! * Math.sin(a);
        }
        expect(Math.abs(re[k]! - sr)).toBeLessThan(1e-10 * n);
        expect(Math.abs(im[k]! - si)).toBeLessThan(1e-10 * n);
      }
    });
  }
});

describe("signals", () => {
  it("zscore matches scipy.stats.zscore(axis=1) (zscore.json)", () => {
    const g = readGolden<{ v: number[][]; z: number[][] }>("zscore.json");
    const rows = g.v.length;
    const cols = g.v[0]!.length;
    expectRelClose(zscoreRows(flat(g.v), rows, cols), flat(g.z), 1e-9);
    expectRelClose(zscore(g.v[1]!), g.z[1]!, 1e-9);
  });
  it("Hamming smoothing matches hnn-core / np.convolve 'same' (hamming_smooth.json)", () => {
    const g = readGolden<{ x: number[]; window: number; y: number[] }>("hamming_smooth.json");
    expectRelClose(smoothHammingSamples(g.x, g.window), g.y, 1e-9);
    // 21 samples = round(1e-3 * 21 ms * 1000 Hz)
    expectRelClose(smoothHamming(g.x, 21, 1000), g.y, 1e-9);
  });
  it("Hamming smoothing errors on too short and too long windows", () => {
    expect(() => smoothHamming([1, 2, 3], 0.1, 1000)).toThrow(/at least/);
    expect(() => smoothHamming([1, 2, 3], 10, 1000)).toThrow(/too long/);
  });
  it("numpy.hamming and np.convolve 'same' offsets for even and odd kernels", () => {
    expect(Array.from(hammingWindow(1))).toEqual([1]);
    expectRelClose(hammingWindow(4), [0.08, 0.77, 0.77, 0.08], 1e-12);
    // np.convolve([1,2,3,4,5], [1,1,1,1], 'same') = [3, 6, 10, 14, 12]; odd [1,1,1] -> [3, 6, 9, 12, 9]
    expect(Array.from(convolveSame([1, 2, 3, 4, 5], [1, 1, 1, 1]))).toEqual([3, 6, 10, 14, 12]);
    expect(Array.from(convolveSame([1, 2, 3, 4, 5], [1, 1, 1]))).toEqual([3, 6, 9, 12, 9]);
    expect(Array.from(convolveSame([1, 2, 3], [0, 1, 0.5]))).toEqual([1, 2.5, 4]);
  });
  it("Pearson and Spearman match scipy (corr.json)", () => {
    const g = readGolden<{ a: number[]; b: number[]; pearson: number; spearman: number }>("corr.json");
    expect(relErr(pearson(g.a, g.b), g.pearson)).toBeLessThanOrEqual(1e-9);
    expect(relErr(spearman(g.a, g.b), g.spearman)).toBeLessThanOrEqual(1e-9);
  });
});
