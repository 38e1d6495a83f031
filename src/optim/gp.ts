// Gaussian-process regression with an ARD Matérn-5/2 kernel on inputs in [0,1]^n and
// standardised outputs: log marginal likelihood with its analytic gradient, Cholesky with
// jitter (packed lower-triangular rows), predictions with gradients, and cheap rank-one
// extension for Kriging-believer batches.

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

/** Cholesky of a dense symmetric N×N matrix (flat, row-major) + jitter·I into packed rows
 *  (row i holds L[i][0..i]); null if not positive definite. */
function choleskyRows(K: Float64Array, N: number, jitter: number): Float64Array[] | null {
  const L: Float64Array[] = [];
  for (let i = 0; i < N; i++) {
    const Li = new Float64Array(i + 1);
    for (let j = 0; j <= i; j++) {
      const Lj = L[j] ?? Li;
      let s = K[i * N + j];
      for (let k = 0; k < j; k++) s -= Li[k] * Lj[k];
      if (j === i) {
        s += jitter;
        if (!(s > 0) || !Number.isFinite(s)) return null;
        Li[i] = Math.sqrt(s);
      } else {
        Li[j] = s / Lj[j];
      }
    }
    L.push(Li);
  }
  return L;
}

/** choleskyRows with jitter 1e-10·mean(diag), ×10 per retry, up to 1e-2·mean(diag). */
function choleskyRowsWithJitter(K: Float64Array, N: number): Float64Array[] | null {
  let meanDiag = 0;
  for (let i = 0; i < N; i++) meanDiag += K[i * N + i];
  meanDiag = Math.abs(meanDiag / Math.max(1, N)) || 1;
  for (let jitter = 0;; jitter = jitter === 0 ? 1e-10 * meanDiag : jitter * 10) {
    if (jitter > 1e-2 * meanDiag) return null;
    const L = choleskyRows(K, N, jitter);
    if (L !== null) return L;
  }
}

/** Solve L y = b with packed rows. */
function solveLowerRows(L: Float64Array[], b: ArrayLike<number>): Float64Array {
  const N = L.length;
  const y = new Float64Array(N);
  for (let i = 0; i < N; i++) {
    const Li = L[i];
    let s = b[i];
    for (let k = 0; k < i; k++) s -= Li[k] * y[k];
    y[i] = s / Li[i];
  }
  return y;
}

/** Solve Lᵀ x = y with packed rows (row-oriented back substitution). */
function solveUpperTRows(L: Float64Array[], y: ArrayLike<number>): Float64Array {
  const N = L.length;
  const x = Float64Array.from(y);
  for (let i = N - 1; i >= 0; i--) {
    const Li = L[i];
    const xi = x[i] / Li[i];
    x[i] = xi;
    for (let k = 0; k < i; k++) x[k] -= Li[k] * xi;
  }
  return x;
}

/** Negative log marginal likelihood and its gradient w.r.t. the hyperparameter vector
 *  [log ℓ_1..ℓ_n, log σf², log σn²]. Flat typed arrays: O(N³/2) flops, O(N² n) gradient. */
export function negLogMarginalLikelihood(X: number[][], y: number[], theta: number[]): { value: number; grad: number[] } {
  const N = X.length;
  const n = theta.length - 2;
  const invLen = theta.slice(0, n).map((l) => Math.exp(-l));
  const sf2 = Math.exp(theta[n]);
  const sn2 = Math.exp(theta[n + 1]);
  const Xs = X.map((x) => Float64Array.from(x, (v, d) => v * invLen[d]));
  const K = new Float64Array(N * N);
  const E = new Float64Array(N * N); // dk/dlogℓ_d = E · ((x_a,d − x_b,d)/ℓ_d)²
  for (let a = 0; a < N; a++) {
    const Xa = Xs[a];
    for (let b = 0; b < a; b++) {
      const Xb = Xs[b];
      let r2 = 0;
      for (let d = 0; d < n; d++) {
        const t = Xa[d] - Xb[d];
        r2 += t * t;
      }
      const r = Math.sqrt(r2);
      const ex = Math.exp(-SQRT5 * r);
      const k = sf2 * (1 + SQRT5 * r + (5 / 3) * r2) * ex;
      K[a * N + b] = K[b * N + a] = k;
      E[a * N + b] = E[b * N + a] = sf2 * (5 / 3) * (1 + SQRT5 * r) * ex;
    }
    K[a * N + a] = sf2 + sn2;
    E[a * N + a] = 0;
  }
  const L = choleskyRowsWithJitter(K, N);
  if (L === null) return { value: Infinity, grad: new Array<number>(n + 2).fill(0) };
  const alpha = solveUpperTRows(L, solveLowerRows(L, y));
  let value = 0.5 * N * Math.log(2 * Math.PI);
  for (let i = 0; i < N; i++) value += 0.5 * y[i] * alpha[i] + Math.log(L[i][i]);
  // T = L^{-T} by rows (T[j][i] = (L^{-1})[i][j], i >= j), then K^{-1}[a][b] = Σ_k T[a][k] T[b][k].
  const T = new Float64Array(N * N);
  for (let j = 0; j < N; j++) {
    const o = j * N;
    T[o + j] = 1 / L[j][j];
    for (let i = j + 1; i < N; i++) {
      const Li = L[i];
      let acc = 0;
      for (let k = j; k < i; k++) acc += Li[k] * T[o + k];
      T[o + i] = -acc / Li[i];
    }
  }
  // W = α αᵀ − K^{-1}; d(−LML)/dθ = −½ tr(W ∂K/∂θ), using symmetry (off-diagonal ×2).
  const grad = new Array<number>(n + 2).fill(0);
  const gl = new Float64Array(n);
  let gs = 0;
  let gn = 0;
  for (let a = 0; a < N; a++) {
    const oa = a * N;
    const Xa = Xs[a];
    for (let b = 0; b <= a; b++) {
      const ob = b * N;
      let kinv = 0;
      for (let k = a; k < N; k++) kinv += T[oa + k] * T[ob + k];
      const w = alpha[a] * alpha[b] - kinv;
      if (b === a) {
        gs += w * sf2;
        gn += w * sn2;
        continue;
      }
      const e = 2 * w * E[oa + b];
      const Xb = Xs[b];
      for (let d = 0; d < n; d++) {
        const t = Xa[d] - Xb[d];
        gl[d] += e * t * t;
      }
      gs += 2 * w * K[oa + b];
    }
  }
  for (let d = 0; d < n; d++) grad[d] = -0.5 * gl[d];
  grad[n] = -0.5 * gs;
  grad[n + 1] = -0.5 * gn;
  return { value, grad };
}

