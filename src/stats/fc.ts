// Functional connectivity (FC): Pearson correlation between node time series.
//
// Data layout (used by every function in src/stats): a BOLD or state series is a row-major
// (nodes x time) typed array — node i's sample t is data[i * nTime + t] — with explicit
// nNodes and nTime. A batch of B simulations is (B x nodes x time), contiguous:
// data[(b * nNodes + i) * nTime + t]. timeMajorToNodeMajor converts (time x nodes) data.
import { assertPositiveInteger, type NumberArrayLike, type RealArray, StatsInputError } from "./errors.ts";

/**
 * Which node pairs enter an FC lower triangle.
 *
 * @example
 * ```ts
 * import { fcPairs, type PairOptions } from "brainfit/stats";
 * const intra: PairOptions = { excludeInterhemispheric: true }; // first half left, second half right
 * console.log(fcPairs(6, intra).length); // 6 of the 15 pairs
 * ```
 */
export interface PairOptions {
  /**
   * Drop pairs whose nodes lie in different hemispheres. Without `hemispheres`, the first
   * floor(nNodes / 2) nodes are the left hemisphere and the rest the right (cuBNM's convention).
   */
  excludeInterhemispheric?: boolean;
  /** A label per node (e.g. 0 = left, 1 = right). With excludeInterhemispheric, pairs with different labels are dropped. */
  hemispheres?: NumberArrayLike;
}

/**
 * Options of the FC functions: which node pairs count (intrahemispheric only, given each node's
 * hemisphere) and whether all-zero volumes are outliers to skip.
 *
 * @example
 * ```ts
 * import { fcTril, type FcOptions } from "brainfit/stats";
 * const opts: FcOptions = { excludeInterhemispheric: true, hemispheres: [0, 0, 1, 1] };
 * const tril = fcTril(new Float64Array(4 * 100).map(Math.random), 4, 100, opts); // pairs (1,0) and (3,2)
 * ```
 */
export interface FcOptions extends PairOptions {
  /**
   * cuBNM's calculate_fc treatment of motion outliers: volumes whose sum over nodes is exactly 0
   * keep their values and the other volumes are z-scored per node before correlating.
   * Default false: plain np.corrcoef of the series.
   */
  zeroVolumesAsOutliers?: boolean;
}

/**
 * Node pairs (i > j) of an FC lower triangle in numpy's tril_indices(n, -1) order, filtered by PairOptions.
 *
 * @example
 * ```ts
 * import { fcPairs, type NodePairs } from "brainfit/stats";
 * const pairs: NodePairs = fcPairs(3);
 * console.log(Array.from(pairs.rows), Array.from(pairs.cols)); // [1, 2, 2] [0, 0, 1]
 * ```
 */
export interface NodePairs {
  readonly nNodes: number;
  readonly rows: Int32Array;
  readonly cols: Int32Array;
  readonly length: number;
}

export function hemisphereLabels(nNodes: number, options: PairOptions = {}): Int32Array {
  const labels = new Int32Array(nNodes);
  if (options.hemispheres) {
    if (options.hemispheres.length !== nNodes) {
      throw new StatsInputError(
        `hemispheres has ${options.hemispheres.length} labels but there are ${nNodes} nodes; pass one label per node`,
      );
    }
    for (let i = 0; i < nNodes; i++) labels[i] = options.hemispheres[i]!;
  } else {
    const half = Math.floor(nNodes / 2);
    for (let i = half; i < nNodes; i++) labels[i] = 1;
  }
  return labels;
}

/**
 * The node pairs an FC lower triangle holds (all i > j, or only intrahemispheric ones), e.g. to
 * put a triangle from `fcTril` back into a matrix.
 *
 * @example
 * ```ts
 * import { fcPairs } from "brainfit/stats";
 * const pairs = fcPairs(4);
 * console.log(pairs.length); // 6
 * ```
 */
export function fcPairs(nNodes: number, options: PairOptions = {}): NodePairs {
  assertPositiveInteger(nNodes, "nNodes");
  const exclude = options.excludeInterhemispheric === true;
  const labels = exclude ? hemisphereLabels(nNodes, options) : null;
  const rows: number[] = [];
  const cols: number[] = [];
  for (let i = 1; i < nNodes; i++) {
    for (let j = 0; j < i; j++) {
      if (labels && labels[i] !== labels[j]) continue;
      rows.push(i);
      cols.push(j);
    }
  }
  return { nNodes, rows: Int32Array.from(rows), cols: Int32Array.from(cols), length: rows.length };
}

