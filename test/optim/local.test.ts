import { describe, expect, it } from "vitest";
import { Adam, DifferentialEvolution, LBFGSB, NelderMead, ParticleSwarm } from "../../src/optim/index.ts";
import { medianOf, rosenbrock, rosenbrockGrad, runSingle, sphere } from "./problems.ts";

const SEEDS = Array.from({ length: 11 }, (_, i) => i + 1);
const box = (n: number, lo: number, hi: number) => ({ lower: new Array(n).fill(lo), upper: new Array(n).fill(hi) });

// Documented budgets (docs/optim.md, bench/RESULTS-optim.md): evaluations to f < 1e-6 over
// 11 seeds, default options (scipy's: best1bin, F dithered in [0.5, 1), CR 0.7, 15·dim LHS), box [-5, 5]^n.
describe("differential evolution reaches f < 1e-6", () => {
  it("best1bin (default): 10-D sphere within 20,000 on every seed, 5-D Rosenbrock median within 14,000", () => {
    const s = SEEDS.map((seed) => runSingle(new DifferentialEvolution({ ...box(10, -5, 5), seed }), sphere, 20000, 1e-6).evalsToTarget);
    const r = SEEDS.map((seed) => runSingle(new DifferentialEvolution({ ...box(5, -5, 5), seed }), rosenbrock, 16000, 1e-6).evalsToTarget);
    expect(Math.max(...s)).toBeLessThanOrEqual(20000);
    expect(medianOf(r)).toBeLessThanOrEqual(14000);
  });
  it("currenttobest1bin: 10-D sphere within 22,000 on every seed", () => {
    const s = SEEDS.map((seed) =>
      runSingle(new DifferentialEvolution({ ...box(10, -5, 5), strategy: "currenttobest1bin", seed }), sphere, 22000, 1e-6).evalsToTarget
    );
    expect(Math.max(...s)).toBeLessThanOrEqual(22000);
  });
  it("every scipy strategy converges on 4-D sphere; old names are aliases", () => {
    for (
      const strategy of [
        "best1bin",
        "best1exp",
        "rand1bin",
        "rand1exp",
        "rand2bin",
        "rand2exp",
        "best2bin",
        "best2exp",
        "currenttobest1bin",
        "currenttobest1exp",
        "randtobest1bin",
        "randtobest1exp",
      ] as const
    ) {
      const r = runSingle(new DifferentialEvolution({ ...box(4, -5, 5), strategy, seed: 3 }), sphere, 60000, 1e-6);
      expect(r.evalsToTarget, strategy).toBeLessThan(60000);
    }
    const trace = (strategy: "rand/1/bin" | "rand1bin") => {
      const o = new DifferentialEvolution({ ...box(3, -5, 5), strategy, seed: 9, maxIterations: 5 });
      runSingle(o, sphere, 1000);
      return o.best;
    };
    expect(trace("rand/1/bin")).toEqual(trace("rand1bin"));
  });
  it("the initial population is a Latin hypercube: one point per stratum on every axis", () => {
    const NP = 30;
    const xs = new DifferentialEvolution({ ...box(4, -3, 3), popsize: NP, seed: 1 }).ask();
    for (let j = 0; j < 4; j++) {
      const strata = xs.map((x) => Math.floor(((x[j]! + 3) / 6) * NP)).sort((a, b) => a - b);
      expect(strata).toEqual(Array.from({ length: NP }, (_, i) => i));
    }
  });
});

describe("particle swarm reaches f < 1e-6", () => {
  it("10-D sphere within 8,000 (40 particles)", () => {
    const s = SEEDS.map((seed) => runSingle(new ParticleSwarm({ ...box(10, -5, 5), seed }), sphere, 8000, 1e-6).evalsToTarget);
    expect(Math.max(...s)).toBeLessThanOrEqual(8000);
  });
  it("5-D Rosenbrock within 200,000 (20 particles), median of 5 seeds", () => {
    const r = SEEDS.slice(0, 5).map((seed) =>
      runSingle(new ParticleSwarm({ ...box(5, -5, 5), popsize: 20, seed }), rosenbrock, 200000, 1e-6).evalsToTarget
    );
    expect(medianOf(r)).toBeLessThanOrEqual(200000);
  });
});

