// CMA-ES (Hansen's formulation: weighted recombination, rank-one and rank-mu covariance
// updates with the active (negative-weight) update by default, cumulative step-size
// adaptation), with bound handling by resampling then mirroring, pycma-like terminations and
// optional IPOP or BIPOP restarts.

import { type BaseState, decodeOptions, initialBaseState, OptimizerBase, parseOptimizerJSON } from "./base.ts";
import { symmetricEigen } from "./linalg.ts";
import { argsortCosts, OptimizerOptionError, Space } from "./space.ts";
import type { CommonOptions, OptimizerJSON } from "./types.ts";

export interface CMAESOptions extends CommonOptions {
  /** Initial mean (user space). Default: the centre of the (finite) bounds. */
  x0?: number[];
  /** Initial step size (internal space, in units of `stds`). Default: 0.3 when the box is
   *  finite and neither sigma0 nor stds is given (then stds = box widths, i.e. 0.3 of each
   *  width), else 1. */
  sigma0?: number;
  /** Per-parameter scale of the initial distribution (C0 = diag(stds²)), like pycma's
   *  CMA_stds. Default: the internal box widths when the box is finite and sigma0 is not
   *  given; otherwise all 1 (then sigma0 is in parameter units). */
  stds?: number[];
  /** Population size λ. Default 4 + floor(3 ln n). */
  popsize?: number;
  /** Stop ("tolerance") when the best costs of the last 10 + ceil(30n/λ) generations and all
   *  costs of the current generation lie within tolfun. Default 1e-11. */
  tolfun?: number;
  /** Stop ("tolerance") when σ·max(sqrt(diag C), |pc|) < tolx. Default 1e-11·sigma0·max(stds). */
  tolx?: number;
  /** Stop ("tolerance") when the condition number of C exceeds this. Default 1e14. */
  tolconditioncov?: number;
  /** Enable the stagnation test (Hansen 2009). Default true. */
  stagnation?: boolean;
  /** Number of IPOP restarts (popsize × incPopSize each) after a tolerance or stagnation
   *  stop. Default 0. Restart means are uniform in the bounds when they are finite, else x0. */
  restarts?: number;
  /** Population growth factor on restart. Default 2. */
  incPopSize?: number;
  /** Resamples of an out-of-bounds candidate before it is mirrored into the box. Default 10. */
  maxResamples?: number;
  /** Active covariance update (Jastrebski & Arnold 2006; pycma's default): the worse half of
   *  each generation gets negative recombination weights that shrink C along bad directions.
   *  Default true. */
  activeCovariance?: boolean;
  /** "ipop" (default): every restart doubles the population. "bipop" (Hansen 2009): restarts
   *  alternate between that large-population regime and short runs with a small random
   *  population and step size, whichever has used fewer evaluations. */
  restartStrategy?: "ipop" | "bipop";
}

interface CMAESState extends BaseState {
  mean: number[];
  sigma: number;
  C: number[][];
  B: number[][];
  D: number[];
  pc: number[];
  ps: number[];
  lambda: number;
  /** Generation within the current restart. */
  gen: number;
  eigenGen: number;
  restartsDone: number;
  /** Best cost per generation of the current restart (for tolfun/stagnation). */
  bestHist: number[];
  medianHist: number[];
  /** Evaluations at each restart start. */
  restartEvaluations: number[];
  /** BIPOP bookkeeping: large-regime restarts so far, evaluations spent in each regime, the current one. */
  largeRestarts?: number;
  regimeEvaluations?: { large: number; small: number };
  regime?: "large" | "small";
}

interface Strategy {
  lambda: number;
  mu: number;
  /** Recombination weights for all λ ranks: μ positive ones summing to 1 (the mean update), then
   *  zero or negative ones (active update). */
  weights: number[];
  mueff: number;
  cc: number;
  cs: number;
  c1: number;
  cmu: number;
  damps: number;
  chiN: number;
}

