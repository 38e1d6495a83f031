// Functional connectivity dynamics (FCD) with cuBNM's definitions (cubnm.utils.calculate_fcd,
// and the C++ get_dfc_windows / calculate_fcd_tril).
import { assertPositiveInteger, type RealArray, roundHalfEven, StatsInputError } from "./errors.ts";
import {
  assertSeriesShape,
  fcPairs,
  type NodePairs,
  normalizeRowsInto,
  pairDotsInto,
  type PairOptions,
  zscoreNonOutlierVolumes,
} from "./fc.ts";

export interface FcdWindowOptions {
  /** Window size in TRs; must be even. A window spans windowTRs + 1 volumes centred on its centre. */
  windowTRs: number;
  /** Step between window centres in TRs. */
  stepTRs: number;
  /**
   * Default true: centres run from windowTRs/2 to nTime-1-windowTRs/2 so every window is full.
   * false: centres run 0..nTime-1 and edge windows are clipped to the series.
   */
  dropEdges?: boolean;
}

/**
 * FCD settings in TRs (cuBNM's): window length and step, whether to drop the edge windows, the
 * pair filter, outlier handling, and whether to return each window's FC.
 *
 * @example
 * ```ts
 * import type { FcdOptions } from "brainfit/stats";
 * const opts: FcdOptions = { windowTRs: 44, stepTRs: 7, dropEdges: true };
 * ```
 */
export interface FcdOptions extends FcdWindowOptions, PairOptions {
  /** Windows whose fraction of outlier volumes (sum over nodes exactly 0) exceeds this are discarded. Default 0.5. */
  outlierThreshold?: number;
  /** Also return the per-window FC lower triangles (nWindows x nPairs). Default false. */
  returnWindowFc?: boolean;
}

/**
 * The FCD of one series: the lower triangle of the window-by-window correlation of window FCs,
 * and where each window starts and ends (TRs).
 *
 * @example
 * ```ts
 * import { fcd, type FcdResult } from "brainfit/stats";
 * const res: FcdResult = fcd(new Float64Array(4 * 200).map(Math.random), 4, 200, { windowTRs: 30, stepTRs: 5 });
 * console.log(res.nWindows, res.fcdTril.length === (res.nWindows * (res.nWindows - 1)) / 2);
 * ```
 */
export interface FcdResult {
  /** FCD lower triangle (window pairs a > b, tril order): the FCD distribution. */
  fcdTril: Float64Array;
  /** Number of windows kept (after discarding outlier windows). */
  nWindows: number;
  /** First and last volume (inclusive) of each kept window. */
  windowStarts: Int32Array;
  windowEnds: Int32Array;
  /** Per-window FC lower triangles (nWindows x nPairs), only with returnWindowFc. */
  windowFcTrils?: Float64Array;
}

/**
 * cuBNM's conversion of seconds to TRs: window = round(windowSeconds / (2 TR)) * 2 (even; the window
 * spans window + 1 volumes), step = round(stepSeconds / TR). Rounding is half-to-even (numpy/Python).
 * 30 s / 5 s at TR 0.72 s give 42 / 7 TRs.
 */
export function fcdWindowTRsFromSeconds(windowSeconds: number, stepSeconds: number, tr: number): { windowTRs: number; stepTRs: number } {
  if (!(tr > 0)) throw new StatsInputError(`tr must be a positive repetition time in seconds, got ${tr}`);
  if (!(windowSeconds > 0)) throw new StatsInputError(`windowSeconds must be positive, got ${windowSeconds}`);
  if (!(stepSeconds > 0)) throw new StatsInputError(`stepSeconds must be positive, got ${stepSeconds}`);
  const windowTRs = roundHalfEven(windowSeconds / (2 * tr)) * 2;
  const stepTRs = roundHalfEven(stepSeconds / tr);
  if (windowTRs < 2) throw new StatsInputError(`windowSeconds ${windowSeconds} is under 2 TRs at TR ${tr}; use a longer window`);
  if (stepTRs < 1) throw new StatsInputError(`stepSeconds ${stepSeconds} is under 1 TR at TR ${tr}; use a longer step`);
  return { windowTRs, stepTRs };
}

