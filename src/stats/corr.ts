// Vector distances and correlations: Pearson, Spearman, RMSE, FC difference, matrix correlation.
import { type RealArray, StatsInputError } from "./errors.ts";

type Vec = RealArray | ArrayLike<number>;

function assertSameLength(a: Vec, b: Vec, fn: string): void {
  if (a.length !== b.length) {
    throw new StatsInputError(`${fn}: a has length ${a.length} but b has length ${b.length}; pass vectors of equal length`);
  }
  if (a.length === 0) throw new StatsInputError(`${fn}: vectors are empty`);
}

/**
 * Pearson correlation (scipy.stats.pearsonr's statistic): centre both vectors, normalise, dot.
 * Clipped to [-1, 1]. A constant vector gives NaN.
 *
 * @example
 * ```ts
 * import { pearson } from "brainfit/stats";
 * const r = pearson([1, 2, 3, 4], [2, 4, 5, 9]); // 0.9647…
 * ```
 */
export function pearson(a: Vec, b: Vec): number {
  assertSameLength(a, b, "pearson");
  const n = a.length;
  let ma = 0;
  let mb = 0;
  for (let i = 0; i < n; i++) {
    ma += a[i]!;
    mb += b[i]!;
  }
  ma /= n;
  mb /= n;
  let sab = 0;
  let saa = 0;
  let sbb = 0;
  for (let i = 0; i < n; i++) {
    const da = a[i]! - ma;
    const db = b[i]! - mb;
    sab += da * db;
    saa += da * da;
    sbb += db * db;
  }
  const r = sab / Math.sqrt(saa * sbb);
  return r > 1 ? 1 : r < -1 ? -1 : r;
}

/** Ranks 1..n with ties given their average rank (scipy.stats.rankdata method="average"). */
export function rankAverage(x: Vec): Float64Array {
  const n = x.length;
  const order = new Uint32Array(n);
  for (let i = 0; i < n; i++) order[i] = i;
  order.sort((i, j) => x[i]! - x[j]!);
  const ranks = new Float64Array(n);
  let start = 0;
  while (start < n) {
    let end = start;
    while (end + 1 < n && x[order[end + 1]!]! === x[order[start]!]!) end++;
    // positions start..end (0-based) share ranks start+1..end+1; their average:
    const avg = (start + end + 2) / 2;
    for (let k = start; k <= end; k++) ranks[order[k]!] = avg;
    start = end + 1;
  }
  return ranks;
}

/**
 * Spearman rank correlation: Pearson of average ranks (scipy.stats.spearmanr's statistic).
 *
 * @example
 * ```ts
 * import { spearman } from "brainfit/stats";
 * const rho = spearman([1, 2, 3, 4], [2, 4, 5, 9]); // 1
 * ```
 */
export function spearman(a: Vec, b: Vec): number {
  assertSameLength(a, b, "spearman");
  return pearson(rankAverage(a), rankAverage(b));
}

/** Root-mean-square error sqrt(mean((a - b)^2)). */
export function rmse(a: Vec, b: Vec): number {
  assertSameLength(a, b, "rmse");
  let s = 0;
  for (let i = 0; i < a.length; i++) {
    const d = a[i]! - b[i]!;
    s += d * d;
  }
  return Math.sqrt(s / a.length);
}

/** Mean absolute error mean(|a - b|) (e.g. between peak-frequency vectors). */
export function meanAbsoluteError(a: Vec, b: Vec): number {
  assertSameLength(a, b, "meanAbsoluteError");
  let s = 0;
  for (let i = 0; i < a.length; i++) s += Math.abs(a[i]! - b[i]!);
  return s / a.length;
}

/** cuBNM's fc_diff: absolute difference of the means of two FC lower triangles (lengths may differ). */
export function fcDiff(simFcTril: Vec, empFcTril: Vec): number {
  if (simFcTril.length === 0 || empFcTril.length === 0) throw new StatsInputError("fcDiff: an FC triangle is empty");
  let sa = 0;
  for (let i = 0; i < simFcTril.length; i++) sa += simFcTril[i]!;
  let sb = 0;
  for (let i = 0; i < empFcTril.length; i++) sb += empFcTril[i]!;
  return Math.abs(sa / simFcTril.length - sb / empFcTril.length);
}

/** cuBNM's fc_corr: Pearson correlation of two FC lower triangles. */
export function fcCorr(simFcTril: Vec, empFcTril: Vec): number {
  return pearson(simFcTril, empFcTril);
}

/**
 * Lower triangle (i > j, row by row: (1,0), (2,0), (2,1), (3,0) …, numpy's tril_indices(n, -1) order)
 * of a row-major n x n matrix.
 *
 * @example
 * ```ts
 * import { lowerTriangle } from "brainfit/stats";
 * const tril = lowerTriangle([1, 0.5, 0.2, 0.5, 1, 0.3, 0.2, 0.3, 1], 3); // [0.5, 0.2, 0.3]
 * ```
 */
export function lowerTriangle(matrix: Vec, n: number): Float64Array {
  if (matrix.length !== n * n) {
    throw new StatsInputError(`lowerTriangle: matrix has length ${matrix.length}, expected n*n = ${n * n}`);
  }
  const out = new Float64Array((n * (n - 1)) / 2);
  let k = 0;
  for (let i = 1; i < n; i++) for (let j = 0; j < i; j++) out[k++] = matrix[i * n + j]!;
  return out;
}

/** Correlation of the lower triangles (diagonal excluded) of two row-major n x n matrices. */
export function matrixCorrelation(a: Vec, b: Vec, n: number): number {
  return pearson(lowerTriangle(a, n), lowerTriangle(b, n));
}
