// Two-sample Kolmogorov–Smirnov test with scipy.stats.ks_2samp's semantics (two-sided).
//
// Statistic: D = max over all data points of |F1 - F2| (right-continuous empirical CDFs).
// p-value, method "auto" (scipy's default): exact when max(n1, n2) <= 10000, else asymptotic.
//  - exact: scipy's lattice-path counts (_compute_prob_outside_square for n1 == n2,
//    _compute_outer_prob_inside_method otherwise); D is rounded to h / lcm(n1, n2) as scipy does.
//  - asymptotic: scipy's kstwo.sf(D, round(n1 n2 / (n1 + n2))), i.e. the exact one-sample
//    Kolmogorov distribution at the effective size, evaluated with Simard & L'Ecuyer's choices
//    (Ruben–Gambino edges, 2*smirnov, Durbin matrix, Pomeranz, Pelz–Good). Agreement with scipy
//    is checked in test/stats/ks.test.ts.
import { type RealArray, roundHalfEven, StatsInputError } from "./errors.ts";

export type KsMethod = "auto" | "exact" | "asymp";

/**
 * ks2samp's answer as scipy gives it: the statistic, its p-value, the method used, and the
 * sign of the largest difference.
 *
 * @example
 * ```ts
 * import { ks2samp, type KsResult } from "brainfit/stats";
 * const res: KsResult = ks2samp([1, 2, 3], [2, 3, 4, 5], { method: "exact" });
 * ```
 */
export interface KsResult {
  statistic: number;
  pvalue: number;
  /** The method that produced the p-value. */
  method: "exact" | "asymp";
  /** +1 when F1 - F2 attains the maximum (scipy's statistic_sign), -1 otherwise. */
  statisticSign: 1 | -1;
}

const MAX_AUTO_N = 10000;

function sortedCopy(x: RealArray | ArrayLike<number>, field: string): Float64Array {
  if (x.length === 0) throw new StatsInputError(`ks2samp: ${field} is empty; both samples need at least one value`);
  const out = Float64Array.from(x as ArrayLike<number>);
  out.sort();
  return out;
}

/** Largest positive and negative differences F1 - F2 over the data points of two sorted samples. */
function cdfExtremes(a: Float64Array, b: Float64Array): { maxS: number; minS: number } {
  const n1 = a.length;
  const n2 = b.length;
  // Sorting puts NaN last; a NaN sample gives a NaN statistic (scipy's nan_policy "propagate").
  if (Number.isNaN(a[n1 - 1]!) || Number.isNaN(b[n2 - 1]!)) return { maxS: NaN, minS: NaN };
  let i = 0;
  let j = 0;
  let maxDiff = -Infinity;
  let minDiff = Infinity;
  while (i < n1 || j < n2) {
    const v = i < n1 && (j >= n2 || a[i]! <= b[j]!) ? a[i]! : b[j]!;
    while (i < n1 && a[i]! <= v) i++;
    while (j < n2 && b[j]! <= v) j++;
    const d = i / n1 - j / n2;
    if (d > maxDiff) maxDiff = d;
    if (d < minDiff) minDiff = d;
  }
  return { maxS: maxDiff, minS: Math.min(Math.max(-minDiff, 0), 1) };
}

/** KS statistic of two samples that are already sorted ascending (no copies; for batch use). */
export function ksStatisticSorted(sortedA: Float64Array, sortedB: Float64Array): number {
  if (sortedA.length === 0 || sortedB.length === 0) throw new StatsInputError("ksStatisticSorted: a sample is empty");
  const { maxS, minS } = cdfExtremes(sortedA, sortedB);
  return minS > maxS ? minS : maxS;
}

/**
 * Two-sided KS statistic of two samples (scipy's value in asymptotic mode; unrounded).
 *
 * @example
 * ```ts
 * import { ksStatistic } from "brainfit/stats";
 * const d = ksStatistic([0.1, 0.4, 0.5, 0.9], [0.3, 0.6, 0.7, 0.8]); // 0.5
 * ```
 */
export function ksStatistic(a: RealArray | ArrayLike<number>, b: RealArray | ArrayLike<number>): number {
  return ksStatisticSorted(sortedCopy(a, "a"), sortedCopy(b, "b"));
}

/** KS statistic of each simulated sample against one empirical sample, sorting the empirical one once. */
export function ksStatisticBatch(simulated: ArrayLike<RealArray>, empirical: RealArray | ArrayLike<number>): Float64Array {
  const emp = sortedCopy(empirical, "empirical");
  const out = new Float64Array(simulated.length);
  for (let s = 0; s < simulated.length; s++) out[s] = ksStatisticSorted(sortedCopy(simulated[s]!, `simulated[${s}]`), emp);
  return out;
}

