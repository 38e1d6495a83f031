// L-BFGS-B (Byrd, Lu, Nocedal & Zhu 1995; subspace step of v3.0) against results known from
// outside: exact minimisers of bound-constrained convex quadratics (by enumerating active sets),
// the generalized Cauchy point of the first iteration (the projected gradient step, B = I), and
// scipy 1.17.1's iteration and evaluation counts on 20-D Rosenbrock (bench/reference/scipy-optim.json).
import { describe, expect, it } from "vitest";
import { readFileSync } from "node:fs";
import fc from "fast-check";
import { LBFGSB } from "../../src/optim/index.ts";
import { medianOf, rosenbrock, rosenbrockGrad, runSingle } from "./problems.ts";

/** Solve A x = b (Gaussian elimination; A small and non-singular). */
function solve(A: number[][], b: number[]): number[] {
  const n = b.length;
  const a = A.map((r, i) => [...r, b[i]!]);
  for (let c = 0; c < n; c++) {
    let p = c;
    for (let r = c + 1; r < n; r++) if (Math.abs(a[r]![c]!) > Math.abs(a[p]![c]!)) p = r;
    [a[c], a[p]] = [a[p]!, a[c]!];
    for (let r = c + 1; r < n; r++) {
      const m = a[r]![c]! / a[c]![c]!;
      for (let k = c; k <= n; k++) a[r]![k]! -= m * a[c]![k]!;
    }
  }
  const x = new Array<number>(n).fill(0);
  for (let r = n - 1; r >= 0; r--) {
    let s = a[r]![n]!;
    for (let k = r + 1; k < n; k++) s -= a[r]![k]! * x[k]!;
    x[r] = s / a[r]![r]!;
  }
  return x;
}

/**
 * Exact minimiser of ½xᵀAx + bᵀx (A positive definite) on a box: try every assignment of each
 * variable to {lower, upper, free}, solve for the free ones, keep the point that is feasible
 * and satisfies the KKT sign conditions (unique for a strictly convex problem).
 */
function boxQpMinimiser(A: number[][], b: number[], lo: number[], hi: number[]): number[] {
  const n = b.length;
  for (let code = 0; code < 3 ** n; code++) {
    const state = Array.from({ length: n }, (_, i) => Math.floor(code / 3 ** i) % 3); // 0 free, 1 lower, 2 upper
    const x = state.map((s, i) => (s === 1 ? lo[i]! : s === 2 ? hi[i]! : 0));
    const F = state.map((s, i) => (s === 0 ? i : -1)).filter((i) => i >= 0);
    if (F.length) {
      const rhs = F.map((i) => -b[i]! - state.reduce((acc, s, j) => acc + (s === 0 ? 0 : A[i]![j]! * x[j]!), 0));
      const xf = solve(F.map((i) => F.map((j) => A[i]![j]!)), rhs);
      F.forEach((i, k) => (x[i] = xf[k]!));
    }
    const g = A.map((r, i) => r.reduce((acc, v, j) => acc + v * x[j]!, 0) + b[i]!);
    const ok = x.every((v, i) => v >= lo[i]! - 1e-12 && v <= hi[i]! + 1e-12) &&
      state.every((s, i) => (s === 1 ? g[i]! >= -1e-10 : s === 2 ? g[i]! <= 1e-10 : true));
    if (ok) return x;
  }
  throw new Error("no KKT point");
}

