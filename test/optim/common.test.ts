// Properties every optimizer must have: candidates inside bounds, robustness to NaN/±Inf
// costs, bit-identical continuation after JSON serialise/restore, and the batch driver.
import { describe, expect, it } from "vitest";
import fc from "fast-check";
import { BatchDriver, CMAES, createOptimizer, OptimizerOptionError, OptimizerUsageError, restoreOptimizer } from "../../src/optim/index.ts";
import { decodeJson } from "../../src/optim/json.ts";
import { type Box, evaluate, KINDS, makeOptimizer, needsGrads, step } from "./harness.ts";

const boxArb = (n: number) =>
  fc.array(fc.tuple(fc.double({ min: -1e3, max: 1e3, noNaN: true }), fc.double({ min: 1e-3, max: 2e3, noNaN: true }), fc.boolean()), {
    minLength: n,
    maxLength: n,
  })
    .map((spec): Box => ({
      lower: spec.map(([l, , log]) => (log ? Math.abs(l) / 10 + 1e-3 : l)),
      upper: spec.map(([l, w, log]) => (log ? (Math.abs(l) / 10 + 1e-3) * (1 + w) : l + w)),
      scale: spec.map(([, , log]) => (log ? "log" : "linear")),
    }));

function inBox(x: number[], box: Box): boolean {
  return x.length === box.lower.length && x.every((v, i) => Number.isFinite(v) && v >= box.lower[i] && v <= box.upper[i]);
}

/** Deterministic pseudo-random invalid pattern: ~30% NaN, some +Inf and -Inf. */
const someInvalid = (x: number[], k: number): number | null => {
  const h = Math.abs(Math.sin(x.reduce((a, v, i) => a + v * (i + 1.618), 0) * 12.9898 + k) * 43758.5453) % 1;
  return h < 0.2 ? NaN : h < 0.25 ? Infinity : h < 0.3 ? -Infinity : null;
};

describe("every optimizer", () => {
  for (const kind of KINDS) {
    it(`${kind}: candidates stay inside random bounds (incl. log-scaled parameters)`, () => {
      fc.assert(
        fc.property(
          fc.integer({ min: 1, max: 4 }).chain((n) => fc.tuple(boxArb(n), fc.integer({ min: 0, max: 2 ** 31 }))),
          ([box, seed]) => {
            const opt = makeOptimizer(kind, box, seed);
            for (let it = 0; it < 8 && !opt.done; it++) {
              const xs = step(opt, kind, box, seed % 3 === 0 ? someInvalid : () => null);
              for (const x of xs) expect(inBox(x, box)).toBe(true);
            }
            if (opt.best) expect(inBox(opt.best.x, box)).toBe(true);
          },
        ),
        { numRuns: kind === "bo" ? 8 : 25 },
      );
    });

    it(`${kind}: NaN/±Inf costs neither crash nor stall it`, () => {
      const box: Box = { lower: [-2, -1, 0.5], upper: [3, 1, 4] };
      for (const pattern of [someInvalid, () => NaN]) {
        const opt = makeOptimizer(kind, box, 7);
        const seen = new Set<string>();
        let asks = 0;
        for (let it = 0; it < 25 && !opt.done; it++) {
          const xs = step(opt, kind, box, pattern);
          if (xs.length) asks++;
          for (const x of xs) {
            expect(inBox(x, box)).toBe(true);
            seen.add(x.join(","));
          }
        }
        // Either it stopped with a reason, or it kept proposing new points.
        if (!opt.done) expect(seen.size).toBeGreaterThan(Math.min(asks, 3));
        else expect(opt.stopReason).not.toBeNull();
        for (const h of opt.history) expect(Number.isNaN(h.bestCost)).toBe(false);
      }
      // Mixed pattern: the best point found is a finite one.
      const opt = makeOptimizer(kind, box, 3);
      for (let it = 0; it < 15 && !opt.done; it++) step(opt, kind, box, someInvalid);
      if (opt.objectives === 1 && opt.best) expect(Number.isFinite(opt.best.cost)).toBe(true);
    });

    it(`${kind}: serialise/restore mid-run continues bit-identically`, () => {
      const box: Box = { lower: [-2, 1e-3, 0.5], upper: [3, 10, 4], scale: ["linear", "log", "linear"] };
      for (const [cut, afterAsk] of [[3, false], [5, true]] as const) {
        const a = makeOptimizer(kind, box, 11);
        for (let it = 0; it < cut && !a.done; it++) step(a, kind, box, someInvalid);
        if (afterAsk) a.ask(); // outstanding ask survives the round trip
        const json = JSON.stringify(a.toJSON());
        const b = restoreOptimizer(JSON.parse(json));
        expect(JSON.stringify(b.toJSON())).toBe(json);
        for (let it = 0; it < 8; it++) {
          const xa = a.ask();
          const xb = b.ask();
          expect(xb.length).toBe(xa.length);
          xa.forEach((row, k) => row.forEach((v, i) => expect(Object.is(v, xb[k][i])).toBe(true)));
          if (xa.length === 0) break;
          const ea = evaluate(a, box, xa, someInvalid);
          a.tell(xa, ea.costs, needsGrads(kind) ? { grads: ea.grads } : undefined);
          b.tell(xb, ea.costs, needsGrads(kind) ? { grads: ea.grads } : undefined);
        }
        expect(b.best).toEqual(a.best);
        expect(b.stopReason).toBe(a.stopReason);
        expect(JSON.stringify(b.toJSON())).toBe(JSON.stringify(a.toJSON()));
      }
    });
  }
});