function gcd(a: number, b: number): number {
  while (b) [a, b] = [b, a % b];
  return a;
}

/**
 * scipy.stats.ks_2samp(a, b) (two-sided) with method "auto" (default), "exact" or "asymp".
 *
 * @example
 * ```ts
 * import { ks2samp } from "brainfit/stats";
 * const { statistic, pvalue } = ks2samp([0.1, 0.4, 0.5, 0.9], [0.3, 0.6, 0.7, 0.8]);
 * ```
 */
export function ks2samp(
  a: RealArray | ArrayLike<number>,
  b: RealArray | ArrayLike<number>,
  options: { method?: KsMethod } = {},
): KsResult {
  const x = sortedCopy(a, "a");
  const y = sortedCopy(b, "b");
  const n1 = x.length;
  const n2 = y.length;
  const { maxS, minS } = cdfExtremes(x, y);
  let d = minS > maxS ? minS : maxS;
  const statisticSign: 1 | -1 = minS > maxS ? -1 : 1;
  if (Number.isNaN(d)) return { statistic: NaN, pvalue: NaN, method: "asymp", statisticSign };
  const g = gcd(n1, n2);
  let mode = options.method ?? "auto";
  if (mode === "auto") mode = Math.max(n1, n2) <= MAX_AUTO_N ? "exact" : "asymp";
  else if (mode === "exact" && n1 / g >= 2147483647 / (n2 / g)) mode = "asymp";
  let prob = NaN;
  if (mode === "exact") {
    const lcm = (n1 / g) * n2;
    const h = roundHalfEven(d * lcm);
    d = h / lcm;
    if (h === 0) prob = 1;
    else prob = n1 === n2 ? probOutsideSquare(n1, h) : outerProbInsideMethod(n1, n2, g, h);
    if (!(prob >= 0 && prob <= 1)) mode = "asymp"; // scipy falls back the same way
  }
  if (mode === "asymp") {
    const m = Math.max(n1, n2);
    const n = Math.min(n1, n2);
    const en = (m * n) / (m + n);
    prob = kolmogorovSf(roundHalfEven(en), d);
  }
  prob = Math.min(Math.max(prob, 0), 1);
  return { statistic: d, pvalue: prob, method: mode, statisticSign };
}

/** Pr(D_{n,n} >= h/n) (scipy's _compute_prob_outside_square, Horner-like alternating sum). */
function probOutsideSquare(n: number, h: number): number {
  let p = 0;
  for (let k = Math.floor(n / h); k >= 0; k--) {
    let p1 = 1;
    for (let j = 0; j < h; j++) p1 = ((n - k * h - j) * p1) / (n + k * h + j + 1);
    p = p1 * (1 - p);
  }
  return 2 * p;
}

/** Proportion of lattice paths leaving the band |x/m - y/n| < h/lcm (scipy's _compute_outer_prob_inside_method). */
function outerProbInsideMethod(m0: number, n0: number, g: number, h: number): number {
  const m = Math.max(m0, n0);
  const n = Math.min(m0, n0);
  const mg = m / g;
  const ng = n / g;
  let minj = 0;
  let maxj = Math.min(Math.ceil(h / mg), n + 1);
  let curlen = maxj - minj;
  const lenA = Math.min(2 * maxj + 2, n + 1);
  const A = new Float64Array(lenA).fill(1);
  for (let k = minj; k < maxj; k++) A[k] = 0;
  for (let i = 1; i <= m; i++) {
    const lastminj = minj;
    const lastlen = curlen;
    minj = Math.max(Math.floor((ng * i - h) / mg) + 1, 0);
    minj = Math.min(minj, n);
    maxj = Math.min(Math.ceil((ng * i + h) / mg), n + 1);
    if (maxj <= minj) return 1;
    let val = minj === 0 ? 0 : 1;
    for (let jj = 0; jj < maxj - minj; jj++) {
      const j = jj + minj;
      val = (A[jj + minj - lastminj]! * i + val * j) / (i + j);
      A[jj] = val;
    }
    curlen = maxj - minj;
    if (lastlen > curlen) {
      for (let k = maxj - minj; k < maxj - minj + (lastlen - curlen) && k < lenA; k++) A[k] = 1;
    }
  }
  return A[maxj - minj - 1]!;
}

// ---- One-sample Kolmogorov distribution: survival function of D_n (scipy.stats.kstwo.sf) ----

