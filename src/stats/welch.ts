// Welch power spectral density with scipy.signal.welch's defaults, and spectral peak measures.
import { assertPositiveInteger, type RealArray, StatsInputError } from "./errors.ts";
import { RealFft } from "./fft.ts";

/**
 * scipy.signal.welch's settings: sampling frequency (Hz), segment length, overlap and FFT length.
 *
 * @example
 * ```ts
 * import { welch, type WelchOptions } from "brainfit/stats";
 * const opts: WelchOptions = { fs: 1000 / 0.72, nperseg: 128, noverlap: 64 };
 * const { f, psd } = welch(new Float64Array(1024).map(Math.random), opts);
 * ```
 */
export interface WelchOptions {
  /** Sampling frequency in Hz. Default 1. */
  fs?: number;
  /** Segment length. Default 256, or the signal length when shorter (scipy's rule). */
  nperseg?: number;
  /** Overlap between segments. Default floor(nperseg / 2). */
  noverlap?: number;
  /** FFT length (zero padding), >= nperseg. Default nperseg. */
  nfft?: number;
}

/**
 * Frequencies (Hz) and the power spectral density (one row per input row).
 *
 * @example
 * ```ts
 * import { welch, type WelchResult } from "brainfit/stats";
 * const res: WelchResult = welch(new Float64Array(512).map(Math.random), { fs: 100 });
 * console.log(res.f.length, res.psd.length);
 * ```
 */
export interface WelchResult {
  /** Frequencies k * fs / nfft, k = 0 .. nfft/2. */
  f: Float64Array;
  /** One-sided power spectral density (units^2 / Hz); for welchRows (nRows x f.length). */
  psd: Float64Array;
}

/** scipy's periodic Hann window (get_window("hann", n), fftbins=True). */
export function hannPeriodic(n: number): Float64Array {
  assertPositiveInteger(n, "window length");
  // general_cosine over linspace(-pi, pi, n + 1), truncated to n points, as scipy computes it.
  const w = new Float64Array(n);
  const step = (2 * Math.PI) / n;
  for (let i = 0; i < n; i++) w[i] = 0.5 + 0.5 * Math.cos(-Math.PI + i * step);
  return w;
}

interface WelchPlan {
  fs: number;
  nperseg: number;
  noverlap: number;
  nfft: number;
  nSegments: number;
  window: Float64Array;
  scale: number;
  fft: RealFft;
  f: Float64Array;
}

function welchPlan(n: number, options: WelchOptions): WelchPlan {
  const fs = options.fs ?? 1;
  if (!(fs > 0)) throw new StatsInputError(`welch: fs must be a positive sampling frequency, got ${fs}`);
  let nperseg = options.nperseg ?? 256;
  assertPositiveInteger(nperseg, "welch nperseg");
  if (nperseg > n) nperseg = n; // scipy warns and uses the signal length
  const noverlap = options.noverlap ?? Math.floor(nperseg / 2);
  if (!Number.isInteger(noverlap) || noverlap < 0 || noverlap >= nperseg) {
    throw new StatsInputError(`welch: noverlap must be an integer in [0, nperseg), got ${noverlap} with nperseg ${nperseg}`);
  }
  const nfft = options.nfft ?? nperseg;
  if (!Number.isInteger(nfft) || nfft < nperseg) {
    throw new StatsInputError(`welch: nfft must be an integer >= nperseg (${nperseg}), got ${nfft}`);
  }
  const step = nperseg - noverlap;
  const nSegments = Math.floor((n - noverlap) / step);
  const window = hannPeriodic(nperseg);
  let s2 = 0;
  for (let i = 0; i < nperseg; i++) s2 += window[i]! * window[i]!;
  const fft = new RealFft(nfft);
  const f = new Float64Array(fft.nBins);
  for (let k = 0; k < f.length; k++) f[k] = (k * fs) / nfft; // numpy.fft.rfftfreq(nfft, 1/fs)
  return { fs, nperseg, noverlap, nfft, nSegments, window, scale: 1 / (fs * s2), fft, f };
}

function welchInto(x: ArrayLike<number>, offset: number, plan: WelchPlan, out: Float64Array, outOffset: number): void {
  const { nperseg, noverlap, nSegments, window, scale, fft, nfft } = plan;
  const nBins = fft.nBins;
  const seg = new Float64Array(nperseg);
  const re = new Float64Array(nBins);
  const im = new Float64Array(nBins);
  const step = nperseg - noverlap;
  for (let k = 0; k < nBins; k++) out[outOffset + k] = 0;
  for (let s = 0; s < nSegments; s++) {
    const start = offset + s * step;
    let sum = 0;
    for (let i = 0; i < nperseg; i++) sum += x[start + i]!;
    const m = sum / nperseg; // detrend="constant"
    for (let i = 0; i < nperseg; i++) seg[i] = window[i]! * (x[start + i]! - m);
    fft.forward(seg, re, im);
    for (let k = 0; k < nBins; k++) {
      let p = (re[k]! * re[k]! + im[k]! * im[k]!) * scale;
      // One-sided: double all bins but DC and (for even nfft) Nyquist.
      if (k > 0 && !(nfft % 2 === 0 && k === nBins - 1)) p *= 2;
      out[outOffset + k] = out[outOffset + k]! + p;
    }
  }
  for (let k = 0; k < nBins; k++) out[outOffset + k] = out[outOffset + k]! / nSegments;
}