/** Window start and end volumes (inclusive) before outlier filtering, as cuBNM's get_dfc_windows. */
export function fcdWindows(nTime: number, options: FcdWindowOptions): { starts: Int32Array; ends: Int32Array } {
  assertPositiveInteger(nTime, "nTime");
  assertPositiveInteger(options.windowTRs, "windowTRs");
  assertPositiveInteger(options.stepTRs, "stepTRs");
  if (options.windowTRs % 2 !== 0) {
    throw new StatsInputError(`windowTRs must be even (cuBNM's windows span windowTRs + 1 volumes), got ${options.windowTRs}`);
  }
  const half = options.windowTRs / 2;
  const dropEdges = options.dropEdges ?? true;
  const first = dropEdges ? half : 0;
  const last = dropEdges ? nTime - 1 - half : nTime - 1;
  const starts: number[] = [];
  const ends: number[] = [];
  for (let c = first; c <= last; c += options.stepTRs) {
    starts.push(Math.max(0, c - half));
    ends.push(Math.min(nTime - 1, c + half));
  }
  if (starts.length === 0) {
    throw new StatsInputError(
      `no FCD window fits: nTime ${nTime} is shorter than windowTRs + 1 = ${
        options.windowTRs + 1
      }; use a shorter window or dropEdges: false`,
    );
  }
  return { starts: Int32Array.from(starts), ends: Int32Array.from(ends) };
}

/** Reusable buffers and precomputed pairs for FCD of many series of one shape. */
export class FcdWorkspace {
  readonly pairs: NodePairs;
  readonly windows: { starts: Int32Array; ends: Int32Array };
  private readonly z: Float64Array;
  private readonly outlier: Uint8Array;
  private readonly zeroColumn: Uint8Array;
  private readonly u: Float64Array;
  private readonly windowFc: Float64Array;

  constructor(
    readonly nNodes: number,
    readonly nTime: number,
    readonly options: FcdOptions,
  ) {
    assertPositiveInteger(nNodes, "nNodes");
    this.pairs = fcPairs(nNodes, options);
    if (this.pairs.length < 2) throw new StatsInputError(`FCD needs at least 2 node pairs, got ${this.pairs.length}; use more nodes`);
    this.windows = fcdWindows(nTime, options);
    const maxLen = options.windowTRs + 1;
    this.z = new Float64Array(nNodes * nTime);
    this.outlier = new Uint8Array(nTime);
    this.zeroColumn = new Uint8Array(nTime);
    this.u = new Float64Array(nNodes * maxLen);
    this.windowFc = new Float64Array(this.windows.starts.length * this.pairs.length);
  }

  /** FCD of the series at data[offset ..] (nNodes x nTime). */
  compute(data: ArrayLike<number>, offset = 0): FcdResult {
    const { nNodes, nTime, pairs, z, u, windowFc, zeroColumn } = this;
    const threshold = this.options.outlierThreshold ?? 0.5;
    zscoreNonOutlierVolumes(data, offset, nNodes, nTime, z, this.outlier);
    // Outlier test per window uses the processed series' column sums, as cuBNM does.
    for (let t = 0; t < nTime; t++) {
      let s = 0;
      for (let i = 0; i < nNodes; i++) s += z[i * nTime + t]!;
      zeroColumn[t] = s === 0 ? 1 : 0;
    }
    const keptStarts: number[] = [];
    const keptEnds: number[] = [];
    const { starts, ends } = this.windows;
    for (let w = 0; w < starts.length; w++) {
      const start = starts[w]!;
      const len = ends[w]! - start + 1;
      let zeros = 0;
      for (let t = start; t < start + len; t++) zeros += zeroColumn[t]!;
      if (zeros / len > threshold) continue;
      normalizeRowsInto(z, 0, nNodes, nTime, start, len, u);
      pairDotsInto(u, len, pairs, windowFc, keptStarts.length * pairs.length);
      keptStarts.push(start);
      keptEnds.push(start + len - 1);
    }
    const nWindows = keptStarts.length;
    const result: FcdResult = {
      fcdTril: new Float64Array(0),
      nWindows,
      windowStarts: Int32Array.from(keptStarts),
      windowEnds: Int32Array.from(keptEnds),
    };
    if (this.options.returnWindowFc) result.windowFcTrils = windowFc.slice(0, nWindows * pairs.length);
    result.fcdTril = correlateRowsTril(windowFc, nWindows, pairs.length);
    return result;
  }
}

