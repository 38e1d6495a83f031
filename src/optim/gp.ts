// Gaussian-process regression with an ARD Matérn-5/2 kernel on inputs in [0,1]^n and
// standardised outputs: log marginal likelihood with its analytic gradient, Cholesky with
// jitter, predictions, and cheap rank-one extension for Kriging-believer batches.

import { choleskyWithJitter, solveLower, solveUpperT } from "./linalg.ts";

export interface GPHyper {
  /** log lengthscales (one per input), log signal variance, log noise variance. */
  logLengthscales: number[];
  logSignalVariance: number;
  logNoiseVariance: number;
}

export function hyperToVector(h: GPHyper): number[] {
  return [...h.logLengthscales, h.logSignalVariance, h.logNoiseVariance];
}

export function vectorToHyper(v: number[]): GPHyper {
  const n = v.length - 2;
  return { logLengthscales: v.slice(0, n), logSignalVariance: v[n], logNoiseVariance: v[n + 1] };
}

const SQRT5 = Math.sqrt(5);

/** Matérn-5/2 correlation at scaled distance r. */
export function matern52(r: number): number {
  return (1 + SQRT5 * r + (5 / 3) * r * r) * Math.exp(-SQRT5 * r);
}

function scaledDistance(a: ArrayLike<number>, b: ArrayLike<number>, invLen: number[]): number {
  let s = 0;
  for (let d = 0; d < invLen.length; d++) {
    const t = (a[d] - b[d]) * invLen[d];
    s += t * t;
  }
  return Math.sqrt(s);
}

/** Negative log marginal likelihood and its gradient w.r.t. the hyperparameter vector. */
export function negLogMarginalLikelihood(X: number[][], y: number[], theta: number[]): { value: number; grad: number[] } {
  const N = X.length;
  const n = theta.length - 2;
  const invLen = theta.slice(0, n).map((l) => Math.exp(-l));
  const sf2 = Math.exp(theta[n]);
  const sn2 = Math.exp(theta[n + 1]);
  const K: number[][] = Array.from({ length: N }, () => new Array<number>(N));
  const E: number[][] = Array.from({ length: N }, () => new Array<number>(N)); // dk/dlogℓ factor
  for (let a = 0; a < N; a++) {
    for (let b = 0; b <= a; b++) {
      const r = scaledDistance(X[a], X[b], invLen);
      const ex = Math.exp(-SQRT5 * r);
      const k = sf2 * (1 + SQRT5 * r + (5 / 3) * r * r) * ex;
      K[a][b] = K[b][a] = k;
      E[a][b] = E[b][a] = sf2 * (5 / 3) * (1 + SQRT5 * r) * ex;
    }
    K[a][a] += sn2;
  }
  const chol = choleskyWithJitter(K);
  if (chol === null) return { value: Infinity, grad: new Array<number>(n + 2).fill(0) };
  const L = chol.L;
  const alpha = solveUpperT(L, solveLower(L, y));
  let value = 0.5 * y.reduce((s, yi, i) => s + yi * alpha[i], 0) + 0.5 * N * Math.log(2 * Math.PI);
  for (let i = 0; i < N; i++) value += Math.log(L[i][i]);
  // T = L^{-T} stored by rows (T[j][i] = (L^{-1})[i][j]), computed row by row so that every
  // inner loop walks rows; then K^{-1}[a][b] = Σ_k T[a][k] T[b][k].
  const T: Float64Array[] = Array.from({ length: N }, () => new Float64Array(N));
  for (let j = 0; j < N; j++) {
    const Tj = T[j];
    Tj[j] = 1 / L[j][j];
    for (let i = j + 1; i < N; i++) {
      const Li = L[i];
      let acc = 0;
      for (let k = j; k < i; k++) acc += Li[k] * Tj[k];
      Tj[i] = -acc / Li[i];
    }
  }
  // W = alpha alphaᵀ - K^{-1}; gradient of the *negative* LML is -0.5 tr(W dK).
  const W: number[][] = Array.from({ length: N }, () => new Array<number>(N));
  for (let a = 0; a < N; a++) {
    const Ta = T[a];
    for (let b = 0; b <= a; b++) {
      const Tb = T[b];
      let kinv = 0;
      for (let k = a; k < N; k++) kinv += Ta[k] * Tb[k];
      W[a][b] = W[b][a] = alpha[a] * alpha[b] - kinv;
    }
  }
  const grad = new Array<number>(n + 2).fill(0);
  for (let a = 0; a < N; a++) {
    const Xa = X[a];
    for (let b = 0; b < a; b++) {
      const w = 2 * W[a][b]; // off-diagonal pairs counted twice
      const e = E[a][b] * w;
      const Xb = X[b];
      for (let d = 0; d < n; d++) {
        const t = (Xa[d] - Xb[d]) * invLen[d];
        grad[d] += e * t * t;
      }
      grad[n] += w * K[a][b];
    }
    grad[n] += W[a][a] * (K[a][a] - sn2);
    grad[n + 1] += W[a][a] * sn2;
  }
  for (let j = 0; j < n + 2; j++) grad[j] *= -0.5;
  return { value, grad };
}

