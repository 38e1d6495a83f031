// Numerical FIC in fits: one numericalFic call per simulation group, per-candidate fic_failed
// and fic_trials, the FIC penalty as for analytical FIC, rejectFailed, history.csv columns and
// validation of the fic settings. A 4-node rWW network, 1 s runs, I_E averaged over 0.2–1 s.
import { describe, expect, it } from "vitest";
import { mkdtempSync, readFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { rww } from "../../src/models/rww.ts";
import { ficPenalty } from "../../src/models/fic.ts";
import { numericalFic } from "../../src/sim/fic.ts";
import { defineProblem, type FitProblemSpec } from "../../src/fit/problem.ts";
import { evaluateBatch, simulationGroupKey } from "../../src/fit/evaluate.ts";
import { optimize } from "../../src/fit/run.ts";
import { validateConfig } from "../../src/fit/config.ts";
import { QUICKSTART_CONFIG } from "../../src/fit/quickstart.ts";
import { createOptimizer } from "../../src/optim/registry.ts";

const n = 4;
const W = Float64Array.from([0, 1, 0.3, 0.1, 1, 0, 1, 0.3, 0.3, 1, 0, 1, 0.1, 0.3, 1, 0]);
const FC = Float64Array.from({ length: n * n }, (_, k) => (Math.floor(k / n) === k % n ? 1 : W[k]! * 0.5));
const FIC = { mode: "numerical" as const, maxTrials: 8, samplingStart: 200, samplingEnd: 1000 };
const SIM = { duration: 1, dt: 0.1, tr: 0.01, signal: "S_E", seed: 2, integrator: "euler" as const };
const spec = (over: Partial<FitProblemSpec> = {}): FitProblemSpec => ({
  name: "rww-nfic",
  model: rww,
  network: { weights: W },
  free: [{ name: "G", bounds: [0.1, 20] }],
  target: { fc: FC },
  gof: ["+fc_corr"],
  simulation: SIM,
  fic: FIC,
  ...over,
});
const OPTS = { backend: "wasm" as const, threads: 1 };

describe("numerical FIC in fits", () => {
  it(
    "adjusts wIE per candidate lane in one numericalFic call, flags candidates out of budget, and scores with the adjusted wIE",
    async () => {
      const p = defineProblem(spec());
      const b = await evaluateBatch([{ problem: p, x: [0.5] }, { problem: p, x: [10] }], OPTS);
      const [ok, bad] = b.results;
      // G 0.5 reaches the I_E target within the budget; G 10 needs far more than 8 steps of ≤ 0.02.
      expect(ok!.fic).toEqual({ failed: false, trials: expect.any(Number) });
      expect(ok!.fic!.trials).toBeGreaterThan(0);
      expect(ok!.fic!.trials).toBeLessThan(8);
      expect(bad!.fic).toEqual({ failed: true, trials: 8 });
      // One group: the adjustment ran lanes together until the last one spent its budget (8 adjustments + the final check).
      expect(b.simulateCalls).toBe(1);
      expect(b.ficSimulations).toBe(9);
      // Failed candidates are still scored (cuBNM): status ok, with the FIC penalty on their far-off r_E.
      expect(bad!.status).toBe("ok");
      expect(bad!.penalties.fic).toBeGreaterThan(1);
      expect(ok!.penalties.fic).toBeLessThan(bad!.penalties.fic!);

      // The same score from a problem without FIC whose wIE is fixed to numericalFic's result.
      const fic = await numericalFic({
        model: p.model,
        network: { weights: W },
        lanes: 1,
        params: { G: 0.5 },
        duration: 1,
        dt: 0.1,
        integrator: "euler",
        seed: [2],
        noise: "shared",
        ...OPTS,
      }, FIC);
      expect(fic.trials[0]).toBe(ok!.fic!.trials);
      const fixed = defineProblem(spec({
        fic: undefined,
        fixed: { wIE: fic.wIE },
        penalties: [{ name: "fic", averages: ["r_E"], compute: (out) => ficPenalty(out.averages.r_E!, 2) }],
      }));
      const again = await evaluateBatch([{ problem: fixed, x: [0.5] }], OPTS);
      expect(again.results[0]!.terms["+fc_corr"]).toBe(ok!.terms["+fc_corr"]);
      expect(again.results[0]!.totalCost).toBe(ok!.totalCost);
      // …and analytical FIC (the unadjusted start) scores differently.
      const analytical = defineProblem(spec({ fic: {} }));
      const a = await evaluateBatch([{ problem: analytical, x: [0.5] }], OPTS);
      expect(a.results[0]!.fic).toBeUndefined();
      expect(a.results[0]!.terms["+fc_corr"]).not.toBe(ok!.terms["+fc_corr"]);
    },
    30_000,
  );

  it("rejectFailed gives failed candidates the diverged cost and status fic_failed; other candidates are unchanged", async () => {
    const keep = defineProblem(spec());
    const reject = defineProblem(spec({ fic: { ...FIC, rejectFailed: true } }));
    expect(simulationGroupKey(keep)).not.toBe(simulationGroupKey(reject));
    const b = await evaluateBatch([{ problem: reject, x: [0.5] }, { problem: reject, x: [10] }], OPTS);
    expect(b.results[1]!.status).toBe("fic_failed");
    expect(b.results[1]!.cost).toBe(reject.divergedCost);
    expect(b.results[1]!.fic).toEqual({ failed: true, trials: 8 });
    const k = await evaluateBatch([{ problem: keep, x: [0.5] }], OPTS);
    expect(b.results[0]!.cost).toBe(k.results[0]!.cost);
  }, 30_000);

  it("history.csv records fic_failed and fic_trials per candidate", async () => {
    const p = defineProblem(spec({ fic: { ...FIC, maxTrials: 2 } }));
    const out = mkdtempSync(join(tmpdir(), "brainfit-fic-"));
    const opt = createOptimizer("random", { lower: p.lower, upper: p.upper, scale: p.scale, batchSize: 3, maxIterations: 1, seed: 4 });
    const r = await optimize(opt, p, { ...OPTS, out });
    const lines = readFileSync(join(r.dir!, "history.csv"), "utf8").trim().split("\n");
    const head = lines[0]!.split(",");
    expect(head.slice(-2)).toEqual(["fic_failed", "fic_trials"]);
    expect(lines.length).toBe(4);
    for (const line of lines.slice(1)) {
      const cells = line.split(",");
      expect(["true", "false"]).toContain(cells.at(-2));
      const t = Number(cells.at(-1));
      expect(Number.isInteger(t) && t >= 0 && t <= 2).toBe(true);
      if (cells.at(-2) === "true") expect(t).toBe(2);
    }
  }, 30_000);

  it("validates the fic settings with messages naming the field and the fix", () => {
    const bad = (fic: unknown, over: Partial<FitProblemSpec> = {}) => () =>
      defineProblem(spec({ fic: fic as FitProblemSpec["fic"], ...over }));
    expect(bad({ mode: "numeric" })).toThrow(
      /fic\.mode: 'numeric' is not allowed; use one of "analytical", "numerical" \(did you mean "numerical"\?\)/,
    );
    expect(bad({ mode: "numerical", maxTrial: 3 })).toThrow(/fic: unknown key 'maxTrial'; did you mean 'maxTrials'/);
    expect(bad({ maxTrials: 3 })).toThrow(/fic\.maxTrials: applies only to numerical FIC/);
    expect(bad({ mode: "numerical", maxTrials: 1.5 })).toThrow(/fic\.maxTrials: must be an integer >= 0/);
    expect(bad({ mode: "numerical", tolerance: 0 })).toThrow(/fic\.tolerance: must be > 0/);
    expect(bad({ mode: "numerical", samplingStart: 500, samplingEnd: 400 })).toThrow(
      /fic\.samplingEnd: must be above samplingStart \(500 ms\)/,
    );
    expect(bad({ mode: "numerical", penaltyScale: -1 })).toThrow(/fic\.penaltyScale/);
    expect(bad(FIC, { simulation: { ...SIM, dt: 0.3, tr: 0.0099 } })).toThrow(/simulation\.dt: numerical FIC samples I_E every 1 ms/);
    const cfg = (fic: unknown) => () => validateConfig({ ...structuredClone(QUICKSTART_CONFIG), fic });
    expect(
      cfg({
        mode: "numerical",
        maxTrials: 10,
        tolerance: 0.005,
        samplingStart: 1000,
        samplingEnd: 10000,
        initDelta: 0.02,
        penaltyScale: 2,
        rejectFailed: true,
      }),
    ).not.toThrow();
    expect(cfg({ mode: "numeric" })).toThrow(/fic\.mode/);
    expect(cfg({ mode: "numerical", maxTrials: -1 })).toThrow(/fic\.maxTrials/);
  });
});
