// The examples at reduced size (what CI runs; full size: --full, see examples/README.md).
import { describe, expect, it } from "vitest";
import { existsSync, mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { runExample } from "../../examples/common.ts";
import { wcDeConfig } from "../../examples/wc-de-aal2.ts";
import { wcLocalConfig } from "../../examples/wc-local-aal2.ts";
import { rwwBatchConfig } from "../../examples/rww-fic-batch.ts";
import { hopfParetoConfig, runHopfPareto } from "../../examples/hopf-pareto-dk84.ts";
import { readFileSync } from "node:fs";
import { jrEvokedConfig } from "../../examples/jr-evoked-hnn.ts";
import { evaluateBatch, simulatedSeries } from "../../src/fit/evaluate.ts";
import { smoothHamming } from "../../src/stats/signal.ts";
import { problemsFromConfig, runsFromConfig, validateConfig } from "../../src/fit/config.ts";
import { analyticalFic } from "../../src/models/fic.ts";

const out = mkdtempSync(join(tmpdir(), "brainfit-examples-"));
const args = { out, backend: "wasm" as const };

describe("examples (reduced size)", () => {
  it("full-size configs are valid too", () => {
    for (
      const c of [
        wcDeConfig(true),
        wcLocalConfig(true),
        wcDeConfig(true, "difference"),
        wcLocalConfig(true, "difference"),
        rwwBatchConfig(true),
        hopfParetoConfig(true),
      ]
    ) expect(() => validateConfig(structuredClone(c))).not.toThrow();
  });

  it("2: differential evolution on k (4 candidates per generation)", async () => {
    const { results } = await runExample(wcDeConfig(false), args, true);
    expect(results).toHaveLength(1);
    const r = results[0]!;
    expect(r.stopReason).toBe("budget");
    expect(r.evaluations).toBe(8);
    expect(r.best!.terms["+fc_corr"]).toBeGreaterThan(0);
    for (const f of ["bold.npy", "fc.npy", "best.json", "history.csv"]) expect(existsSync(join(r.dir!, f))).toBe(true);
  });

  it("2/3 --coupling difference: brainmass's diffusive Wilson–Cowan equals the linear one at k = 0 and differs at k > 0", async () => {
    const ctx = { datasets: process.env.BRAINFIT_DATA ? {} : { dataDir: "data" } };
    const [lin] = await problemsFromConfig(structuredClone(wcDeConfig(false)), ctx);
    const [dif] = await problemsFromConfig(structuredClone(wcDeConfig(false, "difference")), ctx);
    expect(dif!.name).toBe("wc-de-aal2-difference");
    expect(dif!.model.spec.couplings).toEqual([{ name: "c", of: "rE", form: "difference" }]);
    expect(lin!.model.spec.couplings[0]!.form).toBe("linear");
    const b = await evaluateBatch([0, 3].flatMap((k) => [{ problem: lin!, x: [k] }, { problem: dif!, x: [k] }]), { backend: "wasm" });
    const c = b.results.map((r) => r.totalCost);
    expect(c[0]).toBe(c[1]);
    expect(c[2]).not.toBe(c[3]);
    expect(b.results.every((r) => r.status === "ok")).toBe(true);
  }, 60_000);

  it("3: L-BFGS-B and Nelder–Mead on (k, sigma_ou) in one batch", async () => {
    const { results } = await runExample(wcLocalConfig(false), args, true);
    expect(results.map((r) => r.optimizer.type)).toEqual(["lbfgsb", "lbfgsb", "nelder-mead"]);
    for (const r of results) {
      expect(r.best).not.toBeNull();
      expect(r.evaluations).toBeGreaterThanOrEqual(8);
    }
    // L-BFGS-B's first generation is its start point and 2·dim finite-difference neighbours.
    expect(results[0]!.optimizer.history[0]!.evaluations).toBe(5);
  });

  it("1: batch CMA-ES on rWW with FIC and Yeo-7 heterogeneity, 2 subjects × 2 seeds", async () => {
    const runs = await runsFromConfig(structuredClone(rwwBatchConfig(false)), {
      datasets: process.env.BRAINFIT_DATA ? {} : { dataDir: "data" },
    });
    const p = runs[0]!.problem;
    expect(p.dims.map((d) => d.name)).toEqual([
      "G",
      ...[0, 1, 2, 3, 4, 5, 6].map((k) => `w_p[${k}]`),
      ...[0, 1, 2, 3, 4, 5, 6].map((k) => `J_N[${k}]`),
    ]);
    // FIC: wIE per node is the analytical FIC of the candidate.
    const x = p.dims.map((d) => (d.lower + d.upper) / 2);
    const params = p.paramsOf(x);
    expect(Array.from(params.wIE as Float64Array)).toEqual(
      Array.from(analyticalFic({ sc: p.network.weights, G: params.G as number, w_p: params.w_p, J_N: params.J_N }).wIE),
    );
    expect(new Set(runs.map((r) => (r.optimizer.toJSON().options as { seed: number }).seed)).size).toBe(4);
    const { results } = await runExample(rwwBatchConfig(false), args, true);
    expect(results.map((r) => r.problem.name)).toEqual([
      "rww-fic-100206-seed1",
      "rww-fic-100206-seed2",
      "rww-fic-100307-seed1",
      "rww-fic-100307-seed2",
    ]);
    for (const r of results) {
      expect(r.evaluations).toBe(8);
      expect(r.best!.penalties).toHaveProperty("fic");
      expect(Object.keys(r.best!.terms)).toEqual(["+fc_corr", "-fcd_ks"]);
    }
  });

  it("5: NSGA-II Pareto front + hypervolume, then Nelder–Mead from every Pareto member in one batch", async () => {
    const { global, local } = await runHopfPareto(false, out, "wasm");
    expect(global.stopReason).toBe("budget");
    expect(global.pareto!.length).toBeGreaterThan(0);
    expect(global.hypervolume!).toBeGreaterThan(0);
    // FC from in-kernel BOLD (simulation.fcSignal), peak frequencies from x: both saved.
    for (const f of ["bold.npy", "x.npy", "fc.npy"]) expect(existsSync(join(global.dir!, f)), f).toBe(true);
    const lines = readFileSync(join(global.dir!, "pareto.jsonl"), "utf8").trim().split("\n");
    expect(lines).toHaveLength(2);
    expect(local).toHaveLength(global.pareto!.length);
    // Each local run starts at its Pareto member (its first candidate), so it ends no worse than
    // that member's summed cost: the same simulation (same seed, common random numbers).
    local.forEach((r, k) => {
      const m = global.pareto![k]!;
      const first = readFileSync(join(r.dir!, "history.csv"), "utf8").split("\n")[1]!.split(",");
      expect(first.slice(3, 6).map(Number)).toEqual(["G", "a", "sigma"].map((d) => m.params[d]));
      expect(r.best!.cost).toBeLessThanOrEqual(m.f[0]! + m.f[1]! + 1e-12);
    });
  });

  it("4: Jansen–Rit evoked drives vs the HNN dipole (trials averaged, smoothed, interpolated at the data's times)", async () => {
    const cfg = await jrEvokedConfig(false);
    const runs = await runsFromConfig(structuredClone(cfg));
    const p = runs[0]!.problem;
    expect(p.trials).toBe(2);
    // The series pipeline: baseline, Hamming smoothing, scale, then linear interpolation at the target times.
    const signal = Float64Array.from({ length: p.nTime }, (_, k) => Math.sin(k / 40) + 0.01 * k);
    const s = simulatedSeries(p, signal);
    const base = smoothHamming(signal.map((v) => v - signal[0]!), 20, 1 / p.tr);
    expect(s).toHaveLength(103);
    const t = p.seriesTimes![50]!;
    const j = Math.floor((t - p.sampleTimesMs[0]!) / (p.tr * 1000));
    const u = (t - p.sampleTimesMs[j]!) / (p.sampleTimesMs[j + 1]! - p.sampleTimesMs[j]!);
    expect(s[50]).toBeCloseTo(base[j]! + u * (base[j + 1]! - base[j]!), 12);
    const { results } = await runExample(cfg, args, true);
    const r = results[0]!;
    expect(r.best!.terms["-rmse"]).toBeGreaterThan(0);
    // Two noise realisations per candidate: every candidate costs two lanes, one history row.
    expect(readFileSync(join(r.dir!, "history.csv"), "utf8").trim().split("\n")).toHaveLength(1 + r.evaluations);
    expect(readFileSync(join(r.dir!, "convergence.csv"), "utf8").trim().split("\n")[0]).toBe(
      "generation,evaluations,best_cost,generation_best_cost,diverged,invalid",
    );
  });
});
