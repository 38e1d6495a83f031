import { describe, expect, it } from "vitest";
import fc from "fast-check";
import { hypervolume, NSGA2 } from "../../src/optim/index.ts";
import { crowdingDistance, dominates, nonDominatedSort } from "../../src/optim/nsga2.ts";
import { zdt1, zdt2 } from "./problems.ts";

/** Independent reference: inclusion–exclusion over all subsets (small sets only). */
function hvInclusionExclusion(points: number[][], ref: number[]): number {
  const pts = points.filter((p) => p.every((v, i) => v < ref[i]));
  let total = 0;
  const k = pts.length;
  for (let mask = 1; mask < 1 << k; mask++) {
    const corner = ref.map(() => -Infinity);
    let bits = 0;
    for (let j = 0; j < k; j++) {
      if (mask & (1 << j)) {
        bits++;
        pts[j].forEach((v, i) => {
          corner[i] = Math.max(corner[i], v);
        });
      }
    }
    const vol = corner.reduce((a, c, i) => a * (ref[i] - c), 1);
    total += bits % 2 ? vol : -vol;
  }
  return total;
}

describe("hypervolume (exact)", () => {
  it("2-D staircase", () => {
    expect(hypervolume([[1, 3], [2, 2], [3, 1]], [4, 4])).toBe(6);
    expect(hypervolume([[1, 3], [2, 2], [3, 1], [2.5, 2.5], [5, 0]], [4, 4])).toBe(6); // dominated / outside ignored
  });
  it("3-D cases", () => {
    expect(hypervolume([[0, 0, 0]], [1, 1, 1])).toBe(1);
    expect(hypervolume([[0, 0, 0.5], [0.5, 0.5, 0]], [1, 1, 1])).toBe(0.625);
    expect(hypervolume([[1, 2, 3], [2, 3, 1], [3, 1, 2]], [4, 4, 4])).toBe(13);
  });
  it("4-D cases", () => {
    expect(hypervolume([[0, 0, 0, 0.5], [0.5, 0.5, 0.5, 0]], [1, 1, 1, 1])).toBe(0.5625);
    expect(hypervolume([[0, 0, 0, 0.5], [0.5, 0.5, 0.5, 0], [0.6, 0.6, 0.6, 0.6]], [1, 1, 1, 1])).toBe(0.5625);
    expect(hypervolume([[0.5, 0.5, 0.5, 0.5]], [1, 1, 1, 1])).toBe(0.0625);
  });
  it("ignores non-finite points; empty set is 0", () => {
    expect(hypervolume([[NaN, 0], [0.5, 0.5]], [1, 1])).toBe(0.25);
    expect(hypervolume([], [1, 1])).toBe(0);
  });
  it("matches inclusion–exclusion on random sets (2–5 objectives)", () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 2, max: 5 }).chain((d) =>
          fc.array(fc.array(fc.integer({ min: 0, max: 12 }).map((v) => v / 10), { minLength: d, maxLength: d }), {
            minLength: 1,
            maxLength: 7,
          })
        ),
        (pts) => {
          const ref = pts[0].map(() => 1.1);
          expect(hypervolume(pts, ref)).toBeCloseTo(hvInclusionExclusion(pts, ref), 12);
        },
      ),
      { numRuns: 150 },
    );
  });
});

describe("non-dominated sort and crowding", () => {
  it("ranks fronts and puts invalid members last", () => {
    const fs = [[1, 4], [2, 2], [4, 1], [3, 3], [5, 5], [NaN, 0], [2, 2]];
    const fronts = nonDominatedSort(fs);
    expect(fronts).toEqual([[0, 1, 2, 6], [3], [4], [5]]);
    expect(dominates([1, 1], [1, 2])).toBe(true);
    expect(dominates([1, 2], [1, 2])).toBe(false);
    const cd = crowdingDistance([[0, 4], [1, 2], [3, 1], [4, 0]], [0, 1, 2, 3]);
    expect(cd[0]).toBe(Infinity);
    expect(cd[3]).toBe(Infinity);
    expect(cd[1]).toBeCloseTo(3 / 4 + 3 / 4, 12);
    expect(cd[2]).toBeCloseTo(3 / 4 + 2 / 4, 12);
  });
});

function runZdt(f: (x: number[]) => number[], seed: number): number {
  const opt = new NSGA2({ objectives: 2, lower: new Array(30).fill(0), upper: new Array(30).fill(1), popsize: 100, seed });
  const initial = opt.ask();
  opt.tell(initial, initial.map(f));
  for (let g = 0; g < 250; g++) {
    const xs = opt.ask();
    opt.tell(xs, xs.map(f));
  }
  expect(opt.evaluations).toBe(25100);
  const front = opt.paretoFront();
  for (const a of front) for (const b of front) expect(dominates(a.f, b.f)).toBe(false);
  return hypervolume(front.map((p) => p.f), [1, 1]);
}

describe("NSGA-II, population 100, 250 generations, hypervolume w.r.t. (1,1)", () => {
  it("ZDT1 (30-D) >= 0.65 (optimum 2/3)", () => {
    for (const seed of [1, 2]) {
      const hv = runZdt(zdt1, seed);
      expect(hv).toBeGreaterThanOrEqual(0.65);
      expect(hv).toBeLessThanOrEqual(2 / 3);
    }
  });
  it("ZDT2 (30-D) >= 0.32 (optimum 1/3)", () => {
    for (const seed of [1, 2]) {
      const hv = runZdt(zdt2, seed);
      expect(hv).toBeGreaterThanOrEqual(0.32);
      expect(hv).toBeLessThanOrEqual(1 / 3);
    }
  });
});
