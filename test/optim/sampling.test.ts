import { describe, expect, it } from "vitest";
import { readFileSync } from "node:fs";
import { GridSearch, LatinHypercube, RandomSearch, SobolSearch } from "../../src/optim/index.ts";
import { sobolDirections } from "../../src/optim/sampling.ts";

const golden = JSON.parse(readFileSync(new URL("./sobol_golden.json", import.meta.url), "utf8")) as Record<string, number[][]>;
const unit = (n: number) => ({ lower: new Array(n).fill(0), upper: new Array(n).fill(1) });

describe("Sobol", () => {
  it("matches scipy.stats.qmc.Sobol(scramble=False) exactly in 2, 21 and 40 dimensions", () => {
    for (const [d, pts] of Object.entries(golden)) {
      const s = new SobolSearch(unit(Number(d)));
      for (const p of pts) expect(s.nextUnit()).toEqual(p);
    }
  });
  it("every 2^k prefix is stratified in each coordinate; direction numbers are odd multiples", () => {
    const s = new SobolSearch({ ...unit(21), batchSize: 64 });
    const xs = s.ask();
    for (let d = 0; d < 21; d++) {
      const cells = new Set(xs.map((x) => Math.floor(x[d] * 64)));
      expect(cells.size).toBe(64);
    }
    const v = sobolDirections(20);
    for (let k = 1; k <= 32; k++) expect((v[k] >>> (32 - k)) & 1).toBe(1);
  });
  it("scrambling (digital shift) keeps stratification and moves the origin point; skip works", () => {
    const s = new SobolSearch({ ...unit(3), batchSize: 16, scramble: true, seed: 9 });
    const xs = s.ask();
    expect(xs[0].every((v) => v > 0)).toBe(true);
    for (let d = 0; d < 3; d++) expect(new Set(xs.map((x) => Math.floor(x[d] * 16))).size).toBe(16);
    const skipped = new SobolSearch({ ...unit(21), skip: 5, batchSize: 3 });
    expect(skipped.ask()).toEqual(golden["21"].slice(5, 8));
  });
});

describe("grid, random, Latin hypercube", () => {
  it("grid enumerates every point once, including both bounds, then is exhausted", () => {
    const g = new GridSearch({ lower: [0, 10], upper: [1, 20], points: [3, 2], batchSize: 4 });
    expect(g.size).toBe(6);
    const all: number[][] = [];
    while (!g.done) {
      const xs = g.ask();
      all.push(...xs);
      g.tell(xs, xs.map(() => 0));
    }
    expect(all).toEqual([[0, 10], [0, 20], [0.5, 10], [0.5, 20], [1, 10], [1, 20]]);
    expect(g.stopReason).toBe("exhausted");
    expect(new GridSearch({ lower: [0], upper: [2], points: 1 }).ask()).toEqual([[1]]);
  });
  it("random search is uniform in the box and reproducible per seed", () => {
    const a = new RandomSearch({ lower: [-1, 5], upper: [1, 6], batchSize: 4000, seed: 1 }).ask();
    const b = new RandomSearch({ lower: [-1, 5], upper: [1, 6], batchSize: 4000, seed: 1 }).ask();
    expect(a).toEqual(b);
    const mean0 = a.reduce((s, x) => s + x[0], 0) / a.length;
    expect(Math.abs(mean0)).toBeLessThan(0.05);
    expect(a.every((x) => x[1] >= 5 && x[1] < 6)).toBe(true);
  });
  it("Latin hypercube puts exactly one sample in each of N strata per parameter", () => {
    const l = new LatinHypercube({ lower: [0, -3, 100], upper: [1, 3, 200], samples: 20, batchSize: 7, seed: 3 });
    const all: number[][] = [];
    while (!l.done) {
      const xs = l.ask();
      all.push(...xs);
      l.tell(xs, xs.map(() => 1));
    }
    expect(all).toHaveLength(20);
    expect(l.stopReason).toBe("exhausted");
    const lo = [0, -3, 100], w = [1, 6, 100];
    for (let d = 0; d < 3; d++) expect(new Set(all.map((x) => Math.floor(((x[d] - lo[d]) / w[d]) * 20))).size).toBe(20);
  });
});
