import { describe, expect, it } from "vitest";
import { BayesianOptimization } from "../../src/optim/index.ts";
import { expectedImprovement, GaussianProcess } from "../../src/optim/gp.ts";
import { Rng } from "../../src/optim/rng.ts";
import { matern52, negLogMarginalLikelihood, normCdf } from "../../src/optim/gp.ts";
import { branin, BRANIN_MIN, runSingle } from "./problems.ts";

describe("Gaussian process pieces", () => {
  const rng = new Rng(3);
  const X = Array.from({ length: 12 }, () => [rng.uniform(), rng.uniform(), rng.uniform()]);
  const y = X.map((x) => Math.sin(3 * x[0]) + x[1] * x[1] - 0.5 * x[2]);

  it("log marginal likelihood gradient matches central differences", () => {
    const theta = [Math.log(0.4), Math.log(0.7), Math.log(1.3), Math.log(1.5), Math.log(1e-3)];
    const { grad } = negLogMarginalLikelihood(X, y, theta);
    for (let j = 0; j < theta.length; j++) {
      const h = 1e-5;
      const up = theta.slice();
      up[j] += h;
      const dn = theta.slice();
      dn[j] -= h;
      const fd = (negLogMarginalLikelihood(X, y, up).value - negLogMarginalLikelihood(X, y, dn).value) / (2 * h);
      expect(grad[j]).toBeCloseTo(fd, 5);
    }
  });

  it("interpolates training data with small noise; variance vanishes there, returns to prior far away", () => {
    const gp = new GaussianProcess(X, y, {
      logLengthscales: [Math.log(0.5), Math.log(0.5), Math.log(0.5)],
      logSignalVariance: 0,
      logNoiseVariance: Math.log(1e-10),
    });
    for (let k = 0; k < X.length; k++) {
      const p = gp.predict(X[k]);
      expect(p.mean).toBeCloseTo(y[k], 4);
      expect(p.variance).toBeLessThan(1e-6);
    }
    expect(gp.predict([50, 50, 50]).variance).toBeCloseTo(1, 10);
    expect(matern52(0)).toBe(1);
  });

  it("expected improvement and the normal cdf", () => {
    expect(expectedImprovement(0, 1, 0)).toBeCloseTo(1 / Math.sqrt(2 * Math.PI), 6);
    expect(expectedImprovement(1, 0, 0)).toBe(0);
    expect(expectedImprovement(-1, 0, 0)).toBe(1);
    expect(normCdf(1)).toBeCloseTo(0.8413447460685429, 6);
    expect(normCdf(-2)).toBeCloseTo(0.022750131948179195, 7);
  });
});

describe("Bayesian optimization", () => {
  it("finds Branin within 1% of 0.397887 in <= 60 evaluations on >= 7 of 11 seeds", () => {
    let solved = 0;
    for (let seed = 1; seed <= 11; seed++) {
      const opt = new BayesianOptimization({ lower: [-5, 0], upper: [10, 15], seed });
      const r = runSingle(opt, branin, 60, BRANIN_MIN * 1.01);
      if (r.evalsToTarget <= 60) solved++;
    }
    expect(solved).toBeGreaterThanOrEqual(7);
  });

  it("batch proposals: q distinct candidates per ask (Kriging believer), non-finite costs tolerated", () => {
    const opt = new BayesianOptimization({ lower: [-5, 0], upper: [10, 15], seed: 2, batchSize: 4, initialPoints: 8 });
    const init = opt.ask();
    expect(init).toHaveLength(8);
    opt.tell(init, init.map((x, k) => (k === 0 ? NaN : branin(x))));
    for (let it = 0; it < 8; it++) {
      const xs = opt.ask();
      expect(xs).toHaveLength(4);
      const keys = new Set(xs.map((x) => x.join(",")));
      expect(keys.size).toBe(4);
      opt.tell(xs, xs.map(branin));
    }
    expect(opt.best!.cost).toBeLessThan(BRANIN_MIN * 1.05);
    expect(opt.hyperparameters).toHaveLength(4);
  });
});

describe("GP prediction gradients", () => {
  it("mean, variance and EI gradients match central differences", async () => {
    const { expectedImprovementWithGradient } = await import("../../src/optim/gp.ts");
    const rng = new Rng(8);
    const X = Array.from({ length: 10 }, () => [rng.uniform(), rng.uniform()]);
    const y = X.map((x) => Math.cos(4 * x[0]) * x[1]);
    const gp = new GaussianProcess(X, y, {
      logLengthscales: [Math.log(0.3), Math.log(0.6)],
      logSignalVariance: Math.log(0.8),
      logNoiseVariance: Math.log(1e-6),
    });
    const u = [0.37, 0.61];
    const p = gp.predictWithGradient(u);
    const best = Math.min(...y);
    const ei = expectedImprovementWithGradient(p, best);
    expect(p.mean).toBeCloseTo(gp.predict(u).mean, 12);
    expect(ei.value).toBeCloseTo(expectedImprovement(p.mean, p.variance, best), 12);
    for (let d = 0; d < 2; d++) {
      const h = 1e-6;
      const up = u.slice();
      up[d] += h;
      const dn = u.slice();
      dn[d] -= h;
      const pu = gp.predict(up), pd = gp.predict(dn);
      expect(p.dmean[d]).toBeCloseTo((pu.mean - pd.mean) / (2 * h), 5);
      expect(p.dvariance[d]).toBeCloseTo((pu.variance - pd.variance) / (2 * h), 5);
      const fd = (expectedImprovement(pu.mean, pu.variance, best) - expectedImprovement(pd.mean, pd.variance, best)) / (2 * h);
      expect(ei.grad[d]).toBeCloseTo(fd, 5);
    }
  });
});