describe("ask/tell contract", () => {
  it("ask() is idempotent until tell(); tell() checks its inputs", () => {
    const o = createOptimizer("cmaes", { x0: [0, 0], sigma0: 1, seed: 1 });
    const a = o.ask();
    expect(o.ask()).toEqual(a);
    expect(() => o.tell(a.slice(1), [1])).toThrow(OptimizerUsageError);
    const wrong = a.map((r) => r.map((v) => v + 1));
    expect(() => o.tell(wrong, a.map(() => 1))).toThrow(/differs from what ask/);
    o.tell(a.map((r) => Float64Array.from(r)), a.map(() => 1)); // typed-array rows accepted
    expect(() => o.tell(a, a.map(() => 1))).toThrow(/ask\(\) first/);
    expect(o.evaluations).toBe(a.length);
    expect(o.history).toHaveLength(1);
  });

  it("stops for budget, target and stop(); done optimizers ask nothing", () => {
    const f = (x: number[]) => x[0] * x[0] + x[1] * x[1];
    const o = new CMAES({ x0: [1, 1], sigma0: 0.5, seed: 2, maxEvaluations: 30 });
    while (!o.done) {
      const xs = o.ask();
      o.tell(xs, xs.map(f));
    }
    expect(o.stopReason).toBe("budget");
    expect(o.evaluations).toBeGreaterThanOrEqual(30);
    expect(o.ask()).toEqual([]);
    const t = new CMAES({ x0: [1, 1], sigma0: 0.5, seed: 2, targetCost: 1e-3 });
    while (!t.done) {
      const xs = t.ask();
      t.tell(xs, xs.map(f));
    }
    expect(t.stopReason).toBe("target");
    expect(t.best!.cost).toBeLessThanOrEqual(1e-3);
    const s = createOptimizer("random", { lower: [0], upper: [1] });
    s.stop();
    expect(s.done && s.stopReason === "stopped").toBe(true);
    const g = createOptimizer("random", { lower: [0], upper: [1], batchSize: 1, maxStagnationIterations: 3 });
    while (!g.done) {
      const xs = g.ask();
      g.tell(xs, [1]);
    }
    expect(g.stopReason).toBe("stagnation");
    expect(g.iteration).toBe(4);
  });

  it("rejects bad options with messages naming the field", () => {
    expect(() => createOptimizer("de", { lower: [0, 0], upper: [1] })).toThrow(/upper: expected 2/);
    expect(() => createOptimizer("de", { lower: [0], upper: [Infinity] })).toThrow(/finite/);
    expect(() => createOptimizer("cmaes", { lower: [0], upper: [1], scale: ["log"] })).toThrow(OptimizerOptionError);
    expect(() => createOptimizer("cmaes", { dim: 2 })).toThrow(/x0/);
    expect(() => createOptimizer("nope" as "de", { lower: [0], upper: [1] })).toThrow(/unknown optimizer/);
    expect(() => restoreOptimizer({ format: "x" } as never)).toThrow(/brainfit.optimizer/);
    expect(() => createOptimizer("cmaes", { x0: [0], sigma: 1 })).toThrow(/unknown key 'sigma'; did you mean 'sigma0'/);
    const fromConfig = createOptimizer(String("pso"), { lower: [0], upper: [1], popsize: 4 });
    expect(fromConfig.type).toBe("pso");
  });

  it("resolved options of every optimizer are accepted by createOptimizer (option lists in sync)", () => {
    for (const kind of KINDS) {
      const o = makeOptimizer(kind, { lower: [0.5, 1], upper: [2, 3] }, 1);
      const json = o.toJSON();
      const again = createOptimizer(json.type, decodeJson(json.options) as Record<string, unknown>);
      expect(JSON.stringify(again.toJSON().options)).toBe(JSON.stringify(json.options));
    }
  });

  it("log-scaled parameters are searched log-uniformly", () => {
    const o = createOptimizer("random", { lower: [1e-3], upper: [1e3], scale: ["log"], batchSize: 2000, seed: 4 });
    const xs = o.ask().map((x) => x[0]);
    const belowOne = xs.filter((v) => v < 1).length / xs.length;
    expect(belowOne).toBeGreaterThan(0.45);
    expect(belowOne).toBeLessThan(0.55);
  });
});

