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
import { runsFromConfig, validateConfig } from "../../src/fit/config.ts";
import { analyticalFic } from "../../src/models/fic.ts";

const out = mkdtempSync(join(tmpdir(), "brainfit-examples-"));
const args = { out, backend: "wasm" as const };

describe("examples (reduced size)", () => {
  it("full-size configs are valid too", () => {
    for (const c of [wcDeConfig(true), wcLocalConfig(true), rwwBatchConfig(true), hopfParetoConfig(true)]) expect(() => validateConfig(structuredClone(c))).not.toThrow();
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

  it("3: L-BFGS-B and Nelder–Mead on (k, sigma_ou) in one batch", async () => {
    const { results } = await runExample(wcLocalConfig(false), args, true);
    expect(results.map((r) => r.optimizer.type)).toEqual(["lbfgsb", "nelder-mead"]);
    for (const r of results) {
      expect(r.best).not.toBeNull();
      expect(r.evaluations).toBeGreaterThanOrEqual(8);
    }
    // L-BFGS-B's first generation is its start point and 2·dim finite-difference neighbours.
    expect(results[0]!.optimizer.history[0]!.evaluations).toBe(5);
  });

  it("1: batch CMA-ES on rWW with FIC and Yeo-7 heterogeneity, 2 subjects × 2 seeds", async () => {
    const runs = await runsFromConfig(structuredClone(rwwBatchConfig(false)), { datasets: process.env.BRAINFIT_DATA ? {} : { dataDir: "data" } });
    const p = runs[0]!.problem;
    expect(p.dims.map((d) => d.name)).toEqual(["G", ...[0, 1, 2, 3, 4, 5, 6].map((k) => `w_p[${k}]`), ...[0, 1, 2, 3, 4, 5, 6].map((k) => `J_N[${k}]`)]);
    // FIC: wIE per node is the analytical FIC of the candidate.
    const x = p.dims.map((d) => (d.lower + d.upper) / 2);
    const params = p.paramsOf(x);
    expect(Array.from(params.wIE as Float64Array)).toEqual(Array.from(analyticalFic({ sc: p.network.weights, G: params.G as number, w_p: params.w_p, J_N: params.J_N }).wIE));
    expect(new Set(runs.map((r) => (r.optimizer.toJSON().options as { seed: number }).seed)).size).toBe(4);
    const { results } = await runExample(rwwBatchConfig(false), args, true);
    expect(results.map((r) => r.problem.name)).toEqual(["rww-fic-100206-seed1", "rww-fic-100206-seed2", "rww-fic-100307-seed1", "rww-fic-100307-seed2"]);
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
});