/**
 * Strategy parameters of Hansen's tutorial (arXiv:1604.00772, 2016, table 1), as pycma sets them:
 * with `active`, the negative weights are scaled by min(α_μ⁻, α_μeff⁻, α_posdef⁻) so C stays
 * positive definite; without it they are zero (the classic rank-μ update).
 */
function strategy(n: number, lambda: number, active: boolean): Strategy {
  const mu = Math.floor(lambda / 2);
  const raw = Array.from({ length: lambda }, (_, i) => Math.log((lambda + 1) / 2) - Math.log(i + 1));
  const posSum = raw.slice(0, mu).reduce((a, b) => a + b, 0);
  const mueff = posSum * posSum / raw.slice(0, mu).reduce((a, w) => a + w * w, 0);
  const negRaw = raw.slice(mu).filter((w) => w < 0);
  const negSum = -negRaw.reduce((a, b) => a + b, 0);
  const mueffNeg = negSum > 0 ? (negSum * negSum) / negRaw.reduce((a, w) => a + w * w, 0) : 0;
  const alphaCov = 2;
  const cc = (4 + mueff / n) / (n + 4 + (2 * mueff) / n);
  const cs = (mueff + 2) / (n + mueff + 5);
  const c1 = alphaCov / ((n + 1.3) * (n + 1.3) + mueff);
  const cmu = Math.min(1 - c1, (alphaCov * (0.25 + mueff - 2 + 1 / mueff)) / ((n + 2) * (n + 2) + (alphaCov * mueff) / 2));
  const alphaMuNeg = 1 + c1 / cmu;
  const alphaMueffNeg = 1 + (2 * mueffNeg) / (mueff + 2);
  const alphaPosdefNeg = (1 - c1 - cmu) / (n * cmu);
  const negScale = Math.min(alphaMuNeg, alphaMueffNeg, alphaPosdefNeg) / (negSum || 1);
  const weights = raw.map((w, i) => (i < mu ? w / posSum : active && w < 0 ? w * negScale : 0));
  const damps = 1 + 2 * Math.max(0, Math.sqrt((mueff - 1) / (n + 1)) - 1) + cs;
  const chiN = Math.sqrt(n) * (1 - 1 / (4 * n) + 1 / (21 * n * n));
  return { lambda, mu, weights, mueff, cc, cs, c1, cmu, damps, chiN };
}

function identity(n: number): number[][] {
  return Array.from({ length: n }, (_, i) => Array.from({ length: n }, (_, j) => (i === j ? 1 : 0)));
}

function diagonal(d: number[]): number[][] {
  return d.map((v, i) => d.map((_, j) => (i === j ? v : 0)));
}

function median(v: number[]): number {
  const s = v.slice().sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m] : 0.5 * (s[m - 1] + s[m]);
}

/** Mirror v into [lo, hi] (periodic reflection, so any distance folds back inside). */
export function mirrorIntoBounds(v: number, lo: number, hi: number): number {
  if (v >= lo && v <= hi) return v;
  if (!Number.isFinite(lo) && v < lo) return v;
  if (!Number.isFinite(hi) && v > hi) return v;
  if (!Number.isFinite(lo)) return 2 * hi - v; // only the upper bound matters
  if (!Number.isFinite(hi)) return 2 * lo - v;
  const w = hi - lo;
  let t = (v - lo) % (2 * w);
  if (t < 0) t += 2 * w;
  const r = t <= w ? lo + t : hi - (t - w);
  return Math.min(hi, Math.max(lo, r));
}

/**
 * CMA-ES (Hansen's), with active covariance updates and optional IPOP/BIPOP restarts: the
 * default for continuous fits.
 *
 * @example
 * ```ts
 * import { CMAES } from "brainfit/optim";
 * const opt = new CMAES({ lower: [-5, -5], upper: [5, 5], sigma0: 1, seed: 1, maxEvaluations: 1000 });
 * while (!opt.done) {
 *   const xs = opt.ask();
 *   opt.tell(xs, xs.map(([a, b]) => a! ** 2 + 10 * b! ** 2));
 * }
 * ```
 */
