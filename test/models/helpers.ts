// Shared test helpers: paths to ../shared and the HCP group connectome as cuBNM normalises it.
import path from "node:path";
import { readFileSync } from "node:fs";
import { loadArray } from "../../src/io/index.ts";

export const SHARED = process.env.BRAINFIT_SHARED ?? path.resolve(process.cwd(), "../shared");

/** HCP group-train706 SC strength, cuBNM's normalisation sc / (mean(sc) · 100). */
export async function hcpGroupSc(): Promise<Float64Array> {
  const a = await loadArray(path.join(SHARED, "data/hcp-schaefer100/group-train706/sc_strength.npz"));
  const sc = Float64Array.from(a.data as ArrayLike<number>);
  let m = 0;
  for (const v of sc) m += v;
  m /= sc.length;
  return sc.map((v) => v / (m * 100));
}

export async function hcpGroupLengths(): Promise<Float64Array> {
  const a = await loadArray(path.join(SHARED, "data/hcp-schaefer100/group-train706/sc_length.npz"));
  return Float64Array.from(a.data as ArrayLike<number>);
}

export function readJson<T>(rel: string): T {
  return JSON.parse(readFileSync(path.join(SHARED, rel), "utf8")) as T;
}

export function mean(a: ArrayLike<number>): number {
  let s = 0;
  for (let i = 0; i < a.length; i++) s += a[i]!;
  return s / a.length;
}

export function pearson(a: ArrayLike<number>, b: ArrayLike<number>): number {
  const ma = mean(a), mb = mean(b);
  let sab = 0, saa = 0, sbb = 0;
  for (let i = 0; i < a.length; i++) {
    const x = a[i]! - ma, y = b[i]! - mb;
    sab += x * y;
    saa += x * x;
    sbb += y * y;
  }
  return sab / Math.sqrt(saa * sbb);
}