const LOG_2PI = Math.log(2 * Math.PI);
const STIRLING_COEFFS = [
  -2.955065359477124183e-2,
  6.4102564102564102564e-3,
  -1.9175269175269175269e-3,
  8.4175084175084175084e-4,
  -5.952380952380952381e-4,
  7.9365079365079365079e-4,
  -2.7777777777777777778e-3,
  8.3333333333333333333e-2,
];

function logNFactorialDivNPowN(n: number): number {
  const rn = 1 / n;
  const r2 = rn / n;
  let poly = 0;
  for (const c of STIRLING_COEFFS) poly = poly * r2 + c;
  return Math.log(n) / 2 - n + LOG_2PI / 2 + rn * poly;
}

/** x * 2^e without intermediate overflow/underflow. */
function ldexp(x: number, e: number): number {
  while (e > 1000) {
    x *= 2 ** 1000;
    e -= 1000;
  }
  while (e < -1000) {
    x *= 2 ** -1000;
    e += 1000;
  }
  return x * 2 ** e;
}

function clip01(p: number): number {
  return Math.min(Math.max(p, 0), 1);
}

/**
 * One-sided Smirnov survival function Pr(D_n^+ >= x) (scipy.special.smirnov), by the exact
 * Birnbaum–Tingey sum x * sum_j C(n, j) (1 - x - j/n)^(n-j) (x + j/n)^(j-1), summed in log space.
 */
export function smirnovSf(n: number, x: number): number {
  if (!(x > 0)) return 1;
  if (x >= 1) return 0;
  const jMax = Math.floor(n * (1 - x));
  const logs = new Float64Array(jMax + 1);
  let top = -Infinity;
  // log C(n, j) accumulated term by term keeps the rounding error small (no log(n!) of size n log n).
  let logBinom = 0;
  for (let j = 0; j <= jMax; j++) {
    if (j > 0) logBinom += Math.log((n - j + 1) / j);
    const v = x + j / n;
    const lt = n - j > 0 && v >= 1 ? -Infinity : logBinom + (n - j) * Math.log1p(-v) + (j - 1) * Math.log(v);
    logs[j] = lt;
    if (lt > top) top = lt;
  }
  let s = 0;
  for (let j = 0; j <= jMax; j++) s += Math.exp(logs[j]! - top);
  return clip01(x * s * Math.exp(top));
}

/** Durbin matrix (Marsaglia–Tsang–Wang) CDF Pr(D_n <= d), scipy's _kolmogn_DMTW. */
function kolmogornCdfDurbin(n: number, d: number): number {
  if (d >= 1) return 1;
  const nd = n * d;
  if (nd <= 0.5) return 0;
  const k = Math.ceil(nd);
  const h = k - nd;
  const m = 2 * k - 1;
  const v = new Float64Array(m);
  const w = new Float64Array(m);
  let fac = 1;
  for (let j = 1; j <= m; j++) {
    w[j - 1] = fac;
    fac /= j;
    v[j - 1] = (1 - h ** j) * fac;
  }
  const tt = Math.max(2 * h - 1, 0) ** m - 2 * h ** m;
  v[m - 1] = (1 + tt) * fac;
  let H: Float64Array = new Float64Array(m * m);
  for (let i = 1; i < m; i++) for (let r = i - 1; r < m; r++) H[r * m + i] = w[r - (i - 1)]!;
  for (let r = 0; r < m; r++) H[r * m] = v[r]!;
  for (let c = 0; c < m; c++) H[(m - 1) * m + c] = v[m - 1 - c]!;
  let P: Float64Array = new Float64Array(m * m);
  for (let i = 0; i < m; i++) P[i * m + i] = 1;
  const EP = 2 ** 128;
  let nn = n;
  let expnt = 0;
  let hExpnt = 0;
  while (nn > 0) {
    if (nn % 2) {
      P = matmul(P, H, m);
      expnt += hExpnt;
    }
    H = matmul(H, H, m);
    hExpnt *= 2;
    if (Math.abs(H[(k - 1) * m + (k - 1)]!) > EP) {
      for (let i = 0; i < m * m; i++) H[i] = H[i]! / EP;
      hExpnt += 128;
    }
    nn = Math.floor(nn / 2);
  }
  let p = P[(k - 1) * m + (k - 1)]!;
  const EM = 2 ** -128;
  for (let i = 1; i <= n; i++) {
    p = (i * p) / n;
    if (Math.abs(p) < EM) {
      p *= EP;
      expnt -= 128;
    }
  }
  return clip01(ldexp(p, expnt));
}