export class CMAES extends OptimizerBase<CMAESOptions, CMAESState> {
  readonly type = "cmaes" as const;

  constructor(options: CMAESOptions) {
    const space = new Space(options, options.x0);
    const n = space.dim;
    const x0 = options.x0 ?? (space.bounded ? space.toUser(space.lo.map((l, j) => 0.5 * (l + space.hi[j]))) : undefined);
    if (x0 === undefined) throw new OptimizerOptionError("cmaes: x0 is required when the bounds are not all finite");
    if (x0.length !== n || !x0.every(Number.isFinite)) throw new OptimizerOptionError(`cmaes: x0 must hold ${n} finite numbers`);
    const x0i = space.toInternal(x0);
    for (let i = 0; i < n; i++) {
      if (!(x0i[i] >= space.lo[i] && x0i[i] <= space.hi[i])) {
        throw new OptimizerOptionError(`cmaes: x0[${i}] = ${x0[i]} lies outside the bounds`);
      }
    }
    const scaleToBox = space.bounded && options.sigma0 === undefined && options.stds === undefined;
    const sigma0 = options.sigma0 ?? (scaleToBox ? 0.3 : 1);
    if (!(sigma0 > 0) || !Number.isFinite(sigma0)) throw new OptimizerOptionError(`cmaes: sigma0 must be > 0, got ${sigma0}`);
    const stds = options.stds ?? (scaleToBox ? space.lo.map((l, i) => space.hi[i] - l) : new Array<number>(n).fill(1));
    if (stds.length !== n || !stds.every((v) => v > 0 && Number.isFinite(v))) {
      throw new OptimizerOptionError(`cmaes: stds must hold ${n} positive finite numbers`);
    }
    const popsize = options.popsize ?? 4 + Math.floor(3 * Math.log(n));
    if (options.restartStrategy !== undefined && options.restartStrategy !== "ipop" && options.restartStrategy !== "bipop") {
      throw new OptimizerOptionError(`cmaes: restartStrategy must be "ipop" or "bipop", got ${String(options.restartStrategy)}`);
    }
    if (!Number.isInteger(popsize) || popsize < 2) throw new OptimizerOptionError(`cmaes: popsize must be an integer >= 2, got ${popsize}`);
    const resolved: CMAESOptions = {
      ...options,
      dim: n,
      x0: x0.slice(),
      sigma0,
      stds: stds.slice(),
      popsize,
      tolfun: options.tolfun ?? 1e-11,
      tolx: options.tolx ?? 1e-11 * sigma0 * Math.max(...stds),
      tolconditioncov: options.tolconditioncov ?? 1e14,
      stagnation: options.stagnation ?? true,
      restarts: options.restarts ?? 0,
      incPopSize: options.incPopSize ?? 2,
      maxResamples: options.maxResamples ?? 10,
      activeCovariance: options.activeCovariance ?? true,
      restartStrategy: options.restartStrategy ?? "ipop",
      seed: options.seed ?? 0,
    };
    const st: CMAESState = {
      ...initialBaseState(resolved.seed ?? 0),
      mean: x0i,
      sigma: sigma0,
      C: diagonal(stds.map((v) => v * v)),
      B: identity(n),
      D: stds.slice(),
      pc: new Array<number>(n).fill(0),
      ps: new Array<number>(n).fill(0),
      lambda: popsize,
      gen: 0,
      eigenGen: 0,
      restartsDone: 0,
      bestHist: [],
      medianHist: [],
      restartEvaluations: [0],
    };
    super(resolved, space, st);
  }

  static fromJSON(json: OptimizerJSON | string): CMAES {
    const obj = parseOptimizerJSON(json, "cmaes");
    const opt = new CMAES(decodeOptions<CMAESOptions>(obj));
    opt.loadState(obj.state);
    return opt;
  }