/** A GP conditioned on data with fixed hyperparameters. */
export class GaussianProcess {
  readonly X: number[][];
  readonly y: number[];
  private readonly invLen: number[];
  private readonly sf2: number;
  private readonly sn2: number;
  private L: number[][];
  private alpha: number[];

  constructor(X: number[][], y: number[], hyper: GPHyper) {
    this.X = X.map((r) => r.slice());
    this.y = y.slice();
    this.invLen = hyper.logLengthscales.map((l) => Math.exp(-l));
    this.sf2 = Math.exp(hyper.logSignalVariance);
    this.sn2 = Math.exp(hyper.logNoiseVariance);
    const N = X.length;
    const K: number[][] = Array.from({ length: N }, (_, a) =>
      Array.from({ length: N }, (_, b) => this.kernel(X[a], X[b]) + (a === b ? this.sn2 : 0)));
    const chol = choleskyWithJitter(K);
    if (chol === null) throw new Error("GaussianProcess: covariance matrix is not positive definite even with jitter");
    this.L = chol.L;
    this.alpha = solveUpperT(this.L, solveLower(this.L, this.y));
  }

  kernel(a: ArrayLike<number>, b: ArrayLike<number>): number {
    return this.sf2 * matern52(scaledDistance(a, b, this.invLen));
  }

  /** Posterior mean and variance of the latent function at u. */
  predict(u: ArrayLike<number>): { mean: number; variance: number } {
    const N = this.X.length;
    const ks = new Array<number>(N);
    for (let a = 0; a < N; a++) ks[a] = this.kernel(this.X[a], u);
    let mean = 0;
    for (let a = 0; a < N; a++) mean += ks[a] * this.alpha[a];
    const v = solveLower(this.L, ks);
    let vv = 0;
    for (let a = 0; a < N; a++) vv += v[a] * v[a];
    return { mean, variance: Math.max(0, this.sf2 - vv) };
  }

