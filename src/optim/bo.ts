// Bayesian optimisation: GP surrogate (ARD Matérn-5/2, hyperparameters by multi-start
// maximisation of the log marginal likelihood), expected improvement, batches of q
// candidates per ask by the Kriging believer heuristic. Inputs are normalised to [0,1]
// (of the internal space), outputs standardised.

import { type BaseState, decodeOptions, initialBaseState, OptimizerBase, parseOptimizerJSON } from "./base.ts";
import {
  expectedImprovement,
  expectedImprovementWithGradient,
  GaussianProcess,
  hyperToVector,
  negLogMarginalLikelihood,
  vectorToHyper,
} from "./gp.ts";
import { LBFGSB } from "./lbfgsb.ts";
import { OptimizerOptionError, Space } from "./space.ts";
import type { CommonOptions, OptimizerJSON } from "./types.ts";

export interface BOOptions extends CommonOptions {
  /** Size of the initial Latin hypercube design (asked all at once). Default max(5, 2·dim + 2). */
  initialPoints?: number;
  /** Candidates per ask after the initial design (q). Default 1. */
  batchSize?: number;
  /** Random restarts of the marginal-likelihood optimisation (besides the previous optimum
   *  and the default start). Default 1. */
  hyperRestarts?: number;
  /** Random candidates scored by EI before local refinement. Default 1000. */
  candidates?: number;
  /** Best candidates refined by a local L-BFGS-B search on EI. Default 3. */
  refine?: number;
  /** EI exploration margin in standardised output units. Default 0. */
  xi?: number;
}

interface BOState extends BaseState {
  /** Observations: inputs in [0,1]^n and raw costs (non-finite kept as given). */
  X: number[][];
  y: number[];
  /** Last fitted hyperparameter vector (null before the first fit). */
  theta: number[] | null;
  initialDone: boolean;
}

/** Bounds of the hyperparameter search (log space): lengthscales in [0.01, 20] of the unit
 *  box, signal variance in [0.05, 20], noise variance in [1e-8, 0.5] (standardised units). */
function hyperBounds(n: number): { lo: number[]; hi: number[] } {
  return {
    lo: [...new Array<number>(n).fill(Math.log(0.01)), Math.log(0.05), Math.log(1e-8)],
    hi: [...new Array<number>(n).fill(Math.log(20)), Math.log(20), Math.log(0.5)],
  };
}

/**
 * Bayesian optimisation: a Gaussian-process surrogate and expected improvement, batches of q
 * candidates per ask; for expensive fits with few parameters.
 *
 * @example
 * ```ts
 * import { BayesianOptimization } from "brainfit/optim";
 * const opt = new BayesianOptimization({ lower: [0, 0], upper: [1, 1], batchSize: 4, maxEvaluations: 40, seed: 1 });
 * while (!opt.done) {
 *   const xs = opt.ask();
 *   opt.tell(xs, xs.map(([a, b]) => Math.sin(5 * a!) + (b! - 0.5) ** 2));
 * }
 * ```
 */
export class BayesianOptimization extends OptimizerBase<BOOptions, BOState> {
  readonly type = "bo" as const;

  constructor(options: BOOptions) {
    const space = new Space(options);
    space.requireBounded("bo");
    const n = space.dim;
    const resolved: BOOptions = {
      ...options,
      dim: n,
      seed: options.seed ?? 0,
      initialPoints: options.initialPoints ?? Math.max(5, 2 * n + 2),
      batchSize: options.batchSize ?? 1,
      hyperRestarts: options.hyperRestarts ?? 1,
      candidates: options.candidates ?? 1000,
      refine: options.refine ?? 3,
      xi: options.xi ?? 0,
    };
    for (const key of ["initialPoints", "batchSize", "candidates"] as const) {
      const v = resolved[key] as number;
      if (!Number.isInteger(v) || v < 1) throw new OptimizerOptionError(`bo: ${key} must be an integer >= 1, got ${v}`);
    }
    super(resolved, space, { ...initialBaseState(resolved.seed ?? 0), X: [], y: [], theta: null, initialDone: false });
  }

  static fromJSON(json: OptimizerJSON | string): BayesianOptimization {
    const obj = parseOptimizerJSON(json, "bo");
    const opt = new BayesianOptimization(decodeOptions<BOOptions>(obj));
    opt.loadState(obj.state);
    return opt;
  }

  /** Last fitted GP hyperparameters (log lengthscales in unit-box units etc.), or null. */
  get hyperparameters(): number[] | null {
    return this.st.theta?.slice() ?? null;
  }

  private toInternal(u: number[]): number[] {
    const { lo, hi } = this.space;
    return u.map((v, i) => Math.min(hi[i], lo[i] + v * (hi[i] - lo[i])));
  }

  private toUnit(x: number[]): number[] {
    const { lo, hi } = this.space;
    return x.map((v, i) => (v - lo[i]) / (hi[i] - lo[i]));
  }

  private randomUnit(): number[] {
    return Array.from({ length: this.dim }, () => this.rng.uniform());
  }