  /** Current mean (user space). */
  get mean(): number[] {
    return this.space.toUser(this.st.mean);
  }
  /** Current step size (internal space). */
  get sigma(): number {
    return this.st.sigma;
  }
  /** Current population size. */
  get popsize(): number {
    return this.st.lambda;
  }
  /** Restarts performed so far. */
  get restartsDone(): number {
    return this.st.restartsDone;
  }

  protected propose(): number[][] {
    const s = this.st;
    const n = this.dim;
    const { lo, hi } = this.space;
    const maxResamples = this.options.maxResamples ?? 10;
    const out: number[][] = [];
    const z = new Array<number>(n);
    for (let k = 0; k < s.lambda; k++) {
      let x: number[] = [];
      for (let attempt = 0; attempt <= maxResamples; attempt++) {
        for (let i = 0; i < n; i++) z[i] = s.D[i] * this.rng.gaussian();
        x = new Array<number>(n);
        let inside = true;
        for (let i = 0; i < n; i++) {
          let yi = 0;
          const Bi = s.B[i];
          for (let j = 0; j < n; j++) yi += Bi[j] * z[j];
          const v = s.mean[i] + s.sigma * yi;
          x[i] = v;
          if (!(v >= lo[i] && v <= hi[i])) inside = false;
        }
        if (inside) break;
        if (attempt === maxResamples) { for (let i = 0; i < n; i++) x[i] = mirrorIntoBounds(x[i], lo[i], hi[i]); }
      }
      out.push(x);
    }
    return out;
  }

