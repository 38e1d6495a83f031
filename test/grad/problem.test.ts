// valueAndGrad on fit problems: gradients in the problem's dimensions (global, grouped and
// map-based free parameters) against central differences of its own cost; non-differentiable
// terms say so; Adam and L-BFGS-B take adjoint gradients in fits.
import { describe, expect, it } from "vitest";
import { defineProblem, type FitProblemSpec } from "../../src/fit/problem.ts";
import { optimize } from "../../src/fit/run.ts";
import { createOptimizer } from "../../src/optim/registry.ts";
import { valueAndGrad, valueAndGradRequests } from "../../src/fit/gradients.ts";
import { NotDifferentiableError } from "../../src/grad/losses.ts";
import { optimizersFor } from "../../src/fit/config.ts";
import { evaluateBatch } from "../../src/fit/evaluate.ts";

function rng(seed: number) {
  let s = seed >>> 0;
  return () => ((s = (Math.imul(s, 1664525) + 1013904223) >>> 0) / 2 ** 32);
}

const n = 4;
const r = rng(9);
const weights = Array.from({ length: n * n }, (_, k) => (Math.floor(k / n) === k % n ? 0 : 0.3 + r()));
const lengths = Array.from({ length: n * n }, () => 2 + 10 * r());
const fc = Array.from({ length: n * n }, (_, k) => (Math.floor(k / n) === k % n ? 1 : 0.2 + 0.5 * Math.sin(k * k)));
for (let i = 0; i < n; i++) for (let j = 0; j < i; j++) fc[j * n + i] = fc[i * n + j]!;

const spec: FitProblemSpec = {
  model: "SupHopf",
  network: { weights, lengths, speed: 3 },
  free: [
    { name: "G", bounds: [0, 2] },
    { name: "a", bounds: [-1, 1], groups: [0, 0, 1, 1] },
    { name: "omega", bounds: [0.03, 0.1], maps: [{ name: "m", values: [0, 0.5, 1, -0.5], bounds: [-1, 1] }] },
  ],
  fixed: { sigma: 0.05 },
  target: { fc, psdPeaks: [8, 10, 12, 14] },
  gof: ["+fc_corr", "+psd_peak_corr", "-psd_mae"],
  gofWeights: { "-psd_mae": 0.1 },
  simulation: { duration: 0.25, dt: 0.1, tr: 0.002, signal: "x", boldRemove: 0.02, seed: 4, psd: { nperseg: 64, fmin: 2, fmax: 40 } },
};

describe("valueAndGrad(problem)", () => {
  it("matches central differences of the problem's cost in every dimension", async () => {
    const p = defineProblem(spec);
    const x = [0.4, -0.1, 0.05, 0.06, 0.3];
    const opts = { peakBeta: 5 };
    const vg = await valueAndGrad(p, [x, x.map((v, k) => (k === 0 ? 0.8 : v))], opts);
    expect(vg.costs.length).toBe(2);
    for (let d = 0; d < x.length; d++) {
      const h = 1e-6 * Math.max(1, Math.abs(x[d]!));
      const up = x.slice(), dn = x.slice();
      up[d]! += h;
      dn[d]! -= h;
      const c = (await valueAndGrad(p, [up, dn], opts)).costs;
      const fd = (c[0]! - c[1]!) / (2 * h);
      const g = vg.grads[0]![d]!;
      expect(Math.abs(g - fd), `${p.dims[d]!.name}: adjoint ${g}, FD ${fd}`).toBeLessThan(1e-5 * Math.max(Math.abs(fd), 1e-3));
    }
  });

  it("differentiates an evoked-series fit: noise trials averaged, baseline, smoothing, scaling, interpolation (Jansen–Rit)", async () => {
    const times = Array.from({ length: 30 }, (_, k) => 3 + 1.7 * k);
    const p = defineProblem({
      model: "JansenRit",
      network: { weights: [0, 0.5, 0.8, 0], lengths: [0, 4, 4, 0], speed: 1 },
      free: [{ name: "drive1_mu", bounds: [0, 60], groups: [0, 1] }, { name: "drive1_amp", bounds: [0, 1] }, { name: "G", bounds: [0, 5] }],
      fixed: { sigma_p: 0.05, drive1_sigma: 6 },
      target: { series: times.map((t) => Math.sin(t / 9)), seriesTimes: times },
      gof: ["-rmse"],
      simulation: {
        duration: 0.06,
        dt: 0.1,
        tr: 0.001,
        signal: "dipole",
        seed: 2,
        trials: 2,
        seriesWeights: [0.7, 0.3],
        seriesTransform: { subtractInitial: true, smoothMs: 5, scale: 3 },
      },
    });
    const x = [20, 30, 0.3, 1.2];
    const vg = await valueAndGrad(p, [x]);
    // The same cost as the fit's own evaluation (which records in float32).
    const fit = await evaluateBatch([{ problem: p, x }], { backend: "reference" });
    expect(fit.results[0]!.cost as number).toBeCloseTo(vg.costs[0]!, 5);
    for (let d = 0; d < x.length; d++) {
      const h = 1e-6 * Math.max(1, Math.abs(x[d]!));
      const up = x.slice(), dn = x.slice();
      up[d]! += h;
      dn[d]! -= h;
      const c = (await valueAndGrad(p, [up, dn])).costs;
      const fd = (c[0]! - c[1]!) / (2 * h);
      const g = vg.grads[0]![d]!;
      expect(Math.abs(g - fd), `${p.dims[d]!.name}: adjoint ${g}, FD ${fd}`).toBeLessThan(1e-5 * Math.max(Math.abs(fd), 1e-3));
    }
  });

  it("takes candidates of several problems that simulate alike as lanes of one call, each with its own cost", async () => {
    const quiet = defineProblem({ ...spec, fixed: { sigma: 0.02 } });
    const noisy = defineProblem({ ...spec, fixed: { sigma: 0.08 } });
    const x = [0.4, -0.1, 0.05, 0.06, 0.3];
    const both = await valueAndGradRequests([{ problem: quiet, x }, { problem: noisy, x }, { problem: quiet, x: [0.8, ...x.slice(1)] }], {
      peakBeta: 5,
    });
    const a = await valueAndGrad(quiet, [x, [0.8, ...x.slice(1)]], { peakBeta: 5 });
    const b = await valueAndGrad(noisy, [x], { peakBeta: 5 });
    // The reference runs lanes one after another: the same lanes give the same numbers, bit for bit.
    expect(Array.from(both.costs)).toEqual([a.costs[0], b.costs[0], a.costs[1]]);
    expect(Array.from(both.grads[1]!)).toEqual(Array.from(b.grads[0]!));
    expect(Array.from(both.grads[2]!)).toEqual(Array.from(a.grads[1]!));
    expect(both.costs[0]).not.toBe(both.costs[1]); // sigma reached each lane
  });

  it("names a KS-based term when a gradient is asked of it", async () => {
    const p = defineProblem({
      ...spec,
      gofWeights: {},
      gof: ["+fc_corr", "-fcd_ks"],
      target: { ...spec.target, fcdTril: [0.1, 0.2, 0.3] },
      simulation: { ...spec.simulation, fcdWindow: 0.02, fcdStep: 0.01 },
    });
    await expect(valueAndGrad(p, [[0.4, -0.1, 0.05, 0.06, 0.3]])).rejects.toThrow(NotDifferentiableError);
    await expect(valueAndGrad(p, [[0.4, -0.1, 0.05, 0.06, 0.3]])).rejects.toThrow(/-fcd_ks.*not differentiable/);
  });
});