export function assertSeriesShape(data: RealArray, nNodes: number, nTime: number, batch = 1): void {
  assertPositiveInteger(nNodes, "nNodes");
  assertPositiveInteger(nTime, "nTime");
  assertPositiveInteger(batch, "batch");
  if (data.length !== batch * nNodes * nTime) {
    throw new StatsInputError(
      `series data has length ${data.length}, expected batch*nNodes*nTime = ${batch}*${nNodes}*${nTime} = ${batch * nNodes * nTime}` +
        " (layout is row-major nodes x time; use timeMajorToNodeMajor for time x nodes data)",
    );
  }
}

/** Transpose a row-major (time x nodes) array into the (nodes x time) layout the statistics use. */
export function timeMajorToNodeMajor(data: RealArray, nTime: number, nNodes: number): Float64Array {
  assertSeriesShape(data, nNodes, nTime);
  const out = new Float64Array(nNodes * nTime);
  for (let t = 0; t < nTime; t++) for (let i = 0; i < nNodes; i++) out[i * nTime + t] = data[t * nNodes + i]!;
  return out;
}

/**
 * Write into `out` (nNodes x length) each node's samples [start, start + length) of `data`
 * (nodes x nTime at `offset`), centred and scaled to unit Euclidean norm, so that the Pearson
 * correlation of two nodes is the dot product of their rows. A constant node gives NaNs.
 */
export function normalizeRowsInto(
  data: ArrayLike<number>,
  offset: number,
  nNodes: number,
  nTime: number,
  start: number,
  length: number,
  out: Float64Array,
): void {
  for (let i = 0; i < nNodes; i++) {
    const src = offset + i * nTime + start;
    const dst = i * length;
    let s = 0;
    for (let t = 0; t < length; t++) s += data[src + t]!;
    const m = s / length;
    let ss = 0;
    for (let t = 0; t < length; t++) {
      const d = data[src + t]! - m;
      out[dst + t] = d;
      ss += d * d;
    }
    const inv = 1 / Math.sqrt(ss);
    for (let t = 0; t < length; t++) out[dst + t] = out[dst + t]! * inv;
  }
}

/** Dot products of normalised rows for the given pairs, written to out[outOffset ..], clipped to [-1, 1]. */
export function pairDotsInto(u: Float64Array, length: number, pairs: NodePairs, out: Float64Array, outOffset: number): void {
  const { rows, cols } = pairs;
  for (let k = 0; k < pairs.length; k++) {
    const a = rows[k]! * length;
    const b = cols[k]! * length;
    let s0 = 0;
    let s1 = 0;
    let t = 0;
    // Two accumulators let the JIT overlap the multiply-adds.
    for (; t + 1 < length; t += 2) {
      s0 += u[a + t]! * u[b + t]!;
      s1 += u[a + t + 1]! * u[b + t + 1]!;
    }
    if (t < length) s0 += u[a + t]! * u[b + t]!;
    const r = s0 + s1;
    out[outOffset + k] = r > 1 ? 1 : r < -1 ? -1 : r;
  }
}

/**
 * cuBNM's outlier handling: volumes whose sum over nodes is exactly 0 are outliers and keep their
 * values; every other volume is z-scored per node (ddof 0) over the non-outlier volumes.
 * Returns the processed (nodes x time) copy and the outlier flags.
 */
export function zscoreNonOutlierVolumes(
  data: ArrayLike<number>,
  offset: number,
  nNodes: number,
  nTime: number,
  out: Float64Array = new Float64Array(nNodes * nTime),
  outlier: Uint8Array = new Uint8Array(nTime),
): { z: Float64Array; outlier: Uint8Array; nOutliers: number } {
  let nOutliers = 0;
  for (let t = 0; t < nTime; t++) {
    let s = 0;
    for (let i = 0; i < nNodes; i++) s += data[offset + i * nTime + t]!;
    outlier[t] = s === 0 ? 1 : 0;
    nOutliers += outlier[t]!;
  }
  const nValid = nTime - nOutliers;
  for (let i = 0; i < nNodes; i++) {
    const src = offset + i * nTime;
    const dst = i * nTime;
    let s = 0;
    for (let t = 0; t < nTime; t++) if (!outlier[t]) s += data[src + t]!;
    const m = s / nValid;
    let ss = 0;
    for (let t = 0; t < nTime; t++) {
      if (!outlier[t]) {
        const d = data[src + t]! - m;
        ss += d * d;
      }
    }
    const sd = Math.sqrt(ss / nValid);
    for (let t = 0; t < nTime; t++) out[dst + t] = outlier[t] ? data[src + t]! : (data[src + t]! - m) / sd;
  }
  return { z: out, outlier, nOutliers };
}