/**
 * scipy.signal.welch(x, fs, nperseg=…, noverlap=…, nfft=…) with its defaults otherwise (Hann, constant detrend, density, one-sided, mean).
 *
 * @example
 * ```ts
 * import { welch } from "brainfit/stats";
 * const fs = 100; // Hz
 * const x = Float64Array.from({ length: 1000 }, (_, i) => Math.sin(2 * Math.PI * 10 * (i / fs)));
 * const { f, psd } = welch(x, { fs, nperseg: 256 }); // as scipy.signal.welch(x, fs, nperseg=256)
 * ```
 */
export function welch(x: RealArray | ArrayLike<number>, options: WelchOptions = {}): WelchResult {
  if (x.length === 0) throw new StatsInputError("welch: x is empty");
  const plan = welchPlan(x.length, options);
  const psd = new Float64Array(plan.f.length);
  welchInto(x, 0, plan, psd, 0);
  return { f: plan.f, psd };
}

/** Welch PSD of every row of a (nRows x nTime) array; psd is (nRows x nFreq) row-major. */
export function welchRows(data: RealArray, nRows: number, nTime: number, options: WelchOptions = {}): WelchResult {
  assertPositiveInteger(nRows, "nRows");
  assertPositiveInteger(nTime, "nTime");
  if (data.length !== nRows * nTime) {
    throw new StatsInputError(`welchRows: data has length ${data.length}, expected nRows*nTime = ${nRows * nTime}`);
  }
  const plan = welchPlan(nTime, options);
  const nf = plan.f.length;
  const psd = new Float64Array(nRows * nf);
  for (let r = 0; r < nRows; r++) welchInto(data, r * nTime, plan, psd, r * nf);
  return { f: plan.f, psd };
}

export interface PeakOptions {
  /** Only frequencies in [fmin, fmax] are considered. Default: all. */
  fmin?: number;
  fmax?: number;
}

function bandRange(f: Float64Array, options: PeakOptions): [number, number] {
  const lo = options.fmin ?? -Infinity;
  const hi = options.fmax ?? Infinity;
  let a = 0;
  while (a < f.length && f[a]! < lo) a++;
  let b = f.length - 1;
  while (b >= 0 && f[b]! > hi) b--;
  if (a > b) throw new StatsInputError(`peak frequency: no frequency in [${lo}, ${hi}]; widen fmin/fmax`);
  return [a, b];
}

function rowsOf(psd: Float64Array, nFreq: number): number {
  if (nFreq <= 0 || psd.length % nFreq !== 0) {
    throw new StatsInputError(`psd has length ${psd.length}, not a multiple of the ${nFreq} frequencies`);
  }
  return psd.length / nFreq;
}

/**
 * Per-row peak frequency by argmax (first maximum) of the PSD; psd is (nRows x f.length).
 *
 * @example
 * ```ts
 * import { peakFrequency, welch } from "brainfit/stats";
 * const fs = 100; // Hz
 * const x = Float64Array.from({ length: 1000 }, (_, i) => Math.sin(2 * Math.PI * 10 * (i / fs)));
 * const { f, psd } = welch(x, { fs, nperseg: 256 });
 * const [peak] = peakFrequency(f, psd, { fmin: 1, fmax: 40 }); // ≈ 10 Hz
 * ```
 */
export function peakFrequency(f: Float64Array, psd: Float64Array, options: PeakOptions = {}): Float64Array {
  const nf = f.length;
  const rows = rowsOf(psd, nf);
  const [a, b] = bandRange(f, options);
  const out = new Float64Array(rows);
  for (let r = 0; r < rows; r++) {
    let best = a;
    for (let k = a + 1; k <= b; k++) if (psd[r * nf + k]! > psd[r * nf + best]!) best = k;
    out[r] = f[best]!;
  }
  return out;
}

/**
 * Per-row differentiable peak frequency (soft-argmax) as tvboptim computes it:
 * weights = softmax(beta * psd / max(psd)), peak = sum(weights * f). Large beta approaches argmax.
 */
export function softPeakFrequency(f: Float64Array, psd: Float64Array, beta: number, options: PeakOptions = {}): Float64Array {
  if (!(beta > 0) || !Number.isFinite(beta)) {
    throw new StatsInputError(`softPeakFrequency: beta must be a positive temperature, got ${beta}`);
  }
  const nf = f.length;
  const rows = rowsOf(psd, nf);
  const [a, b] = bandRange(f, options);
  const out = new Float64Array(rows);
  for (let r = 0; r < rows; r++) {
    const o = r * nf;
    let max = -Infinity;
    for (let k = a; k <= b; k++) if (psd[o + k]! > max) max = psd[o + k]!;
    // softmax of beta * psd / max, shifted by its maximum beta for stability.
    let z = 0;
    let s = 0;
    for (let k = a; k <= b; k++) {
      const w = Math.exp(beta * (psd[o + k]! / max - 1));
      z += w;
      s += w * f[k]!;
    }
    out[r] = s / z;
  }
  return out;
}