describe("L-BFGS-B (generalized Cauchy point, subspace minimisation, Moré–Thuente)", () => {
  it("finds the exact minimiser of random bound-constrained convex quadratics, active bounds included", () => {
    const n = 5;
    fc.assert(
      fc.property(
        fc.array(fc.double({ min: -1, max: 1, noNaN: true }), { minLength: n * n, maxLength: n * n }),
        fc.array(fc.double({ min: -5, max: 5, noNaN: true }), { minLength: n, maxLength: n }),
        fc.array(fc.double({ min: 0.1, max: 2, noNaN: true }), { minLength: n, maxLength: n }),
        (r, b, width) => {
          // A = R Rᵀ + 0.5 I: condition number up to ~20.
          const A = Array.from({ length: n }, (_, i) =>
            Array.from({ length: n }, (_, j) => {
              let s = i === j ? 0.5 : 0;
              for (let k = 0; k < n; k++) s += r[i * n + k]! * r[j * n + k]!;
              return s;
            }));
          const lo = width.map((w) => -w), hi = width.map((w) => 0.5 * w);
          const f = (x: number[]) =>
            0.5 * x.reduce((acc, xi, i) => acc + xi * A[i]!.reduce((s, v, j) => s + v * x[j]!, 0), 0) +
            b.reduce((acc, bi, i) => acc + bi * x[i]!, 0);
          const grad = (x: number[]) => A.map((row, i) => row.reduce((s, v, j) => s + v * x[j]!, 0) + b[i]!);
          const opt = new LBFGSB({ lower: lo, upper: hi, x0: new Array(n).fill(0), gradient: "supplied", pgtol: 1e-10, ftol: 0 });
          runSingle(opt, f, 5000, -Infinity, grad);
          const xs = boxQpMinimiser(A, b, lo, hi);
          expect(opt.best!.cost).toBeLessThanOrEqual(f(xs) + 1e-9);
          opt.best!.x.forEach((v, i) => {
            expect(v).toBeGreaterThanOrEqual(lo[i]!);
            expect(v).toBeLessThanOrEqual(hi[i]!);
            expect(Math.abs(v - xs[i]!)).toBeLessThan(1e-5);
            // A variable active at the exact solution sits exactly on its bound.
            if (xs[i] === lo[i] || xs[i] === hi[i]) expect(v).toBe(xs[i]);
          });
        },
      ),
      { numRuns: 40, seed: 17 },
    );
  });

  it("the first step is the generalized Cauchy point with B = I: the projected gradient step P(x − g), inside the box", () => {
    fc.assert(
      fc.property(fc.array(fc.double({ min: -3, max: 3, noNaN: true }), { minLength: 4, maxLength: 4 }), (c) => {
        const lo = [-1, -1, 0, -2], hi = [1, 0.5, 2, 2];
        const x0 = [0.2, -0.3, 1, 0];
        const grad = (x: number[]) => x.map((v, i) => 2 * (v - c[i]!) * (i + 1));
        const opt = new LBFGSB({ lower: lo, upper: hi, x0, gradient: "supplied" });
        const first = opt.ask();
        opt.tell(first, first.map((x) => x.reduce((a, v, i) => a + (i + 1) * (v - c[i]!) ** 2, 0)), { grads: first.map(grad) });
        if (opt.done) return; // x0 already stationary
        const trial = opt.ask()[0]!;
        const g = grad(x0);
        trial.forEach((v, i) => expect(v).toBeCloseTo(Math.min(hi[i]!, Math.max(lo[i]!, x0[i]! - g[i]!)), 12));
      }),
      { numRuns: 50, seed: 3 },
    );
  });

  const ref = JSON.parse(readFileSync("bench/reference/scipy-optim.json", "utf8")) as {
    scipy: string;
    lbfgsb_rosen20_x0_zero: { runs: { nfev: number; nit: number }[] };
    lbfgsb_rosen20_x0_uniform: { median_nfev: number; runs: { x0: number[]; nfev: number; nit: number; fun: number }[] };
  };
  const box = { lower: new Array(20).fill(-2), upper: new Array(20).fill(2) };

  it(`20-D Rosenbrock in [-2, 2], forward differences: iterations as scipy ${ref.scipy} (±5 %), evaluations within 10 %`, () => {
    const runs = ref.lbfgsb_rosen20_x0_uniform.runs.map((r) => {
      const opt = new LBFGSB({ ...box, x0: r.x0, gradient: "forward", pgtol: 1e-5 });
      const out = runSingle(opt, rosenbrock, 20000);
      expect(opt.stopReason).toBe("tolerance");
      expect(out.best).toBeLessThan(1e-8);
      const iter = (opt.toJSON().state as { iter: number }).iter;
      expect(Math.abs(iter - r.nit)).toBeLessThanOrEqual(Math.ceil(0.05 * r.nit));
      return out.evals;
    });
    expect(medianOf(runs) / ref.lbfgsb_rosen20_x0_uniform.median_nfev).toBeLessThan(1.1);
    expect(medianOf(runs) / ref.lbfgsb_rosen20_x0_uniform.median_nfev).toBeGreaterThan(0.9);
    const zero = runSingle(new LBFGSB({ ...box, x0: new Array(20).fill(0), gradient: "forward" }), rosenbrock, 20000);
    expect(zero.evals).toBeLessThanOrEqual(1.1 * ref.lbfgsb_rosen20_x0_zero.runs[0]!.nfev);
  });

  it("a trial without a value (NaN) is backed off from; it ends on the edge of the valid region, not in it", () => {
    const f = (x: number[]) => (x[0]! > 1.5 ? NaN : (x[0]! - 2) ** 2 + (x[1]! - 0.5) ** 2);
    const grad = (x: number[]) => [2 * (x[0]! - 2), 2 * (x[1]! - 0.5)];
    const opt = new LBFGSB({ lower: [-10, -10], upper: [10, 10], x0: [0, 0], gradient: "supplied" });
    runSingle(opt, (x) => f(x), 2000, -Infinity, grad);
    // The minimiser (2, 0.5) has no value; the direction towards it keeps pointing into the NaN
    // region once x[0] = 1.5 is reached, so the run ends there ("failed": no step gave a value).
    expect(opt.best!.x[0]).toBeLessThanOrEqual(1.5);
    expect(opt.best!.x[0]).toBeGreaterThan(1.49);
    expect(opt.best!.cost).toBeLessThan(0.3);
  });

  it("stops and resumes mid line search with the same continuation", () => {
    const a = new LBFGSB({ ...box, x0: new Array(20).fill(0.5), gradient: "forward" });
    const b0 = new LBFGSB({ ...box, x0: new Array(20).fill(0.5), gradient: "forward" });
    let b = b0;
    for (let k = 0; k < 60 && !a.done; k++) {
      const xa = a.ask();
      const xb = b.ask();
      expect(xb).toEqual(xa);
      a.tell(xa, xa.map(rosenbrock));
      b.tell(xb, xb.map(rosenbrock));
      b = LBFGSB.fromJSON(JSON.stringify(b.toJSON()));
    }
    expect(b.toJSON()).toEqual(a.toJSON());
    // A checkpoint of the earlier projected L-BFGS is refused with the fix, not resumed wrongly.
    const old = { ...a.toJSON(), state: { ...(a.toJSON().state as object), phase: "trial" } };
    expect(() => LBFGSB.fromJSON(old)).toThrow(/earlier projected L-BFGS.*start the run again/);
  });
});

describe("L-BFGS-B with exact gradients against scipy", () => {
  const ref = JSON.parse(readFileSync("bench/reference/scipy-optim.json", "utf8")) as {
    scipy: string;
    lbfgsb_rosen10_exact: { gtol: number; ftol: number | null; nfev: number; nit: number; fun: number }[];
  };
  it(`unbounded 10-D Rosenbrock from 0: the same evaluations and final value as scipy ${ref.scipy}`, () => {
    for (const r of ref.lbfgsb_rosen10_exact) {
      const opt = new LBFGSB({
        x0: new Array(10).fill(0),
        gradient: "supplied",
        pgtol: r.gtol,
        ...(r.ftol === null ? {} : { ftol: r.ftol }),
      });
      const out = runSingle(opt, rosenbrock, 5000, -Infinity, rosenbrockGrad);
      expect(opt.stopReason).toBe("tolerance");
      expect(Math.abs(out.evals - r.nfev)).toBeLessThanOrEqual(2);
      expect(Math.abs(Math.log10(out.best / r.fun))).toBeLessThan(0.5);
    }
  });
});