describe("Nelder–Mead", () => {
  it("solves 2-D Rosenbrock from (-1.2, 1)", () => {
    const opt = new NelderMead({ x0: [-1.2, 1] });
    runSingle(opt, rosenbrock, 2000);
    expect(opt.stopReason).toBe("tolerance");
    expect(opt.best!.cost).toBeLessThan(1e-12);
    expect(opt.best!.x[0]).toBeCloseTo(1, 5);
    expect(opt.best!.x[1]).toBeCloseTo(1, 5);
    expect(opt.evaluations).toBeLessThan(500);
  });
  it("with bounds excluding the optimum, converges to the constrained optimum", () => {
    const opt = new NelderMead({ x0: [-1.2, 1], lower: [-2, -2], upper: [0.9, 2] });
    runSingle(opt, rosenbrock, 5000);
    // min over x1 <= 0.9: x1 = 0.9, x2 = 0.81, f = 0.01
    expect(opt.best!.x[0]).toBeCloseTo(0.9, 6);
    expect(opt.best!.x[1]).toBeCloseTo(0.81, 4);
    expect(opt.best!.cost).toBeCloseTo(0.01, 8);
  });
});

describe("L-BFGS-B (see also lbfgsb.test.ts)", () => {
  const c = [2, -3, 0.5, 1.5];
  const q = (x: number[]) => x.reduce((a, v, i) => a + (i + 1) * (v - c[i]) ** 2, 0);
  const qg = (x: number[]) => x.map((v, i) => 2 * (i + 1) * (v - c[i]));
  const bounds = { lower: [-1, -1, -1, -1], upper: [1, 1, 1, 1] };
  for (const gradient of ["supplied", "finite-difference"] as const) {
    it(`bounded quadratic with the optimum on bounds (${gradient} gradient)`, () => {
      const opt = new LBFGSB({ ...bounds, x0: [0, 0, 0, 0], gradient });
      runSingle(opt, q, 2000, -Infinity, gradient === "supplied" ? qg : undefined);
      expect(opt.stopReason).toBe("tolerance");
      const x = opt.best!.x;
      expect(x[0]).toBe(1);
      expect(x[1]).toBe(-1);
      expect(x[2]).toBeCloseTo(0.5, 7);
      expect(x[3]).toBe(1);
      expect(opt.best!.cost).toBeCloseTo(1 + 2 * 4 + 4 * 0.25, 10);
    });
  }
  it("10-D Rosenbrock with exact gradients", () => {
    const opt = new LBFGSB({ x0: new Array(10).fill(0), gradient: "supplied", ftol: 0, pgtol: 1e-9 });
    runSingle(opt, rosenbrock, 5000, -Infinity, rosenbrockGrad);
    expect(opt.stopReason).toBe("tolerance");
    expect(opt.best!.cost).toBeLessThan(1e-12);
    for (const v of opt.best!.x) expect(v).toBeCloseTo(1, 5);
    expect(opt.evaluations).toBeLessThan(500);
  });
  it("10-D Rosenbrock with central finite differences", () => {
    const opt = new LBFGSB({ x0: new Array(10).fill(0) });
    runSingle(opt, rosenbrock, 50000);
    expect(opt.best!.cost).toBeLessThan(1e-8);
  });
  it("central differences (default): asks exactly the point and its 2n neighbours (one-sided at a bound)", () => {
    const opt = new LBFGSB({ lower: [0, 0], upper: [1, 1], x0: [0, 0.5] });
    const xs = opt.ask();
    expect(xs.length).toBe(1 + 1 + 2); // x, x+h e0 (forward at the bound), x±h e1
    expect(xs[0]).toEqual([0, 0.5]);
  });
  it("forward differences (scipy's 2-point): the point and n neighbours, backward at an upper bound", () => {
    const opt = new LBFGSB({ lower: [0, 0], upper: [1, 1], x0: [1, 0.5], gradient: "forward" });
    const xs = opt.ask();
    expect(xs.length).toBe(1 + 2);
    expect(xs[1]![0]).toBeLessThan(1); // backward at the upper bound
    expect(xs[2]![1]).toBeGreaterThan(0.5);
  });
  it("requires gradients when gradient is 'supplied'", () => {
    const opt = new LBFGSB({ x0: [1, 1], gradient: "supplied" });
    const xs = opt.ask();
    expect(() => opt.tell(xs, [1])).toThrow(/grads/);
  });
});

describe("Adam", () => {
  it("minimises a bounded quadratic with told gradients", () => {
    const opt = new Adam({
      x0: [2, -1, 0.5],
      lower: [-3, -3, 0.2],
      upper: [3, 3, 3],
      learningRate: 0.05,
      gtol: 1e-7,
      maxIterations: 20000,
    });
    runSingle(opt, sphere, 20000, -Infinity, (x) => x.map((v) => 2 * v));
    expect(opt.stopReason).toBe("tolerance");
    expect(opt.best!.x[0]).toBeCloseTo(0, 5);
    expect(opt.best!.x[1]).toBeCloseTo(0, 5);
    expect(opt.best!.x[2]).toBe(0.2); // on the bound
  });
});