  protected absorb(points: number[][], costs: number[]): void {
    const s = this.st;
    const n = this.dim;
    const lambda = points.length;
    const p = strategy(n, lambda, this.options.activeCovariance !== false);
    s.gen++;
    const order = argsortCosts(costs);
    const finiteCount = costs.filter(Number.isFinite).length;
    if (finiteCount === 0) {
      // Every candidate diverged: keep the distribution, just sample again.
      this.checkStops(costs, order, p, false);
      return;
    }
    const oldMean = s.mean.slice();
    const sigma = s.sigma;
    // y_k = (x_k - m) / σ of the actually evaluated (possibly repaired) points.
    // Ranks with a non-finite cost take no part (they carry no ordering information).
    const ranked = Math.min(lambda, finiteCount);
    const ys: number[][] = [];
    for (let r = 0; r < ranked; r++) {
      const x = points[order[r]];
      ys.push(x.map((v, i) => (v - oldMean[i]) / sigma));
    }
    const yw = new Array<number>(n).fill(0);
    for (let r = 0; r < Math.min(p.mu, ranked); r++) for (let i = 0; i < n; i++) yw[i] += p.weights[r] * ys[r][i];
    for (let i = 0; i < n; i++) s.mean[i] = oldMean[i] + sigma * yw[i];
    // C^{-1/2} yw = B D^{-1} Bᵀ yw
    const bt = new Array<number>(n).fill(0);
    for (let j = 0; j < n; j++) {
      let acc = 0;
      for (let i = 0; i < n; i++) acc += s.B[i][j] * yw[i];
      bt[j] = acc / s.D[j];
    }
    const csn = Math.sqrt(p.cs * (2 - p.cs) * p.mueff);
    let psNorm2 = 0;
    for (let i = 0; i < n; i++) {
      let acc = 0;
      for (let j = 0; j < n; j++) acc += s.B[i][j] * bt[j];
      s.ps[i] = (1 - p.cs) * s.ps[i] + csn * acc;
      psNorm2 += s.ps[i] * s.ps[i];
    }
    const psNorm = Math.sqrt(psNorm2);
    const hsig = psNorm / Math.sqrt(1 - Math.pow(1 - p.cs, 2 * s.gen)) / p.chiN < 1.4 + 2 / (n + 1) ? 1 : 0;
    const ccn = Math.sqrt(p.cc * (2 - p.cc) * p.mueff);
    for (let i = 0; i < n; i++) s.pc[i] = (1 - p.cc) * s.pc[i] + hsig * ccn * yw[i];
    const c1a = p.c1 * (1 - (1 - hsig * hsig) * p.cc * (2 - p.cc));
    // Active update: a negative weight is rescaled by n / ‖C^{-1/2} y‖² (tutorial eq. 46), so a
    // long bad step cannot remove more variance than a typical one.
    const w = new Array<number>(ranked);
    let wSum = 0;
    for (let r = 0; r < ranked; r++) {
      let wr = p.weights[r];
      if (wr < 0) {
        let norm2 = 0;
        for (let j = 0; j < n; j++) {
          let acc = 0;
          for (let i = 0; i < n; i++) acc += s.B[i][j] * ys[r][i];
          norm2 += (acc / s.D[j]) ** 2;
        }
        wr *= norm2 > 0 ? n / norm2 : 0;
      }
      w[r] = wr;
      wSum += p.weights[r];
    }
    const decay = 1 - c1a - p.cmu * wSum;
    for (let i = 0; i < n; i++) {
      for (let j = 0; j <= i; j++) {
        let rankMu = 0;
        for (let r = 0; r < ranked; r++) if (w[r] !== 0) rankMu += w[r] * ys[r][i] * ys[r][j];
        const v = decay * s.C[i][j] + p.c1 * s.pc[i] * s.pc[j] + p.cmu * rankMu;
        s.C[i][j] = v;
        s.C[j][i] = v;
      }
    }
    s.sigma *= Math.exp(Math.min(1, (p.cs / p.damps) * (psNorm / p.chiN - 1)));
    // Flat fitness: the best and the 0.7λ-th cost coincide → enlarge σ to escape.
    const kth = order[Math.min(lambda - 1, Math.ceil(0.7 * lambda) - 1)];
    if (finiteCount === lambda && costs[order[0]] === costs[kth]) s.sigma *= Math.exp(0.2 + p.cs / p.damps);
    // Eigendecomposition, lazily as in Hansen's code (every generation for small n).
    const gap = Math.max(1, Math.floor(1 / ((p.c1 + p.cmu) * n * 10)));
    if (s.gen - s.eigenGen >= gap) this.updateEigen();
    this.checkStops(costs, order, p, true);
  }

  private updateEigen(): void {
    const s = this.st;
    const n = this.dim;
    s.eigenGen = s.gen;
    const { values, vectors } = symmetricEigen(s.C);
    const minPositive = Math.max(1e-300, values[n - 1] * 1e-20);
    s.B = vectors;
    s.D = values.map((v) => Math.sqrt(Math.max(v, minPositive)));
  }

