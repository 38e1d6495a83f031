// Vector–Jacobian products of the differentiable observations (grad/losses.ts) against central
// finite differences, and their values against src/stats.
import { describe, expect, it } from "vitest";
import { fcPairs, fcTril } from "../../src/stats/fc.ts";
import { pearson, rmse } from "../../src/stats/corr.ts";
import { softPeakFrequency, welchRows } from "../../src/stats/welch.ts";
import { fcTrilWithVjp, maeWithGrad, meanDiffWithGrad, pearsonWithGrad, rmseWithGrad, softPeaksWithVjp } from "../../src/grad/losses.ts";

function rng(seed: number) {
  let s = seed >>> 0;
  return () => ((s = (Math.imul(s, 1664525) + 1013904223) >>> 0) / 2 ** 32);
}

/** Central differences of a scalar function of x along every coordinate. */
function fdGrad(f: (x: Float64Array) => number, x: Float64Array, h = 1e-6): Float64Array {
  return Float64Array.from(x, (v, k) => {
    const up = x.slice(), dn = x.slice();
    up[k] = v + h;
    dn[k] = v - h;
    return (f(up) - f(dn)) / (2 * h);
  });
}

function expectClose(a: Float64Array, b: Float64Array, rel: number) {
  let scale = 0;
  for (const v of b) scale = Math.max(scale, Math.abs(v));
  for (let k = 0; k < a.length; k++) expect(Math.abs(a[k]! - b[k]!), `entry ${k}: ${a[k]} vs ${b[k]}`).toBeLessThanOrEqual(rel * scale);
}

describe("VJPs of differentiable observations", () => {
  const r = rng(3);
  const n = 5, T = 64;
  const x = Float64Array.from({ length: n * T }, (_, k) => Math.sin(0.3 * k * (1 + (k % 5))) + 0.5 * r());
  const pairs = fcPairs(n);
  const emp = Float64Array.from({ length: pairs.length }, () => r() - 0.5);

  it("fc_corr: FC lower triangle and Pearson with an empirical FC", () => {
    const f = (y: Float64Array) => pearson(fcTrilWithVjp(y, n, T, pairs).tril, emp);
    const { tril, vjp } = fcTrilWithVjp(x, n, T, pairs);
    const ref = fcTril(x, n, T);
    tril.forEach((v, k) => expect(v).toBeCloseTo(ref[k]!, 14));
    const pr = pearsonWithGrad(tril, emp);
    expect(pr.value).toBeCloseTo(pearson(tril, emp), 14);
    expectClose(vjp(pr.grad), fdGrad(f, x), 1e-6);
  });

  it("FC RMSE, fc_diff, rmse and mae", () => {
    const { tril } = fcTrilWithVjp(x, n, T, pairs);
    const fr = rmseWithGrad(tril, emp);
    expect(fr.value).toBeCloseTo(rmse(tril, emp), 14);
    expectClose(fr.grad, fdGrad((y) => rmse(y, emp), tril), 1e-6);
    expectClose(meanDiffWithGrad(tril, emp).grad, fdGrad((y) => meanDiffWithGrad(y, emp).value, tril), 1e-6);
    expectClose(maeWithGrad(tril, emp).grad, fdGrad((y) => maeWithGrad(y, emp).value, tril, 1e-9), 1e-5);
  });

  it("Welch PSD soft-argmax peak frequencies (tvboptim's) and their correlation with a target gradient", () => {
    const fs = 200, nperseg = 32;
    const target = Float64Array.from({ length: n }, (_, i) => 10 + 5 * i);
    const opts = { fs, nperseg, fmin: 2, fmax: 80, beta: 8 };
    const peaks = softPeaksWithVjp(x, n, T, opts);
    const { f, psd } = welchRows(x, n, T, { fs, nperseg });
    expect(Array.from(peaks.peaks)).toEqual(Array.from(softPeakFrequency(f, psd, 8, { fmin: 2, fmax: 80 })));
    const loss = (y: Float64Array) => pearson(softPeaksWithVjp(y, n, T, opts).peaks, target);
    const g = pearsonWithGrad(peaks.peaks, target).grad;
    expectClose(peaks.vjp(g), fdGrad(loss, x), 1e-5);
    const mae = (y: Float64Array) => maeWithGrad(softPeaksWithVjp(y, n, T, opts).peaks, target).value;
    expectClose(peaks.vjp(maeWithGrad(peaks.peaks, target).grad), fdGrad(mae, x), 1e-5);
  });
});