describe("BatchDriver", () => {
  it("steps mixed optimizers in lockstep, splits costs back, stops each on its own", async () => {
    const box: Box = { lower: [-1, -1], upper: [1, 1] };
    const mk = () => [
      createOptimizer("cmaes", { ...box, seed: 1, maxEvaluations: 60 }),
      createOptimizer("de", { ...box, seed: 2, popsize: 6, maxIterations: 3 }),
      createOptimizer("sobol", { ...box, seed: 3, batchSize: 5, maxEvaluations: 20 }),
      createOptimizer("nsga2", { ...box, objectives: 2, popsize: 4, maxIterations: 2 }),
      createOptimizer("lbfgsb", { ...box, x0: [0.5, 0.5] }),
    ];
    const f = (x: number[]) => (x[0] - 0.2) ** 2 + (x[1] + 0.1) ** 2;
    const driver = new BatchDriver(mk());
    const solo = mk();
    let rounds = 0;
    const costOf = (d: BatchDriver, xs: number[][]) =>
      xs.map((x, r) => {
        const owner = d.slices.find((s) => r >= s.start && r < s.start + s.count)!;
        return d.optimizers[owner.optimizer].objectives === 2 ? [f(x), x[0]] : f(x);
      });
    while (!driver.done && rounds < 200) {
      const xs = driver.ask();
      expect(xs.length).toBe(driver.slices.reduce((a, s) => a + s.count, 0));
      // Each instance sees exactly what it would see alone.
      for (const s of driver.slices) {
        const alone = solo[s.optimizer].ask();
        expect(xs.slice(s.start, s.start + s.count)).toEqual(alone);
        solo[s.optimizer].tell(alone, alone.map((x) => (solo[s.optimizer].objectives === 2 ? [f(x), x[0]] : f(x))));
      }
      if (rounds === 4) {
        // Serialise mid-run (after ask): the restored driver asks the same population.
        const restored = BatchDriver.fromJSON(JSON.parse(JSON.stringify(driver.toJSON())));
        expect(restored.ask()).toEqual(xs);
      }
      driver.tell(costOf(driver, xs));
      rounds++;
    }
    expect(driver.done).toBe(true);
    expect(driver.optimizers.map((o) => o.stopReason)).toEqual(["budget", "budget", "budget", "budget", solo[4].stopReason]);
    expect(driver.optimizers[1].evaluations).toBe(18);
    expect(driver.optimizers.map((o) => o.evaluations)).toEqual(solo.map((o) => o.evaluations));
    // run(): async evaluation callback
    const d2 = new BatchDriver([
      createOptimizer("random", { ...box, batchSize: 3, maxEvaluations: 9 }),
      createOptimizer("grid", { ...box, points: 2 }),
    ]);
    await d2.run(async (xs) => xs.map(f));
    expect(d2.optimizers.map((o) => [o.evaluations, o.stopReason])).toEqual([[9, "budget"], [4, "exhausted"]]);
    expect(() => d2.tell([1])).toThrow(/ask\(\) first/);
  });
});
