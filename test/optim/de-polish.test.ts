// DE's polish (scipy's polish=True): an L-BFGS-B run from the best member after convergence,
// counted in the evaluations, cut off by the budget, and resumable mid-polish. scipy 1.17.1 on the
// same problem (seeds 1–3) converges to f − 1 ≈ 4e-4…3e-3 and its polish adds 54–60 evaluations
// reaching f − 1 < 3e-12.
import { describe, expect, it } from "vitest";
import { DifferentialEvolution } from "../../src/optim/index.ts";

const f = (x: number[]) => 1 + x.reduce((a, v, i) => a + (i + 1) * (v - 0.3) ** 2, 0);
const box = { lower: new Array(5).fill(-5), upper: new Array(5).fill(5) };

function run(o: DifferentialEvolution): DifferentialEvolution {
  while (!o.done) {
    const xs = o.ask();
    if (!xs.length) break;
    o.tell(xs, xs.map(f));
  }
  return o;
}

describe("DE polish", () => {
  it("polishes the converged best member to the exact minimum with a few dozen counted evaluations", () => {
    for (const seed of [1, 2, 3]) {
      const raw = run(new DifferentialEvolution({ ...box, seed, polish: false }));
      const pol = run(new DifferentialEvolution({ ...box, seed }));
      expect(raw.best!.cost - 1).toBeGreaterThan(1e-5);
      expect(pol.best!.cost - 1).toBeLessThan(1e-9);
      expect(pol.stopReason).toBe("tolerance");
      expect(pol.evaluations - raw.evaluations).toBeGreaterThan(6);
      expect(pol.evaluations - raw.evaluations).toBeLessThan(200);
      expect(pol.history.at(-1)!.evaluations).toBe(pol.evaluations);
    }
  });

  it("never starts a polish batch past maxEvaluations", () => {
    const raw = run(new DifferentialEvolution({ ...box, seed: 1, polish: false }));
    const budget = raw.evaluations + 20; // room for three 6-point batches, not four
    const o = run(new DifferentialEvolution({ ...box, seed: 1, maxEvaluations: budget }));
    expect(o.evaluations).toBeLessThanOrEqual(budget);
    expect(o.evaluations).toBe(raw.evaluations + 18);
    expect(o.stopReason).toBe("budget");
    expect(o.best!.cost).toBeLessThan(raw.best!.cost);
  });

  it("a run stopped by its budget before converging is not polished", () => {
    const o = run(new DifferentialEvolution({ ...box, seed: 1, maxIterations: 3 }));
    expect(o.evaluations).toBe(3 * 75);
    expect(o.stopReason).toBe("budget");
  });

  it("serialise/restore mid-polish continues identically", () => {
    const a = new DifferentialEvolution({ ...box, seed: 2 });
    let b = new DifferentialEvolution({ ...box, seed: 2 });
    let polishRounds = 0;
    while (!a.done) {
      const xa = a.ask();
      const xb = b.ask();
      expect(xb).toEqual(xa);
      if (!xa.length) break;
      if (xa.length === 6) polishRounds++;
      a.tell(xa, xa.map(f));
      b.tell(xb, xb.map(f));
      b = DifferentialEvolution.fromJSON(JSON.stringify(b.toJSON()));
    }
    expect(polishRounds).toBeGreaterThan(2);
    expect(b.done).toBe(true);
    expect(b.best).toEqual(a.best);
    expect(b.evaluations).toBe(a.evaluations);
  });
});