  private checkStops(costs: number[], order: number[], p: Strategy, updated: boolean): void {
    const s = this.st;
    const o = this.options;
    const n = this.dim;
    const best = costs[order[0]];
    const finite = costs.filter(Number.isFinite);
    if (Number.isFinite(best)) {
      s.bestHist.push(best);
      s.medianHist.push(median(finite));
    }
    if (s.bestHist.length > 20000) {
      s.bestHist.shift();
      s.medianHist.shift();
    }
    let reason: "tolerance" | "stagnation" | null = null;
    if (updated) {
      const histLen = 10 + Math.ceil((30 * n) / p.lambda);
      if (s.bestHist.length >= histLen && finite.length === costs.length) {
        const recent = s.bestHist.slice(-histLen).concat(finite);
        if (Math.max(...recent) - Math.min(...recent) < (o.tolfun ?? 1e-11)) reason = "tolerance";
      }
      let maxStd = 0;
      for (let i = 0; i < n; i++) maxStd = Math.max(maxStd, Math.sqrt(s.C[i][i]), Math.abs(s.pc[i]));
      if (s.sigma * maxStd < (o.tolx ?? 0)) reason = "tolerance";
      const dMax = Math.max(...s.D), dMin = Math.min(...s.D);
      if ((dMax / dMin) ** 2 > (o.tolconditioncov ?? 1e14)) reason = "tolerance";
      if (!Number.isFinite(s.sigma) || s.sigma <= 0) reason = "tolerance";
      // No effect of a 0.2σ step along any coordinate.
      let noEffect = true;
      for (let i = 0; i < n; i++) {
        if (s.mean[i] !== s.mean[i] + 0.2 * s.sigma * Math.sqrt(s.C[i][i])) {
          noEffect = false;
          break;
        }
      }
      if (noEffect) reason = "tolerance";
      if (reason === null && o.stagnation !== false) {
        const minLen = 120 + Math.ceil((30 * n) / p.lambda);
        const g = s.bestHist.length;
        if (g > minLen) {
          const win = Math.min(20000, Math.max(minLen, Math.ceil(0.2 * g)));
          const k = Math.max(1, Math.floor(0.3 * win));
          const bh = s.bestHist.slice(-win), mh = s.medianHist.slice(-win);
          if (median(bh.slice(-k)) >= median(bh.slice(0, k)) && median(mh.slice(-k)) >= median(mh.slice(0, k))) reason = "stagnation";
        }
      }
    }
    if (reason === null) return;
    const budgetLeft = o.maxEvaluations === undefined || s.evaluations < o.maxEvaluations;
    if (s.restartsDone < (o.restarts ?? 0) && budgetLeft) this.restart();
    else this.finish(reason);
  }

  /** IPOP restart (larger population) or BIPOP's choice of regime; fresh distribution, new mean. */
  private restart(): void {
    const s = this.st;
    const o = this.options;
    const n = this.dim;
    const sp = this.space;
    const lambdaDefault = o.popsize ?? 4 + Math.floor(3 * Math.log(n));
    const spent = s.evaluations - s.restartEvaluations[s.restartEvaluations.length - 1]!;
    s.restartsDone++;
    let sigmaFactor = 1;
    if (o.restartStrategy === "bipop") {
      const budgets = (s.regimeEvaluations ??= { large: 0, small: 0 });
      budgets[s.regime ?? "large"] += spent;
      // The first restart, and any time the small regime has used as many evaluations, goes large.
      if (s.restartsDone === 1 || budgets.small >= budgets.large) {
        s.largeRestarts = (s.largeRestarts ?? 0) + 1;
        s.regime = "large";
        s.lambda = Math.round(lambdaDefault * (o.incPopSize ?? 2) ** s.largeRestarts);
      } else {
        const u = this.rng.uniform();
        const lambdaLarge = lambdaDefault * (o.incPopSize ?? 2) ** (s.largeRestarts ?? 0);
        s.regime = "small";
        s.lambda = Math.max(2, Math.floor(lambdaDefault * (lambdaLarge / (2 * lambdaDefault)) ** (u * u)));
        sigmaFactor = 10 ** (-2 * this.rng.uniform());
      }
    } else {
      s.lambda = Math.round(s.lambda * (o.incPopSize ?? 2));
    }
    if (sp.bounded) s.mean = sp.lo.map((l, i) => this.rng.uniformIn(l, sp.hi[i]));
    else s.mean = sp.toInternal(o.x0 ?? []);
    const stds = o.stds ?? new Array<number>(n).fill(1);
    s.sigma = (o.sigma0 ?? 1) * sigmaFactor;
    s.C = diagonal(stds.map((v) => v * v));
    s.B = identity(n);
    s.D = stds.slice();
    s.pc = new Array<number>(n).fill(0);
    s.ps = new Array<number>(n).fill(0);
    s.gen = 0;
    s.eigenGen = 0;
    s.bestHist = [];
    s.medianHist = [];
    s.restartEvaluations.push(s.evaluations);
  }
}
