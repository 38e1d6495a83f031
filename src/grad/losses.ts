// Differentiable observations and losses: each value with its vector–Jacobian product (VJP),
// float64, with the same arithmetic as src/stats (fcTril, pearson, rmse, welch, softPeakFrequency)
// so values agree with the statistics fits report. Series are nodes × time, row-major (the
// stats layout). KS-based terms (FCD) are not differentiable: gofTermVjp names them in its error.
import type { NodePairs } from "../stats/fc.ts";
import { welchRows } from "../stats/welch.ts";

/**
 * Thrown when a gradient is asked of something that has none: a KS-based GOF term (−fcd_ks), a
 * penalty, FIC, or a multi-objective problem. The message names it.
 *
 * @example
 * ```ts
 * import { NotDifferentiableError, valueAndGrad, type FitProblem } from "brainfit/fit";
 * declare const problem: FitProblem; // e.g. one with gof ["+fc_corr", "-fcd_ks"]
 * try {
 *   valueAndGrad(problem, [[0.5]]);
 * } catch (err) {
 *   if (err instanceof NotDifferentiableError) console.error(err.message); // names '-fcd_ks'
 * }
 * ```
 */
export class NotDifferentiableError extends Error {
  constructor(term: string, why: string) {
    super(`GOF term '${term}' is not differentiable (${why}); drop it for gradient: "adjoint", or use gradient: "finite-difference"`);
    this.name = "NotDifferentiableError";
  }
}

/** FC lower triangle of (nodes × T) data for `pairs`, with its VJP (gradient wrt the data). */
export function fcTrilWithVjp(data: Float64Array, n: number, T: number, pairs: NodePairs) {
  const u = new Float64Array(n * T);
  const norm = new Float64Array(n);
  for (let i = 0; i < n; i++) {
    let s = 0;
    for (let t = 0; t < T; t++) s += data[i * T + t]!;
    const m = s / T;
    let ss = 0;
    for (let t = 0; t < T; t++) {
      const d = data[i * T + t]! - m;
      u[i * T + t] = d;
      ss += d * d;
    }
    norm[i] = Math.sqrt(ss);
    const inv = 1 / norm[i]!;
    for (let t = 0; t < T; t++) u[i * T + t] = u[i * T + t]! * inv;
  }
  const tril = new Float64Array(pairs.length);
  for (let k = 0; k < pairs.length; k++) {
    const a = pairs.rows[k]! * T, b = pairs.cols[k]! * T;
    let s = 0;
    for (let t = 0; t < T; t++) s += u[a + t]! * u[b + t]!;
    tril[k] = s > 1 ? 1 : s < -1 ? -1 : s;
  }
  const vjp = (g: Float64Array): Float64Array => {
    const gu = new Float64Array(n * T);
    for (let k = 0; k < pairs.length; k++) {
      const gk = g[k]!;
      if (gk === 0) continue;
      const a = pairs.rows[k]! * T, b = pairs.cols[k]! * T;
      for (let t = 0; t < T; t++) {
        gu[a + t] += gk * u[b + t]!;
        gu[b + t] += gk * u[a + t]!;
      }
    }
    // u = c/|c|, c = x − mean(x): dx = P_mean((gu − u (u·gu)) / |c|)
    const gx = new Float64Array(n * T);
    for (let i = 0; i < n; i++) {
      let dot = 0;
      for (let t = 0; t < T; t++) dot += u[i * T + t]! * gu[i * T + t]!;
      let mean = 0;
      for (let t = 0; t < T; t++) {
        const v = (gu[i * T + t]! - u[i * T + t]! * dot) / norm[i]!;
        gx[i * T + t] = v;
        mean += v;
      }
      mean /= T;
      for (let t = 0; t < T; t++) gx[i * T + t] = gx[i * T + t]! - mean;
    }
    return gx;
  };
  return { tril, vjp };
}