/**
 * Full FC matrix (nNodes x nNodes, row-major), np.corrcoef of the rows; unit diagonal (NaN for constant nodes).
 *
 * @example
 * ```ts
 * import { fcMatrix } from "brainfit/stats";
 * const series = Float64Array.from([1, 2, 3, 4, 2, 4, 6, 9]); // 2 nodes × 4 time points
 * const fc = fcMatrix(series, 2, 4); // [1, r, r, 1]
 * ```
 */
export function fcMatrix(
  data: RealArray,
  nNodes: number,
  nTime: number,
  options: Pick<FcOptions, "zeroVolumesAsOutliers"> = {},
): Float64Array {
  assertSeriesShape(data, nNodes, nTime);
  const src = options.zeroVolumesAsOutliers ? zscoreNonOutlierVolumes(data, 0, nNodes, nTime).z : data;
  const u = new Float64Array(nNodes * nTime);
  normalizeRowsInto(src, 0, nNodes, nTime, 0, nTime, u);
  const all = fcPairs(nNodes);
  const tril = new Float64Array(all.length);
  pairDotsInto(u, nTime, all, tril, 0);
  const fc = new Float64Array(nNodes * nNodes);
  for (let k = 0; k < all.length; k++) {
    const i = all.rows[k]!;
    const j = all.cols[k]!;
    fc[i * nNodes + j] = tril[k]!;
    fc[j * nNodes + i] = tril[k]!;
  }
  for (let i = 0; i < nNodes; i++) {
    let ss = 0;
    for (let t = 0; t < nTime; t++) ss += u[i * nTime + t]! * u[i * nTime + t]!;
    fc[i * nNodes + i] = Number.isNaN(ss) ? NaN : 1;
  }
  return fc;
}

/**
 * FC lower triangle (pairs i > j in tril order, optionally intrahemispheric only), as cuBNM's calculate_fc.
 *
 * @example
 * ```ts
 * import { fcTril } from "brainfit/stats";
 * const series = Float64Array.from([1, 2, 3, 4, 2, 4, 6, 9, 4, 3, 2, 2]); // 3 nodes × 4 time points
 * const tril = fcTril(series, 3, 4); // pairs (1,0), (2,0), (2,1)
 * ```
 */
export function fcTril(data: RealArray, nNodes: number, nTime: number, options: FcOptions = {}): Float64Array {
  return fcBatch(data, 1, nNodes, nTime, options);
}

/**
 * FC lower triangles of B simulations at once. `data` is (B x nNodes x nTime) contiguous;
 * the result is (B x nPairs) contiguous, nPairs = fcPairs(nNodes, options).length.
 * Equal to calling fcTril on each simulation.
 *
 * @example
 * ```ts
 * import { fcBatch } from "brainfit/stats";
 * import { simulateBold } from "brainfit/sim";
 * import { supHopf, withBold } from "brainfit/models";
 * const res = await simulateBold({ model: withBold(supHopf), network: { weights: [0, 1, 1, 0] }, lanes: 4, duration: 60, tr: 1 });
 * // fcBatch wants (lanes × nodes × time); BOLD comes as (lanes × time × nodes): transpose first.
 * const series = new Float64Array(res.bold.length);
 * for (let l = 0; l < res.lanes; l++)
 *   for (let t = 0; t < res.volumes; t++)
 *     for (let i = 0; i < res.nNodes; i++) series[(l * res.nNodes + i) * res.volumes + t] = res.bold[(l * res.volumes + t) * res.nNodes + i]!;
 * const fc = fcBatch(series, res.lanes, res.nNodes, res.volumes); // lanes × pairs
 * ```
 */
export function fcBatch(data: RealArray, batch: number, nNodes: number, nTime: number, options: FcOptions = {}): Float64Array {
  assertSeriesShape(data, nNodes, nTime, batch);
  const pairs = fcPairs(nNodes, options);
  const out = new Float64Array(batch * pairs.length);
  const u = new Float64Array(nNodes * nTime);
  const z = options.zeroVolumesAsOutliers ? new Float64Array(nNodes * nTime) : null;
  const flags = z ? new Uint8Array(nTime) : null;
  for (let b = 0; b < batch; b++) {
    const offset = b * nNodes * nTime;
    if (z && flags) {
      zscoreNonOutlierVolumes(data, offset, nNodes, nTime, z, flags);
      normalizeRowsInto(z, 0, nNodes, nTime, 0, nTime, u);
    } else {
      normalizeRowsInto(data, offset, nNodes, nTime, 0, nTime, u);
    }
    pairDotsInto(u, nTime, pairs, out, b * pairs.length);
  }
  return out;
}