  protected propose(): number[][] {
    const n = this.dim;
    const s = this.st;
    if (!s.initialDone) {
      const N = this.options.initialPoints ?? 5;
      const cols = Array.from({ length: n }, () => this.rng.permutation(N));
      return Array.from({ length: N }, (_, k) => this.toInternal(cols.map((c) => (c[k] + this.rng.uniform()) / N)));
    }
    const q = this.options.batchSize ?? 1;
    const finite = s.y.filter(Number.isFinite);
    if (finite.length < 2) return Array.from({ length: q }, () => this.toInternal(this.randomUnit()));
    // Standardise; non-finite costs are modelled as the worst finite cost.
    const worst = Math.max(...finite);
    const yRaw = s.y.map((v) => (Number.isFinite(v) ? v : worst));
    const mean = yRaw.reduce((a, v) => a + v, 0) / yRaw.length;
    const sd = Math.sqrt(yRaw.reduce((a, v) => a + (v - mean) * (v - mean), 0) / yRaw.length) || 1;
    const y = yRaw.map((v) => (v - mean) / sd);
    const theta = this.fitHyperparameters(s.X, y);
    s.theta = theta;
    let gp: GaussianProcess;
    try {
      gp = new GaussianProcess(s.X, y, vectorToHyper(theta));
    } catch {
      // Numerically degenerate data even with jitter: explore at random this round.
      return Array.from({ length: q }, () => this.toInternal(this.randomUnit()));
    }
    const out: number[][] = [];
    let carry: number[][] = [];
    for (let b = 0; b < q; b++) {
      const best = Math.min(...gp.y);
      const picked = this.maximizeEI(gp, best, b === 0, carry);
      const u = picked.u;
      carry = picked.carry;
      out.push(this.toInternal(u));
      if (b + 1 < q) gp.addObservation(u, gp.predict(u).mean); // Kriging believer
    }
    return out;
  }

  private fitHyperparameters(X: number[][], y: number[]): number[] {
    const n = this.dim;
    const { lo, hi } = hyperBounds(n);
    const starts: number[][] = [];
    if (this.st.theta !== null) starts.push(this.st.theta);
    starts.push(
      hyperToVector({ logLengthscales: new Array<number>(n).fill(Math.log(0.3)), logSignalVariance: 0, logNoiseVariance: Math.log(1e-4) }),
    );
    for (let r = 0; r < (this.options.hyperRestarts ?? 1); r++) starts.push(lo.map((l, i) => this.rng.uniformIn(l, hi[i])));
    let bestTheta = starts[0];
    let bestValue = Infinity;
    for (const x0 of starts) {
      const opt = new LBFGSB({
        lower: lo,
        upper: hi,
        x0: x0.map((v, i) => Math.min(hi[i], Math.max(lo[i], v))),
        gradient: "supplied",
        maxEvaluations: 60,
        pgtol: 1e-5,
        ftol: 1e-9,
      });
      while (!opt.done) {
        const xs = opt.ask();
        if (xs.length === 0) break;
        const r = xs.map((t) => negLogMarginalLikelihood(X, y, t));
        opt.tell(xs, r.map((v) => v.value), { grads: r.map((v) => v.grad) });
      }
      if (opt.best !== null && opt.best.cost < bestValue) {
        bestValue = opt.best.cost;
        bestTheta = opt.best.x;
      }
    }
    return bestTheta;
  }

  /** Maximise EI: score random candidates (all `candidates` for the first pick of a batch;
   *  for later picks a fifth of them plus the best fifth of the previous pick's scored set,
   *  since the believer only changes EI near the picked points), then refine the best. */
  private maximizeEI(gp: GaussianProcess, best: number, first: boolean, carry: number[][]): { u: number[]; carry: number[][] } {
    const n = this.dim;
    const nCand = this.options.candidates ?? 1000;
    const xi = this.options.xi ?? 0;
    const ei = (u: ArrayLike<number>) => {
      const p = gp.predict(u);
      return expectedImprovement(p.mean, p.variance, best, xi);
    };
    const cands: number[][] = carry.slice();
    const fresh = first ? nCand : Math.max(1, Math.floor(nCand / 5));
    for (let k = 0; k < fresh; k++) cands.push(this.randomUnit());
    // Local candidates around the best observations (EI is often tiny and peaked there).
    const order = gp.y.map((_, i) => i).sort((a, b) => gp.y[a] - gp.y[b]).slice(0, 5);
    for (const i of order) {
      for (const scale of [0.1, 0.02, 0.004]) {
        for (let k = 0; k < 10; k++) {
          cands.push(gp.X[i].map((v) => Math.min(1, Math.max(0, v + scale * this.rng.gaussian()))));
        }
      }
    }
    const scores = cands.map(ei);
    const ranked = scores.map((_, i) => i).sort((a, b) => scores[b] - scores[a] || a - b);
    const top = ranked.slice(0, this.options.refine ?? 3);
    const nextCarry = ranked.slice(0, Math.max(1, Math.floor(nCand / 5))).map((i) => cands[i]);
    let bestU = cands[top[0]];
    let bestScore = scores[top[0]];
    for (const i of top) {
      // Minimise -EI (analytic gradient), scaled so that the start's EI is O(1).
      const scale = scores[i] > 0 ? 1 / scores[i] : 1;
      const opt = new LBFGSB({
        lower: new Array<number>(n).fill(0),
        upper: new Array<number>(n).fill(1),
        x0: cands[i],
        gradient: "supplied",
        maxEvaluations: 60,
        pgtol: 1e-9,
      });
      while (!opt.done) {
        const us = opt.ask();
        if (us.length === 0) break;
        const r = us.map((u) => expectedImprovementWithGradient(gp.predictWithGradient(u), best, xi));
        opt.tell(us, r.map((e) => -e.value * scale), { grads: r.map((e) => e.grad.map((g) => -g * scale)) });
      }
      if (opt.best !== null && -opt.best.cost / scale > bestScore) {
        bestScore = -opt.best.cost / scale;
        bestU = opt.best.x;
      }
    }
    return { u: bestU.slice(), carry: nextCarry };
  }

  protected absorb(points: number[][], costs: number[]): void {
    const s = this.st;
    for (let k = 0; k < points.length; k++) {
      s.X.push(this.toUnit(points[k]));
      s.y.push(costs[k]);
    }
    s.initialDone = true;
  }
}