/** A GP conditioned on data with fixed hyperparameters. */
export class GaussianProcess {
  readonly X: number[][];
  readonly y: number[];
  private readonly invLen: number[];
  private readonly sf2: number;
  private readonly sn2: number;
  /** Cholesky factor of K + σn² I, packed rows. */
  private L: Float64Array[];
  private alpha: Float64Array;

  constructor(X: number[][], y: number[], hyper: GPHyper) {
    this.X = X.map((r) => r.slice());
    this.y = y.slice();
    this.invLen = hyper.logLengthscales.map((l) => Math.exp(-l));
    this.sf2 = Math.exp(hyper.logSignalVariance);
    this.sn2 = Math.exp(hyper.logNoiseVariance);
    const N = X.length;
    const K = new Float64Array(N * N);
    for (let a = 0; a < N; a++) {
      for (let b = 0; b < a; b++) K[a * N + b] = K[b * N + a] = this.kernel(X[a], X[b]);
      K[a * N + a] = this.sf2 + this.sn2;
    }
    const L = choleskyRowsWithJitter(K, N);
    if (L === null) throw new Error("GaussianProcess: covariance matrix is not positive definite even with jitter");
    this.L = L;
    this.alpha = solveUpperTRows(L, solveLowerRows(L, this.y));
  }

  kernel(a: ArrayLike<number>, b: ArrayLike<number>): number {
    return this.sf2 * matern52(scaledDistance(a, b, this.invLen));
  }

  /** Posterior mean and variance of the latent function at u. */
  predict(u: ArrayLike<number>): { mean: number; variance: number } {
    const N = this.X.length;
    const ks = new Float64Array(N);
    let mean = 0;
    for (let a = 0; a < N; a++) {
      ks[a] = this.kernel(this.X[a], u);
      mean += ks[a] * this.alpha[a];
    }
    const v = solveLowerRows(this.L, ks);
    let vv = 0;
    for (let a = 0; a < N; a++) vv += v[a] * v[a];
    return { mean, variance: Math.max(0, this.sf2 - vv) };
  }

  /** Posterior mean and variance at u with their gradients w.r.t. u. */
  predictWithGradient(u: ArrayLike<number>): { mean: number; variance: number; dmean: number[]; dvariance: number[] } {
    const N = this.X.length;
    const n = this.invLen.length;
    const ks = new Float64Array(N);
    const dfac = new Float64Array(N); // dk/du_d = dfac · (x_d − u_d)/ℓ_d²
    for (let a = 0; a < N; a++) {
      const r = scaledDistance(this.X[a], u, this.invLen);
      const ex = Math.exp(-SQRT5 * r);
      ks[a] = this.sf2 * (1 + SQRT5 * r + (5 / 3) * r * r) * ex;
      dfac[a] = this.sf2 * (5 / 3) * (1 + SQRT5 * r) * ex;
    }
    let mean = 0;
    for (let a = 0; a < N; a++) mean += ks[a] * this.alpha[a];
    const v = solveLowerRows(this.L, ks);
    let vv = 0;
    for (let a = 0; a < N; a++) vv += v[a] * v[a];
    const w = solveUpperTRows(this.L, v); // K^{-1} k*
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
    const l = solveLowerRows(this.L, ks);
    let d = this.sf2 + this.sn2;
    for (let a = 0; a < N; a++) d -= l[a] * l[a];
    const row = new Float64Array(N + 1);
    row.set(l);
    row[N] = Math.sqrt(Math.max(d, 1e-12 * (this.sf2 + this.sn2)));
    this.L.push(row);
    this.X.push(u.slice());
    this.y.push(yv);
    this.alpha = solveUpperTRows(this.L, solveLowerRows(this.L, this.y));
  }
}

/** Expected improvement and its gradient from a prediction with gradients. */
export function expectedImprovementWithGradient(
  p: { mean: number; variance: number; dmean: number[]; dvariance: number[] },
  best: number,
  xi = 0,
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
  const r = t * Math.exp(
    -ax * ax - 1.26551223 + t * (1.00002368 + t * (0.37409196 + t * (0.09678418 +
                  t * (-0.18628806 + t * (0.27886807 + t * (-1.13520398 + t * (1.48851587 + t * (-0.82215223 + t * 0.17087277)))))))),
  );
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