function matmul(a: Float64Array, b: Float64Array, m: number): Float64Array {
  const c = new Float64Array(m * m);
  for (let i = 0; i < m; i++) {
    for (let k = 0; k < m; k++) {
      const aik = a[i * m + k]!;
      if (aik === 0) continue;
      for (let j = 0; j < m; j++) c[i * m + j] = c[i * m + j]! + aik * b[k * m + j]!;
    }
  }
  return c;
}

function pomeranzJ1J2(i: number, n: number, ll: number, ceilf: number, roundf: number): [number, number] {
  let j1: number;
  let j2: number;
  if (i === 0) {
    j1 = -ll - ceilf - 1;
    j2 = ll + ceilf - 1;
  } else {
    const ip1div2 = Math.floor((i + 1) / 2);
    const ip1mod2 = (i + 1) % 2;
    if (ip1mod2 === 0) {
      if (ip1div2 === n + 1) {
        j1 = n - ll - ceilf - 1;
        j2 = n + ll + ceilf - 1;
      } else {
        j1 = ip1div2 - 1 - ll - roundf - 1;
        j2 = ip1div2 + ll - 1 + ceilf - 1;
      }
    } else {
      j1 = ip1div2 - 1 - ll - 1;
      j2 = ip1div2 + ll + roundf - 1;
    }
  }
  return [Math.max(j1 + 2, 0), Math.min(j2, n)];
}

/** Pomeranz recursion CDF Pr(D_n <= x), scipy's _kolmogn_Pomeranz. */
function kolmogornCdfPomeranz(n: number, x: number): number {
  const t = n * x;
  const ll = Math.floor(t);
  const f = t - ll;
  const g = Math.min(f, 1 - f);
  const ceilf = f > 0 ? 1 : 0;
  const roundf = f > 0.5 ? 1 : 0;
  const npwrs = 2 * (ll + 1);
  const gpower = new Float64Array(npwrs);
  const twogpower = new Float64Array(npwrs);
  const onem2gpower = new Float64Array(npwrs);
  gpower[0] = 1;
  twogpower[0] = 1;
  onem2gpower[0] = 1;
  const gn = g / n;
  const g2n = (2 * g) / n;
  const om2gn = (1 - 2 * g) / n;
  for (let m = 1; m < npwrs; m++) {
    gpower[m] = (gpower[m - 1]! * gn) / m;
    twogpower[m] = (twogpower[m - 1]! * g2n) / m;
    onem2gpower[m] = (onem2gpower[m - 1]! * om2gn) / m;
  }
  const EP = 2 ** 128;
  const EM = 2 ** -128;
  let expnt = 0;
  let V0 = new Float64Array(npwrs);
  let V1 = new Float64Array(npwrs);
  V1[0] = 1;
  let V0s = 0;
  let V1s = 0;
  let [j1, j2] = pomeranzJ1J2(0, n, ll, ceilf, roundf);
  for (let i = 1; i < 2 * n + 2; i++) {
    const k1 = j1;
    [V0, V1] = [V1, V0];
    [V0s, V1s] = [V1s, V0s];
    V1.fill(0);
    [j1, j2] = pomeranzJ1J2(i, n, ll, ceilf, roundf);
    const pwrs = i === 1 || i === 2 * n + 1 ? gpower : i % 2 ? twogpower : onem2gpower;
    const ln2 = j2 - k1 + 1;
    if (ln2 > 0) {
      // np.convolve(V0[k1 - V0s : k1 - V0s + ln2], pwrs[:ln2]), entries conv_start .. conv_start + conv_len
      const start = k1 - V0s;
      const aLen = Math.min(ln2, npwrs - start, pwrs.length);
      const bLen = Math.min(ln2, npwrs);
      const convStart = j1 - k1;
      const convLen = j2 - j1 + 1;
      let max = 0;
      for (let c = 0; c < convLen; c++) {
        const idx = convStart + c;
        let s = 0;
        const pLo = Math.max(0, idx - (bLen - 1));
        const pHi = Math.min(aLen - 1, idx);
        for (let p = pLo; p <= pHi; p++) s += V0[start + p]! * pwrs[idx - p]!;
        V1[c] = s;
        if (s > max) max = s;
      }
      if (max > 0 && max < EM) {
        for (let c = 0; c < npwrs; c++) V1[c] = V1[c]! * EP;
        expnt -= 128;
      }
      V1s = V0s + j1 - k1;
    }
  }
  let ans = V1[n - V1s]!;
  for (let m = 1; m <= n; m++) {
    if (Math.abs(ans) > EP) {
      ans *= EM;
      expnt += 128;
    }
    ans *= m;
  }
  return clip01(ldexp(ans, expnt));
}