  /** Posterior mean and variance at u with their gradients w.r.t. u. */
  predictWithGradient(u: ArrayLike<number>): { mean: number; variance: number; dmean: number[]; dvariance: number[] } {
    const N = this.X.length;
    const n = this.invLen.length;
    const ks = new Array<number>(N);
    const dfac = new Array<number>(N); // dk/du_d = dfac · (x_d − u_d)/ℓ_d²
    for (let a = 0; a < N; a++) {
      const r = scaledDistance(this.X[a], u, this.invLen);
      const ex = Math.exp(-SQRT5 * r);
      ks[a] = this.sf2 * (1 + SQRT5 * r + (5 / 3) * r * r) * ex;
      dfac[a] = this.sf2 * (5 / 3) * (1 + SQRT5 * r) * ex;
    }
    let mean = 0;
    for (let a = 0; a < N; a++) mean += ks[a] * this.alpha[a];
    const v = solveLower(this.L, ks);
    let vv = 0;
    for (let a = 0; a < N; a++) vv += v[a] * v[a];
    const w = solveUpperT(this.L, v); // K^{-1} k*
    const dmean = new Array<number>(n).fill(0);
    const dvariance = new Array<number>(n).fill(0);
    for (let a = 0; a < N; a++) {
      const Xa = this.X[a];
      const cm = dfac[a] * this.alpha[a];
      const cv = -2 * dfac[a] * w[a];
      for (let d = 0; d < n; d++) {
        const g = (Xa[d] - u[d]) * this.invLen[d] * this.invLen[d];
        dmean[d] += cm * g;
        dvariance[d] += cv * g;
      }
    }
    const variance = this.sf2 - vv;
    if (variance <= 0) return { mean, variance: 0, dmean, dvariance: dvariance.map(() => 0) };
    return { mean, variance, dmean, dvariance };
  }

  /** Add an observation without refitting hyperparameters (rank-one Cholesky extension). */
  addObservation(u: number[], yv: number): void {
    const N = this.X.length;
    const ks = this.X.map((x) => this.kernel(x, u));
    const l = solveLower(this.L, ks);
    let d = this.sf2 + this.sn2;
    for (let a = 0; a < N; a++) d -= l[a] * l[a];
    const diag = Math.sqrt(Math.max(d, 1e-12 * (this.sf2 + this.sn2)));
    for (const row of this.L) row.push(0);
    this.L.push([...l, diag]);
    this.X.push(u.slice());
    this.y.push(yv);
    this.alpha = solveUpperT(this.L, solveLower(this.L, this.y));
  }
}

/** Expected improvement and its gradient from a prediction with gradients. */
export function expectedImprovementWithGradient(
  p: { mean: number; variance: number; dmean: number[]; dvariance: number[] }, best: number, xi = 0,
): { value: number; grad: number[] } {
  const s = Math.sqrt(p.variance);
  const imp = best - p.mean - xi;
  if (s < 1e-12) return imp > 0 ? { value: imp, grad: p.dmean.map((g) => -g) } : { value: 0, grad: p.dmean.map(() => 0) };
  const z = imp / s;
  const cdf = normCdf(z);
  const pdf = normPdf(z);
  // dEI/dmean = -Φ(z), dEI/ds = φ(z), ds/du = dvar/du / (2s)
  return { value: imp * cdf + s * pdf, grad: p.dmean.map((g, d) => -cdf * g + (pdf * p.dvariance[d]) / (2 * s)) };
}

/** Standard normal pdf and cdf. */
export function normPdf(z: number): number {
  return Math.exp(-0.5 * z * z) / Math.sqrt(2 * Math.PI);
}

export function normCdf(z: number): number {
  // 0.5·erfc(−z/√2) with a rational erfc (W. J. Cody-type accuracy ~1e-14 is not needed;
  // this Numerical Recipes erfc has relative error < 1.2e-7 everywhere).
  const x = -z / Math.SQRT2;
  const ax = Math.abs(x);
  const t = 1 / (1 + 0.5 * ax);
  const r = t * Math.exp(-ax * ax - 1.26551223 + t * (1.00002368 + t * (0.37409196 + t * (0.09678418 +
    t * (-0.18628806 + t * (0.27886807 + t * (-1.13520398 + t * (1.48851587 + t * (-0.82215223 + t * 0.17087277)))))))));
  const erfc = x >= 0 ? r : 2 - r;
  return 0.5 * erfc;
}

/** Expected improvement (minimisation) over `best` with exploration margin xi. */
export function expectedImprovement(mean: number, variance: number, best: number, xi = 0): number {
  const s = Math.sqrt(variance);
  const imp = best - mean - xi;
  if (s < 1e-12) return Math.max(imp, 0);
  const z = imp / s;
  return imp * normCdf(z) + s * normPdf(z);
}
