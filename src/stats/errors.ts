/**
 * Thrown when a statistics function gets input it cannot use; the message names the field and the fix.
 *
 * @example
 * ```ts
 * import { pearson, StatsInputError } from "brainfit/stats";
 * try {
 *   pearson([1, 2, 3], [1, 2]);
 * } catch (err) {
 *   if (err instanceof StatsInputError) console.error(err.message); // says the lengths differ
 * }
 * ```
 */
export class StatsInputError extends Error {
  override readonly name = "StatsInputError";
}

/** Any real-valued typed array the statistics accept; all results are Float64Array. */
export type RealArray = Float64Array | Float32Array;

/** Array-like of numbers (typed arrays or plain arrays) for small inputs such as labels. */
export type NumberArrayLike = ArrayLike<number>;

export function assertPositiveInteger(value: number, field: string): void {
  if (!Number.isInteger(value) || value <= 0) {
    throw new StatsInputError(`${field} must be a positive integer, got ${value}`);
  }
}

/** Round half to even, as numpy's np.round and Python's round do. */
export function roundHalfEven(x: number): number {
  const r = Math.round(x);
  // Math.round rounds .5 up; correct the exact-half cases that land on an odd integer.
  if (Math.abs(x - Math.trunc(x)) === 0.5 && r % 2 !== 0) return r - 1;
  return r;
}
