// Signal helpers: z-scoring, hnn-core's Hamming smoothing, scaling.
import { assertPositiveInteger, type RealArray, roundHalfEven, StatsInputError } from "./errors.ts";

/** Mean of a[offset .. offset+length). */
function mean(a: ArrayLike<number>, offset = 0, length = a.length - offset): number {
  let s = 0;
  for (let i = 0; i < length; i++) s += a[offset + i]!;
  return s / length;
}

/**
 * Z-score one vector with ddof 0 (scipy.stats.zscore): (x - mean) / std, std = sqrt(mean((x-mean)^2)).
 * A constant vector gives NaN, as scipy does.
 *
 * @example
 * ```ts
 * import { zscore } from "brainfit/stats";
 * const z = zscore([1, 2, 3]); // Float64Array [-1.2247…, 0, 1.2247…]
 * ```
 */
export function zscore(x: RealArray | ArrayLike<number>): Float64Array {
  const n = x.length;
  if (n === 0) throw new StatsInputError("zscore: x is empty; pass at least one sample");
  const out = new Float64Array(n);
  const m = mean(x);
  let ss = 0;
  for (let i = 0; i < n; i++) {
    const d = x[i]! - m;
    out[i] = d;
    ss += d * d;
  }
  const sd = Math.sqrt(ss / n);
  for (let i = 0; i < n; i++) out[i] = out[i]! / sd;
  return out;
}

/**
 * Z-score each row of a row-major (rows x cols) matrix, ddof 0, like scipy.stats.zscore(v, axis=1).
 * For BOLD this is (nodes x time): every node's series is z-scored over time.
 */
export function zscoreRows(data: RealArray, rows: number, cols: number): Float64Array {
  assertPositiveInteger(rows, "rows");
  assertPositiveInteger(cols, "cols");
  if (data.length !== rows * cols) {
    throw new StatsInputError(`zscoreRows: data has length ${data.length}, expected rows*cols = ${rows * cols}`);
  }
  const out = new Float64Array(rows * cols);
  for (let r = 0; r < rows; r++) {
    const off = r * cols;
    let s = 0;
    for (let c = 0; c < cols; c++) s += data[off + c]!;
    const m = s / cols;
    let ss = 0;
    for (let c = 0; c < cols; c++) {
      const d = data[off + c]! - m;
      out[off + c] = d;
      ss += d * d;
    }
    const sd = Math.sqrt(ss / cols);
    for (let c = 0; c < cols; c++) out[off + c] = out[off + c]! / sd;
  }
  return out;
}

/** numpy.hamming(m): symmetric Hamming window 0.54 - 0.46 cos(2 pi n / (m - 1)); hamming(1) = [1]. */
export function hammingWindow(m: number): Float64Array {
  assertPositiveInteger(m, "hammingWindow length");
  const w = new Float64Array(m);
  if (m === 1) {
    w[0] = 1;
    return w;
  }
  for (let n = 0; n < m; n++) w[n] = 0.54 - 0.46 * Math.cos((2 * Math.PI * n) / (m - 1));
  return w;
}

/**
 * np.convolve(x, kernel, mode="same"): output of length max(len x, len kernel),
 * centred on the full convolution (offset (min len - 1) / 2, as numpy does).
 */
export function convolveSame(x: ArrayLike<number>, kernel: ArrayLike<number>): Float64Array {
  // numpy swaps the arguments when the kernel is longer; convolution commutes.
  const [a, v] = x.length >= kernel.length ? [x, kernel] : [kernel, x];
  const n = a.length;
  const m = v.length;
  if (m === 0) throw new StatsInputError("convolveSame: kernel is empty");
  const out = new Float64Array(n);
  const shift = (m - 1) >> 1;
  for (let k = 0; k < n; k++) {
    // full[k + shift] = sum_j a[k + shift - j] * v[j]
    const t = k + shift;
    const jLo = Math.max(0, t - (n - 1));
    const jHi = Math.min(m - 1, t);
    let s = 0;
    for (let j = jLo; j <= jHi; j++) s += a[t - j]! * v[j]!;
    out[k] = s;
  }
  return out;
}

/** Window length in samples the way hnn-core computes it: round(1e-3 * windowMs * sfreq). */
export function hammingWindowSamples(windowMs: number, sfreq: number): number {
  return roundHalfEven(1e-3 * windowMs * sfreq);
}

/**
 * hnn-core's smooth_waveform: Hamming window of `windowMs` milliseconds at `sfreq` Hz,
 * normalised to sum 1, applied with np.convolve(..., mode="same"). Output has the input's length.
 * Throws when the window is shorter than one sample or longer than the data.
 */
export function smoothHamming(x: RealArray | ArrayLike<number>, windowMs: number, sfreq: number): Float64Array {
  if (!(windowMs > 0) || !Number.isFinite(windowMs)) {
    throw new StatsInputError(`smoothHamming: windowMs must be a positive number of milliseconds, got ${windowMs}`);
  }
  if (!(sfreq > 0) || !Number.isFinite(sfreq)) {
    throw new StatsInputError(`smoothHamming: sfreq must be a positive sampling rate in Hz, got ${sfreq}`);
  }
  const samples = hammingWindowSamples(windowMs, sfreq);
  if (samples < 1) {
    throw new StatsInputError(
      `smoothHamming: window of ${windowMs} ms at ${sfreq} Hz is ${samples} samples; use at least ${(1e3 / sfreq).toPrecision(3)} ms`,
    );
  }
  if (samples > x.length) {
    throw new StatsInputError(
      `smoothHamming: window length too long: ${samples} samples; data length is ${x.length} samples — shorten windowMs`,
    );
  }
  return smoothHammingSamples(x, samples);
}

/** Hamming smoothing with the window given directly in samples (np.convolve(x, w / w.sum(), "same")). */
export function smoothHammingSamples(x: RealArray | ArrayLike<number>, windowSamples: number): Float64Array {
  const w = hammingWindow(windowSamples);
  let s = 0;
  for (let i = 0; i < w.length; i++) s += w[i]!;
  for (let i = 0; i < w.length; i++) w[i] = w[i]! / s;
  return convolveSame(x, w);
}

/** hnn-core's scale_dipole-style scaling: multiply every sample by `factor`. */
export function scaleSignal(x: RealArray | ArrayLike<number>, factor: number): Float64Array {
  if (!Number.isFinite(factor)) throw new StatsInputError(`scaleSignal: factor must be finite, got ${factor}`);
  const out = new Float64Array(x.length);
  for (let i = 0; i < x.length; i++) out[i] = x[i]! * factor;
  return out;
}