/**
 * Lower triangle (a > b, tril order) of the correlation matrix between the rows of a row-major
 * (nRows x len) matrix — np.corrcoef(rows)[tril_indices(nRows, -1)]. Normalises `rows` in place.
 */
export function correlateRowsTril(rows: Float64Array, nRows: number, len: number): Float64Array {
  for (let a = 0; a < nRows; a++) {
    const o = a * len;
    let s = 0;
    for (let k = 0; k < len; k++) s += rows[o + k]!;
    const m = s / len;
    let ss = 0;
    for (let k = 0; k < len; k++) {
      const d = rows[o + k]! - m;
      rows[o + k] = d;
      ss += d * d;
    }
    const inv = 1 / Math.sqrt(ss);
    for (let k = 0; k < len; k++) rows[o + k] = rows[o + k]! * inv;
  }
  const out = new Float64Array((nRows * (nRows - 1)) / 2);
  for (let a = 1; a < nRows; a++) {
    const oa = a * len;
    const base = (a * (a - 1)) / 2;
    let b = 0;
    // Four rows b per pass: row a is read once for four dot products.
    for (; b + 3 < a; b += 4) {
      const o0 = b * len;
      const o1 = o0 + len;
      const o2 = o1 + len;
      const o3 = o2 + len;
      let s0 = 0;
      let s1 = 0;
      let s2 = 0;
      let s3 = 0;
      for (let k = 0; k < len; k++) {
        const x = rows[oa + k]!;
        s0 += x * rows[o0 + k]!;
        s1 += x * rows[o1 + k]!;
        s2 += x * rows[o2 + k]!;
        s3 += x * rows[o3 + k]!;
      }
      out[base + b] = clip1(s0);
      out[base + b + 1] = clip1(s1);
      out[base + b + 2] = clip1(s2);
      out[base + b + 3] = clip1(s3);
    }
    for (; b < a; b++) {
      const ob = b * len;
      let s = 0;
      for (let k = 0; k < len; k++) s += rows[oa + k]! * rows[ob + k]!;
      out[base + b] = clip1(s);
    }
  }
  return out;
}

function clip1(r: number): number {
  return r > 1 ? 1 : r < -1 ? -1 : r;
}

/**
 * FCD of one (nNodes x nTime) series with cuBNM's definitions.
 *
 * @example
 * ```ts
 * import { fcd } from "brainfit/stats";
 * const nNodes = 4, nTime = 200;
 * const series = new Float64Array(nNodes * nTime).map(Math.random); // nodes × time
 * const { fcdTril, nWindows } = fcd(series, nNodes, nTime, { windowTRs: 30, stepTRs: 5 });
 * ```
 */
export function fcd(data: RealArray, nNodes: number, nTime: number, options: FcdOptions): FcdResult {
  assertSeriesShape(data, nNodes, nTime);
  return new FcdWorkspace(nNodes, nTime, options).compute(data, 0);
}

/**
 * FCD of B simulations at once: `data` is (B x nNodes x nTime) contiguous. Buffers and node pairs are
 * shared across simulations. Equal to calling fcd on each simulation.
 *
 * @example
 * ```ts
 * import { fcdBatch } from "brainfit/stats";
 * const batch = 3, nNodes = 4, nTime = 200;
 * const series = new Float64Array(batch * nNodes * nTime).map(Math.random); // batch × nodes × time
 * const results = fcdBatch(series, batch, nNodes, nTime, { windowTRs: 30, stepTRs: 5 });
 * console.log(results.map((r) => r.nWindows));
 * ```
 */
export function fcdBatch(data: RealArray, batch: number, nNodes: number, nTime: number, options: FcdOptions): FcdResult[] {
  assertSeriesShape(data, nNodes, nTime, batch);
  const ws = new FcdWorkspace(nNodes, nTime, options);
  const out: FcdResult[] = [];
  for (let b = 0; b < batch; b++) out.push(ws.compute(data, b * nNodes * nTime));
  return out;
}