describe("gradient-driven fits", () => {
  const small: FitProblemSpec = {
    ...spec,
    gofWeights: {},
    free: [{ name: "G", bounds: [0, 2] }, { name: "a", bounds: [-1, 1] }],
    gof: ["+fc_corr"],
    target: { fc },
    simulation: { ...spec.simulation, duration: 0.2 },
  };

  it("Adam descends with adjoint gradients and says where they come from", async () => {
    const p = defineProblem(small);
    const lines: string[] = [];
    const o = createOptimizer("adam", { lower: p.lower, upper: p.upper, x0: [0.2, -0.2], learningRate: 0.05, maxIterations: 6 });
    const res = await optimize(o, p, { log: (l) => lines.push(l), saveBest: false });
    expect(lines.join("\n")).toMatch(/adam gradients by the adjoint/);
    expect(res.best!.cost).toBeLessThan((await valueAndGrad(p, [[0.2, -0.2]])).costs[0]!);
  });

  it("with backend wasm, takes float32 adjoint gradients that agree with the float64 ones", async () => {
    const p = defineProblem(spec);
    const xs = [[0.4, -0.1, 0.05, 0.06, 0.3], [0.8, 0.1, -0.05, 0.07, -0.2]];
    const ref = await valueAndGrad(p, xs, { peakBeta: 5 });
    const got = await valueAndGrad(p, xs, { peakBeta: 5, backend: "wasm" });
    expect(ref.backend).toBe("reference");
    expect(got.backend).toBe("wasm");
    // 2500 float32 steps through Pearson and Welch: relative agreement ~1e-6 measured; a wrong
    // dimension, lane or term would differ by O(1).
    xs.forEach((_, c) => {
      expect(Math.abs(got.costs[c]! - ref.costs[c]!)).toBeLessThan(1e-4 * Math.abs(ref.costs[c]!));
      let num = 0, den = 0;
      ref.grads[c]!.forEach((g, d) => {
        num += (g - got.grads[c]![d]!) ** 2;
        den += g * g;
      });
      expect(Math.sqrt(num / den), `candidate ${c}`).toBeLessThan(1e-3);
    });
    const o = createOptimizer("adam", { lower: p.lower, upper: p.upper, x0: xs[0]!, learningRate: 0.05, maxIterations: 2 });
    const res = await optimize(o, p, { saveBest: false, backend: "wasm" });
    expect(res.backendInfo).toMatch(/wasm \(float32\) with adjoint gradients/);
  });

  it("falls back to finite differences for a non-differentiable problem, saying why", async () => {
    const p = defineProblem({ ...small, penalties: [{ name: "zero", compute: () => 0 }] });
    const lines: string[] = [];
    const o = createOptimizer("adam", { lower: p.lower, upper: p.upper, x0: [0.2, -0.2], learningRate: 0.05, maxIterations: 2 });
    const res = await optimize(o, p, { log: (l) => lines.push(l), saveBest: false, backend: "reference" });
    expect(lines.join("\n")).toMatch(/finite differences: the problem is not differentiable \(penalties/);
    expect(res.evaluations).toBe(2);
  });

  it("config optimizer.gradient: L-BFGS-B is told adjoint gradients by default, its own differences on request", () => {
    const p = defineProblem(small);
    const [adj] = optimizersFor(p, { type: "lbfgsb" });
    expect((adj as unknown as { options: { gradient: string } }).options.gradient).toBe("supplied");
    const [fd] = optimizersFor(p, { type: "lbfgsb", gradient: "finite-difference" });
    expect((fd as unknown as { options: { gradient: string } }).options.gradient).toBe("finite-difference");
  });
});
