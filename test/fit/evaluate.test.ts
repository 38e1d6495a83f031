// Batched evaluation: one simulate() call per compatible group, lane results independent of
// the batch they ran in, diverged simulations get a finite worst cost and are counted.
import { describe, expect, it } from "vitest";
import { evaluateBatch, scoreLane } from "../../src/fit/evaluate.ts";
import { averageRangePenalty, defineProblem } from "../../src/fit/problem.ts";
import { batchOptimize, optimize } from "../../src/fit/run.ts";
import { createOptimizer } from "../../src/optim/registry.ts";
import { fcTril } from "../../src/stats/fc.ts";
import { pearson } from "../../src/stats/corr.ts";
import { LENGTHS, N, tinyProblem, tinySpec, WEIGHTS } from "./fixtures.ts";

describe("evaluateBatch", () => {
  it("groups compatible lanes into one simulate() call; results equal single-lane runs", async () => {
    const p1 = tinyProblem();
    const p2 = tinyProblem({ name: "other-seed", simulation: { ...tinySpec().simulation, seed: 11 } });
    const p3 = tinyProblem({ name: "other-net", network: { weights: Float64Array.from(WEIGHTS), lengths: LENGTHS, speed: 5 } });
    const reqs = [
      { problem: p1, x: [0.1] },
      { problem: p2, x: [0.1] },
      { problem: p3, x: [0.4] },
      { problem: p1, x: [0.4] },
      { problem: p2, x: [0.7] },
    ];
    const batch = await evaluateBatch(reqs, { backend: "reference" });
    expect(batch.simulateCalls).toBe(2);
    // Same candidate, different noise seed → different cost; same seed and parameters in another group → same cost.
    expect(batch.results[0]!.cost).not.toBe(batch.results[1]!.cost);
    for (let i = 0; i < reqs.length; i++) {
      const alone = await evaluateBatch([reqs[i]!], { backend: "reference" });
      expect(alone.results[0]!.cost).toBe(batch.results[i]!.cost);
    }
    // p3 has an equal copy of the network: the same candidate gives the same cost as in p1.
    expect(batch.results[2]!.cost).toBe(batch.results[3]!.cost);
  });

  it("splits a group over several simulate() calls at maxLanesPerCall, with identical results", async () => {
    const p = tinyProblem({ simulation: { ...tinySpec().simulation, trials: 2 } });
    const reqs = [0.1, 0.3, 0.5, 0.7, 0.9].map((g) => ({ problem: p, x: [g] }));
    const whole = await evaluateBatch(reqs, { backend: "wasm", threads: 1 });
    const split = await evaluateBatch(reqs, { backend: "wasm", threads: 1, maxLanesPerCall: 4 });
    expect(whole.simulateCalls).toBe(1);
    expect(split.simulateCalls).toBe(3); // 10 lanes, 2 per request, at most 4 per call
    expect(split.results.map((r) => r.cost)).toEqual(whole.results.map((r) => r.cost));
    // A request's trials never straddle calls: a cap below `trials` still runs one request per call.
    const one = await evaluateBatch(reqs.slice(0, 2), { backend: "wasm", threads: 1, maxLanesPerCall: 1 });
    expect(one.simulateCalls).toBe(2);
    expect(one.results.map((r) => r.cost)).toEqual(whole.results.slice(0, 2).map((r) => r.cost));
    await expect(evaluateBatch(reqs, { backend: "wasm", maxLanesPerCall: 0 })).rejects.toThrow(/maxLanesPerCall must be an integer >= 1/);
  });

  it("computes the GOF from the simulated signal as src/stats defines it", async () => {
    const p = tinyProblem();
    const b = await evaluateBatch([{ problem: p, x: [0.3] }], { backend: "reference", keepOutputs: true });
    const out = b.outputs![0]!;
    const sim = fcTril(out.signal, N, out.nTime);
    expect(b.results[0]!.terms["+fc_corr"]).toBeCloseTo(pearson(sim, p.empirical.fcTril!), 12);
    expect(b.results[0]!.cost).toBeCloseTo(-b.results[0]!.terms["+fc_corr"]!, 12);
    expect(out.nTime).toBe(p.nTime);
  });

  it("gives diverged lanes a finite worst cost, counts them, and keeps the run going", async () => {
    // Large coupling with a coarse step: SupHopf's cubic term makes Heun blow up to Inf/NaN.
    const p = tinyProblem({
      free: [{ name: "G", bounds: [0.01, 1e6], scale: "log" }],
      fixed: { a: 1, omega: 0.005, sigma: 0.05 },
      simulation: { duration: 1, dt: 0.5, tr: 0.01, signal: "x" },
    });
    const b = await evaluateBatch([{ problem: p, x: [1e6] }, { problem: p, x: [0.05] }], { backend: "wasm" });
    expect(b.results[0]!.status).toBe("diverged");
    expect(b.results[0]!.cost).toBe(p.divergedCost);
    expect(p.divergedCost).toBe(2); // worst −fc_corr (1) + 1
    expect(b.results[1]!.status).toBe("ok");
    const opt = createOptimizer("random", { lower: p.lower, upper: p.upper, scale: p.scale, batchSize: 4, maxIterations: 3, seed: 2 });
    const r = await optimize(opt, p, { backend: "wasm" });
    expect(r.evaluations).toBe(12);
    expect(r.diverged).toBeGreaterThan(0);
    expect(r.diverged).toBeLessThan(12);
    expect(r.best!.cost).toBeLessThan(p.divergedCost);
    expect(r.stopReason).toBe("budget");
  });

  it("adds penalties to the cost, and per objective for multi-objective problems", () => {
    const p = defineProblem({
      ...tinySpec(),
      penalties: [averageRangePenalty("x", 0, 0.01, 2)],
      objectives: "terms",
      gof: ["+fc_corr", "-fc_diff"],
    });
    const signal = Float64Array.from({ length: N * p.nTime }, (_, k) => Math.sin(k * 0.37) + (k % 5) * 0.1);
    const { result } = scoreLane(p, signal, { x: Float64Array.from({ length: N }, (_, i) => (i < 3 ? 0.11 : 0.005)) });
    expect(result.penalties.range_x).toBeCloseTo((2 * 3 * 0.1) / N, 12);
    const c = result.cost as number[];
    expect(c[0]).toBeCloseTo(-result.terms["+fc_corr"]! + result.penalties.range_x!, 12);
    expect(c[1]).toBeCloseTo(result.terms["-fc_diff"]! + result.penalties.range_x!, 12);
    expect(result.totalCost).toBeCloseTo(c[0]! + c[1]! - result.penalties.range_x!, 12);
  });

  it("weights GOF terms in the summed cost and in the diverged cost; rejects bad weights with the field", () => {
    const signal = Float64Array.from({ length: N * 200 }, (_, k) => Math.sin(k * 0.37) + (k % 5) * 0.1);
    const plain = defineProblem({ ...tinySpec(), gof: ["+fc_corr", "-fc_diff"] });
    const weighted = defineProblem({ ...tinySpec(), gof: ["+fc_corr", "-fc_diff"], gofWeights: { "-fc_diff": 3 } });
    const a = scoreLane(plain, signal.subarray(0, N * plain.nTime), {}).result;
    const b = scoreLane(weighted, signal.subarray(0, N * weighted.nTime), {}).result;
    expect(b.terms).toEqual(a.terms); // values stay unweighted
    expect(b.totalCost).toBeCloseTo(-a.terms["+fc_corr"]! + 3 * a.terms["-fc_diff"]!, 12);
    expect(b.totalCost).not.toBeCloseTo(a.totalCost, 6);
    expect(weighted.divergedCost).toBe(1 + 3 * 2 + 1); // worst fc_corr 1, worst fc_diff 2 (weighted 3) + 1
    expect(weighted.describe().gofWeights).toEqual({ "-fc_diff": 3 });
    expect(() => defineProblem({ ...tinySpec(), gofWeights: { "+fc_diff": 2 } })).toThrow(
      /gofWeights\.\+fc_diff.*not one of the gof terms/,
    );
    expect(() => defineProblem({ ...tinySpec(), gofWeights: { "+fc_corr": -1 } })).toThrow(/gofWeights\.\+fc_corr.*> 0/);
  });

  it("batchOptimize runs problems with different networks and optimizer types; runs stop independently", async () => {
    const p1 = tinyProblem();
    const p2 = tinyProblem({
      name: "b",
      network: { weights: Float64Array.from(WEIGHTS, (w) => w * 0.5), lengths: LENGTHS, speed: 5 },
      simulation: { ...tinySpec().simulation, duration: 1.5 },
    });
    const sizes: number[] = [];
    const runs = await batchOptimize(
      [
        createOptimizer("de", { lower: p1.lower, upper: p1.upper, popsize: 4, maxIterations: 2, seed: 1 }),
        createOptimizer("cmaes", { lower: p2.lower, upper: p2.upper, popsize: 4, maxIterations: 4, seed: 1 }),
      ],
      [p1, p2],
      { backend: "wasm", onGeneration: (g) => void sizes.push(g.running) },
    );
    expect(runs.map((r) => r.generations)).toEqual([2, 4]);
    expect(sizes).toEqual([2, 1, 1, 0]);
    expect(runs.every((r) => r.best !== null && r.stopReason === "budget")).toBe(true);
  });

  it("trials: a candidate's signal is the mean over its noise realisations (seeds seed, seed+1, …)", async () => {
    const sim = tinySpec().simulation;
    const p2 = tinyProblem({ simulation: { ...sim, trials: 2 } });
    const a = tinyProblem({ name: "a", simulation: { ...sim, seed: 3 } });
    const b = tinyProblem({ name: "b", simulation: { ...sim, seed: 4 } });
    const r = await evaluateBatch([{ problem: p2, x: [0.3] }, { problem: a, x: [0.3] }, { problem: b, x: [0.3] }], {
      backend: "reference",
      keepOutputs: true,
    });
    const [m, sa, sb] = r.outputs!.map((o) => o.signal);
    for (let k = 0; k < m!.length; k += 7) expect(m![k]).toBeCloseTo((sa![k]! + sb![k]!) / 2, 12);
    expect(r.simulateCalls).toBe(1);
  });
});