/** Pearson correlation of a with a fixed b, and d r / d a. */
export function pearsonWithGrad(a: ArrayLike<number>, b: ArrayLike<number>): { value: number; grad: Float64Array } {
  const n = a.length;
  let ma = 0, mb = 0;
  for (let i = 0; i < n; i++) {
    ma += a[i]!;
    mb += b[i]!;
  }
  ma /= n;
  mb /= n;
  let sab = 0, saa = 0, sbb = 0;
  for (let i = 0; i < n; i++) {
    const da = a[i]! - ma, db = b[i]! - mb;
    sab += da * db;
    saa += da * da;
    sbb += db * db;
  }
  const r = sab / Math.sqrt(saa * sbb);
  const grad = new Float64Array(n);
  const na = Math.sqrt(saa), nb = Math.sqrt(sbb);
  for (let i = 0; i < n; i++) grad[i] = ((b[i]! - mb) / nb - (r * (a[i]! - ma)) / na) / na;
  return { value: r > 1 ? 1 : r < -1 ? -1 : r, grad };
}

/** sqrt(mean((a − b)²)) and its gradient wrt a. */
export function rmseWithGrad(a: ArrayLike<number>, b: ArrayLike<number>): { value: number; grad: Float64Array } {
  const n = a.length;
  let s = 0;
  for (let i = 0; i < n; i++) s += (a[i]! - b[i]!) ** 2;
  const value = Math.sqrt(s / n);
  const grad = new Float64Array(n);
  if (value > 0) { for (let i = 0; i < n; i++) grad[i] = (a[i]! - b[i]!) / (n * value); }
  return { value, grad };
}

/** mean(|a − b|) and its (sub)gradient wrt a. */
export function maeWithGrad(a: ArrayLike<number>, b: ArrayLike<number>): { value: number; grad: Float64Array } {
  const n = a.length;
  let s = 0;
  const grad = new Float64Array(n);
  for (let i = 0; i < n; i++) {
    const d = a[i]! - b[i]!;
    s += Math.abs(d);
    grad[i] = Math.sign(d) / n;
  }
  return { value: s / n, grad };
}

/** |mean(a) − mean(b)| (cuBNM's fc_diff) and its gradient wrt a. */
export function meanDiffWithGrad(a: ArrayLike<number>, b: ArrayLike<number>): { value: number; grad: Float64Array } {
  let sa = 0, sb = 0;
  for (let i = 0; i < a.length; i++) sa += a[i]!;
  for (let i = 0; i < b.length; i++) sb += b[i]!;
  const d = sa / a.length - sb / b.length;
  return { value: Math.abs(d), grad: new Float64Array(a.length).fill(Math.sign(d) / a.length) };
}

export interface PsdPeakOptions {
  fs: number;
  nperseg: number;
  fmin?: number;
  fmax?: number;
  /** Soft-argmax temperature (tvboptim's): weights = softmax(beta · psd / max(psd)). */
  beta: number;
}

/**
 * Per-node soft-argmax peak frequency of the Welch PSD (scipy's defaults: periodic Hann, half
 * overlap, constant detrend, density scaling; softPeakFrequency's weights), with its VJP.
 */
