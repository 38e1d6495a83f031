// Shared helpers for the io tests.
import { readFileSync } from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { expect } from "vitest";
import { BrainfitIOError, type NdArray } from "../../src/io/index.ts";

export const FIXTURES = path.join(path.dirname(fileURLToPath(import.meta.url)), "fixtures");
export const SHARED = process.env["BRAINFIT_SHARED"] ?? path.resolve(process.cwd(), "../shared");
export const SHARED_DATA = path.join(SHARED, "data");

export function fixture(name: string): Uint8Array<ArrayBuffer> {
  return new Uint8Array(readFileSync(path.join(FIXTURES, name)));
}

export interface Manifest {
  generator: string;
  npy: Record<string, { dtype: string; shape: number[]; values: string[] }>;
  npz: { weights: string[]; lengths: string[]; region_labels: string[] };
  mat: Record<string, { dtype: string; shape: number[]; values: string[] }>;
  errors: Record<string, string>;
  tvb: { weights: string[]; tract_lengths: string[]; labels: string[]; centres: number[] };
  text: Record<string, { header: string[]; shape: number[]; values: string[] }>;
  shared: Record<string, { dtype: string; shape: number[]; spots?: [number, string][]; sum?: string; first?: string[]; last?: string[] }>;
}

export const manifest: Manifest = JSON.parse(readFileSync(path.join(FIXTURES, "manifest.json"), "utf8")) as Manifest;

/** Python's text of a value ("nan", "inf", "-0.0", "1.5", "12") -> JS value for comparison. */
export function pyNumber(s: string): number {
  if (s === "nan") return NaN;
  if (s === "inf") return Infinity;
  if (s === "-inf") return -Infinity;
  return Number(s);
}

/** Element i as a string comparable with the manifest (bigints and numbers exact). */
export function elementMatches(arr: NdArray, i: number, expected: string): boolean {
  const v = arr.data[i];
  if (typeof v === "bigint") return v === BigInt(expected);
  if (typeof v === "string") return v === expected;
  return Object.is(v, pyNumber(expected));
}

/** Awaits p and checks it rejects with a BrainfitIOError of the given code; returns the error. */
export async function rejectsWith(p: Promise<unknown>, code: string): Promise<BrainfitIOError> {
  try {
    await p;
  } catch (e) {
    expect(e).toBeInstanceOf(BrainfitIOError);
    expect((e as BrainfitIOError).code).toBe(code);
    return e as BrainfitIOError;
  }
  throw new Error(`expected ${code}`);
}
