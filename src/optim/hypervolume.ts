// Exact hypervolume (minimisation) dominated by a point set and bounded by a reference
// point: a sweep for 2 objectives and HSO-style slicing along the last objective for 3 or
// more (each slice is the exact hypervolume of the projected points in one dimension
// fewer), so the result is exact for any number of objectives; cost grows as O(k^(d-1)).

import { OptimizerUsageError } from "./base.ts";

/** Hypervolume of the region dominated by `points` and dominating `ref` (all objectives
 *  minimised). Points that do not strictly dominate ref in every objective, and points
 *  with non-finite values, contribute nothing.
 *
 * @example
 * ```ts
 * import { hypervolume } from "brainfit/optim";
 * const hv = hypervolume([[0, 1], [0.5, 0.5], [1, 0]], [1, 1]); // 0.25
 * ```
 */
export function hypervolume(points: ArrayLike<ArrayLike<number>>, ref: ArrayLike<number>): number {
  const d = ref.length;
  if (d < 1) throw new OptimizerUsageError("hypervolume: ref must have at least one objective");
  const pts: number[][] = [];
  for (let k = 0; k < points.length; k++) {
    const p = points[k];
    if (p.length !== d) throw new OptimizerUsageError(`hypervolume: point ${k} has ${p.length} objectives, ref has ${d}`);
    let ok = true;
    for (let i = 0; i < d; i++) {
      if (!(Number.isFinite(p[i]) && p[i] < ref[i])) {
        ok = false;
        break;
      }
    }
    if (ok) pts.push(Array.from(p));
  }
  return hv(pts, Array.from(ref), d);
}

function hv(pts: number[][], ref: number[], d: number): number {
  if (pts.length === 0) return 0;
  if (d === 1) {
    let m = Infinity;
    for (const p of pts) if (p[0] < m) m = p[0];
    return ref[0] - m;
  }
  if (d === 2) {
    const s = pts.slice().sort((a, b) => a[0] - b[0] || a[1] - b[1]);
    let area = 0;
    let prevY = ref[1];
    for (const p of s) {
      if (p[1] < prevY) {
        area += (ref[0] - p[0]) * (prevY - p[1]);
        prevY = p[1];
      }
    }
    return area;
  }
  const last = d - 1;
  const s = pts.slice().sort((a, b) => a[last] - b[last]);
  let vol = 0;
  const front: number[][] = [];
  for (let i = 0; i < s.length; i++) {
    const proj = s[i].slice(0, last);
    // Keep the slice's point set non-dominated (cheap pruning, exactness unchanged).
    if (!front.some((q) => weaklyDominates(q, proj))) {
      for (let j = front.length - 1; j >= 0; j--) if (weaklyDominates(proj, front[j])) front.splice(j, 1);
      front.push(proj);
    }
    const zNext = i + 1 < s.length ? s[i + 1][last] : ref[last];
    const thickness = zNext - s[i][last];
    if (thickness > 0) vol += thickness * hv(front, ref.slice(0, last), last);
  }
  return vol;
}

function weaklyDominates(a: number[], b: number[]): boolean {
  for (let i = 0; i < a.length; i++) if (a[i] > b[i]) return false;
  return true;
}