export function softPeaksWithVjp(data: Float64Array, n: number, T: number, o: PsdPeakOptions) {
  const { f, psd } = welchRows(data, n, T, { fs: o.fs, nperseg: o.nperseg });
  const nf = f.length;
  const lo = o.fmin ?? -Infinity, hi = o.fmax ?? Infinity;
  let a = 0;
  while (a < nf && f[a]! < lo) a++;
  let b = nf - 1;
  while (b >= 0 && f[b]! > hi) b--;
  if (a > b) throw new Error(`psd peak: no frequency in [${lo}, ${hi}]; widen fmin/fmax`);
  const peaks = new Float64Array(n);
  const w = new Float64Array(n * nf);
  const argmax = new Int32Array(n);
  const maxes = new Float64Array(n);
  for (let r = 0; r < n; r++) {
    const off = r * nf;
    let max = -Infinity, at = a;
    for (let k = a; k <= b; k++) {
      if (psd[off + k]! > max) {
        max = psd[off + k]!;
        at = k;
      }
    }
    let zsum = 0, s = 0;
    for (let k = a; k <= b; k++) {
      const e = Math.exp(o.beta * (psd[off + k]! / max - 1));
      w[off + k] = e;
      zsum += e;
      s += e * f[k]!;
    }
    for (let k = a; k <= b; k++) w[off + k] = w[off + k]! / zsum;
    peaks[r] = s / zsum;
    argmax[r] = at;
    maxes[r] = max;
  }
  // Welch geometry (as stats/welch.ts's plan).
  const L = Math.min(o.nperseg, T);
  const step = L - Math.floor(L / 2);
  const nSeg = Math.floor((T - Math.floor(L / 2)) / step);
  const win = new Float64Array(L);
  let s2 = 0;
  for (let i = 0; i < L; i++) {
    win[i] = 0.5 + 0.5 * Math.cos(-Math.PI + (i * 2 * Math.PI) / L);
    s2 += win[i]! * win[i]!;
  }
  const scale = 1 / (o.fs * s2);
  const cos = new Float64Array(nf * L), sin = new Float64Array(nf * L);
  for (let k = 0; k < nf; k++) {
    for (let t = 0; t < L; t++) {
      const th = (2 * Math.PI * ((k * t) % L)) / L;
      cos[k * L + t] = Math.cos(th);
      sin[k * L + t] = Math.sin(th);
    }
  }
  const vjp = (gPeaks: Float64Array): Float64Array => {
    const gx = new Float64Array(n * T);
    const gPsd = new Float64Array(nf);
    const y = new Float64Array(L), gy = new Float64Array(L);
    for (let r = 0; r < n; r++) {
      const off = r * nf, gp = gPeaks[r]!;
      if (gp === 0) continue;
      gPsd.fill(0);
      // peak = Σ w_k f_k, w = softmax(s), s_k = β psd_k / max.
      let corr = 0;
      for (let k = a; k <= b; k++) {
        const gs = gp * w[off + k]! * (f[k]! - peaks[r]!);
        gPsd[k] = gPsd[k]! + (o.beta / maxes[r]!) * gs;
        corr += (gs * o.beta * psd[off + k]!) / (maxes[r]! * maxes[r]!);
      }
      gPsd[argmax[r]!] = gPsd[argmax[r]!]! - corr;
      for (let sIdx = 0; sIdx < nSeg; sIdx++) {
        const start = r * T + sIdx * step;
        let m = 0;
        for (let t = 0; t < L; t++) m += data[start + t]!;
        m /= L;
        for (let t = 0; t < L; t++) y[t] = win[t]! * (data[start + t]! - m);
        gy.fill(0);
        for (let k = a; k <= b; k++) {
          if (gPsd[k] === 0) continue;
          let re = 0, im = 0;
          for (let t = 0; t < L; t++) {
            re += y[t]! * cos[k * L + t]!;
            im -= y[t]! * sin[k * L + t]!;
          }
          const one = k > 0 && !(L % 2 === 0 && k === nf - 1) ? 2 : 1;
          const c = (gPsd[k]! * one * scale * 2) / nSeg;
          // d|X|²/dy_t = 2 (re cos θ − im sin θ)
          for (let t = 0; t < L; t++) gy[t] += c * (re * cos[k * L + t]! - im * sin[k * L + t]!);
        }
        let gm = 0;
        for (let t = 0; t < L; t++) {
          gy[t] = gy[t]! * win[t]!;
          gm += gy[t]!;
        }
        gm /= L;
        for (let t = 0; t < L; t++) gx[start + t] += gy[t]! - gm;
      }
    }
    return gx;
  };
  return { peaks, vjp };
}
