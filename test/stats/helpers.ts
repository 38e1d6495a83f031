// Test-only helpers: locate the shared data and compare arrays with relative tolerances.
import { readFileSync } from "node:fs";
import path from "node:path";
import { expect } from "vitest";

export const SHARED = process.env.BRAINFIT_SHARED ?? path.resolve(process.cwd(), "../shared");

export function readGolden<T>(name: string): T {
  return JSON.parse(readFileSync(path.join(SHARED, "golden", name), "utf8")) as T;
}

export function flat(rows: number[][]): Float64Array {
  const n = rows.length;
  const m = rows[0]!.length;
  const out = new Float64Array(n * m);
  for (let i = 0; i < n; i++) for (let j = 0; j < m; j++) out[i * m + j] = rows[i]![j]!;
  return out;
}

/** Largest |a-b| / max(|b|, floor) over the arrays. */
export function maxRelErr(actual: ArrayLike<number>, expected: ArrayLike<number>, floor = 1e-300): number {
  expect(actual.length).toBe(expected.length);
  let worst = 0;
  for (let i = 0; i < expected.length; i++) {
    const e = expected[i]!;
    const err = Math.abs(actual[i]! - e) / Math.max(Math.abs(e), floor);
    if (!(err <= worst)) worst = err; // NaN propagates
  }
  return worst;
}

export function expectRelClose(actual: ArrayLike<number>, expected: ArrayLike<number>, rel = 1e-9, floor = 1e-300): void {
  const err = maxRelErr(actual, expected, floor);
  expect(err).toBeLessThanOrEqual(rel);
}

export function relErr(actual: number, expected: number): number {
  return Math.abs(actual - expected) / Math.abs(expected);
}