/** Pelz–Good asymptotic CDF Pr(D_n <= x), scipy's _kolmogn_PelzGood. */
function kolmogornCdfPelzGood(n: number, x: number): number {
  if (x <= 0) return 0;
  if (x >= 1) return 1;
  const PI2 = Math.PI ** 2;
  const PI4 = Math.PI ** 4;
  const PI6 = Math.PI ** 6;
  const SQRT2PI = Math.sqrt(2 * Math.PI);
  const z = Math.sqrt(n) * x;
  const z2 = z * z;
  const z4 = z2 * z2;
  const z6 = z4 * z2;
  const qlog = -PI2 / 8 / z2;
  if (qlog < -708) return 0;
  let q = Math.exp(qlog);
  const k1a = -z2;
  const k1b = PI2 / 4;
  const k2a = 6 * z6 + 2 * z4;
  const k2b = ((2 * z4 - 5 * z2) * PI2) / 4;
  const k2c = (PI4 * (1 - 2 * z2)) / 16;
  const k3d = (PI6 * (5 - 30 * z2)) / 64;
  const k3c = (PI4 * (-60 * z2 + 212 * z4)) / 16;
  const k3b = (PI2 * (135 * z4 - 96 * z6)) / 4;
  const k3a = -30 * z6 - 90 * z ** 8;
  const K = [0, 0, 0, 0];
  const maxk = Math.ceil((16 * z) / Math.PI);
  for (let k = maxk; k > 0; k--) {
    const mm = 2 * k - 1;
    const m2 = mm * mm;
    const m4 = m2 * m2;
    const m6 = m4 * m2;
    const qp = q ** (8 * k);
    const c = [1, k1a + k1b * m2, k2a + k2b * m2 + k2c * m4, k3a + k3b * m2 + k3c * m4 + k3d * m6];
    for (let i = 0; i < 4; i++) K[i] = K[i]! * qp + c[i]!;
  }
  const div = [z, 6 * z4, 72 * z ** 7, 6480 * z ** 10];
  for (let i = 0; i < 4; i++) K[i] = (K[i]! * q * SQRT2PI) / div[i]!;
  q = Math.exp(-PI2 / 2 / z2);
  let k2extra = 0;
  let k3extra = 0;
  const sqrt3z = Math.sqrt(3) * z;
  for (let k = maxk; k > 0; k--) {
    const k2 = k * k;
    const qk = q ** k2;
    k2extra += k2 * qk;
    const kpi = Math.PI * k;
    k3extra += (sqrt3z + kpi) * (sqrt3z - kpi) * k2 * qk;
  }
  K[2] = K[2]! + (k2extra * PI2 * SQRT2PI) / (-36 * z ** 3);
  K[3] = K[3]! + (k3extra * PI2 * SQRT2PI) / (216 * z6);
  let sum = 0;
  for (let i = 0; i < 4; i++) sum += K[i]! / n ** (i / 2);
  return sum;
}

/** Survival function Pr(D_n >= x) of the two-sided one-sample KS statistic (scipy.stats.kstwo.sf). */
export function kolmogorovSf(n: number, x: number): number {
  if (!Number.isInteger(n) || n <= 0) return NaN;
  if (Number.isNaN(x)) return NaN;
  if (x >= 1) return 0;
  if (x <= 0) return 1;
  const t = n * x;
  if (t <= 1) {
    if (t <= 0.5) return 1;
    let prob: number;
    if (n <= 140) {
      prob = 1;
      for (let i = 1; i <= n; i++) prob *= i * (1 / n) * (2 * t - 1);
    } else {
      prob = Math.exp(logNFactorialDivNPowN(n) + n * Math.log(2 * t - 1));
    }
    return clip01(1 - prob);
  }
  if (t >= n - 1) return clip01(2 * (1 - x) ** n);
  if (x >= 0.5) return clip01(2 * smirnovSf(n, x));
  const nx2 = t * x;
  if (n <= 140) {
    if (nx2 <= 0.754693) return clip01(1 - kolmogornCdfDurbin(n, x));
    if (nx2 <= 4) return clip01(1 - kolmogornCdfPomeranz(n, x));
    return clip01(2 * smirnovSf(n, x));
  }
  if (nx2 >= 370) return 0;
  if (nx2 >= 2.2) return clip01(2 * smirnovSf(n, x));
  let cdf: number;
  if (nx2 >= 18) cdf = 1;
  else if (n <= 100000 && n * x ** 1.5 <= 1.4) cdf = kolmogornCdfDurbin(n, x);
  else cdf = kolmogornCdfPelzGood(n, x);
  return clip01(1 - cdf);
}
