// brainfit fit end to end, in-process: config file → run folders, exit codes scripts rely on.
import { describe, expect, it } from "vitest";
import { existsSync, mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { runCli as run } from "../cli/run-cli.ts";
import { loadArray } from "../../src/io/load.ts";
import { writeNpy } from "../../src/io/npy.ts";
import { N, targetFc, WEIGHTS } from "./fixtures.ts";

describe("brainfit fit", () => {
  const dir = mkdtempSync(join(tmpdir(), "brainfit-fit-cli-"));
  writeFileSync(join(dir, "w.npy"), writeNpy({ dtype: "float64", shape: [N, N], data: WEIGHTS }));
  writeFileSync(join(dir, "fc.npy"), writeNpy({ dtype: "float64", shape: [N, N], data: targetFc() }));
  const config = {
    name: "cli",
    model: "SupHopf",
    network: { weights: "w.npy", speed: 5 },
    free: [{ name: "G", bounds: [0.01, 1] }],
    fixed: { a: -0.1, omega: 0.005, sigma: 0.05 },
    target: { fc: "fc.npy" },
    gof: ["+fc_corr", "-fc_diff"],
    simulation: { duration: 1, dt: 0.5, tr: 0.01, signal: "x", seed: 2 },
    optimizer: { type: "de", runs: 2, options: { popsize: 4, maxIterations: 3 } },
  };
  writeFileSync(join(dir, "fit.json"), JSON.stringify(config));

  it("--max-lanes splits generations over calls without changing results; a bad value exits 2", async () => {
    const a = await run(["fit", join(dir, "fit.json"), "--out", join(dir, "lanes-all"), "--backend", "wasm", "--threads", "1"]);
    const b = await run([
      "fit",
      join(dir, "fit.json"),
      "--out",
      join(dir, "lanes-3"),
      "--backend",
      "wasm",
      "--threads",
      "1",
      "--max-lanes",
      "3",
    ]);
    expect([a.code, b.code]).toEqual([0, 0]);
    for (const k of [0, 1]) {
      const h = (root: string) => readFileSync(join(dir, root, "cli", `de_run-${k}`, "history.csv"), "utf8");
      expect(h("lanes-3")).toBe(h("lanes-all"));
    }
    const bad = await run(["fit", join(dir, "fit.json"), "--out", join(dir, "lanes-0"), "--max-lanes", "0"]);
    expect(bad.code).toBe(2);
    expect(bad.err).toMatch(/--max-lanes must be an integer >= 1/);
  });

  it("fits, writes run folders relative to --out, and exits 0", async () => {
    const out = join(dir, "out");
    const r = await run(["fit", join(dir, "fit.json"), "--out", out, "--backend", "wasm"]);
    expect(r.err).toBe("");
    expect(r.code).toBe(0);
    expect(r.out).toMatch(/cli\/de_run-0: budget after 3 generations, 12 simulations/);
    expect(r.out).toMatch(/best: G = /);
    expect(r.out).not.toMatch(/\r/); // no progress line when stdout is not a terminal
    for (const k of [0, 1]) {
      const d = join(out, "cli", `de_run-${k}`);
      for (const f of ["config.json", "history.csv", "best.json", "optimizer.json", "checkpoint.json", "fc.npy", "x.npy", "avg_x.npy"]) {
        expect(existsSync(join(d, f)), f).toBe(true);
      }
      const hist = readFileSync(join(d, "history.csv"), "utf8").trim().split("\n");
      expect(hist[0]).toBe("generation,evaluation,status,G,+fc_corr,-fc_diff,gof,cost");
      expect(hist).toHaveLength(13);
      const best = JSON.parse(readFileSync(join(d, "best.json"), "utf8")) as { best: { cost: number; params: { G: number } } };
      const costs = hist.slice(1).map((l) => Number(l.split(",").at(-1)));
      expect(best.best.cost).toBe(Math.min(...costs));
      const fcm = await loadArray(join(d, "fc.npy"));
      expect(fcm.shape).toEqual([N, N]);
      const cfg = JSON.parse(readFileSync(join(d, "config.json"), "utf8")) as { config: typeof config };
      expect(cfg.config).toEqual(config);
    }
    // Same folder again: refused (exit 2) unless --resume or --overwrite.
    const again = await run(["fit", join(dir, "fit.json"), "--out", out, "--backend", "wasm"]);
    expect(again.code).toBe(2);
    expect(again.err).toMatch(/already holds a run; pass resume/);
    const resumed = await run(["fit", join(dir, "fit.json"), "--out", out, "--backend", "wasm", "--resume"]);
    expect(resumed.code).toBe(0);
    // --max-generations pauses; --resume then continues to the end with the same history as one go.
    const paused = join(dir, "paused");
    const p1 = await run(["fit", join(dir, "fit.json"), "--out", paused, "--backend", "wasm", "--max-generations", "1"]);
    expect(p1.code).toBe(0);
    expect(p1.out).toMatch(/cli\/de_run-0: paused \(continue with --resume\) after 1 generations, 4 simulations/);
    expect(existsSync(join(paused, "cli", "de_run-0", "best.json"))).toBe(false);
    const p2 = await run(["fit", join(dir, "fit.json"), "--out", paused, "--backend", "wasm", "--resume"]);
    expect(p2.out).toMatch(/cli\/de_run-0: budget after 3 generations, 12 simulations/);
    for (const k of [0, 1]) {
      const h = (d: string) => readFileSync(join(d, "cli", `de_run-${k}`, "history.csv"), "utf8");
      expect(h(paused)).toBe(h(out));
    }
  });

  it("exits 2 with the field and the fix for config errors, and for bad flags", async () => {
    writeFileSync(join(dir, "bad.json"), JSON.stringify({ ...config, simulation: { ...config.simulation, durration: 1 } }));
    const r = await run(["fit", join(dir, "bad.json")]);
    expect(r.code).toBe(2);
    expect(r.err).toMatch(/simulation: unknown key 'durration'; did you mean 'duration'\?/);
    writeFileSync(join(dir, "notjson.json"), "{ name: ");
    expect((await run(["fit", join(dir, "notjson.json")])).err).toMatch(/not valid JSON/);
    expect((await run(["fit"])).code).toBe(2);
    expect((await run(["fit", join(dir, "fit.json"), "--bakend", "wasm"])).err).toMatch(/unknown option --bakend/);
    const help = await run(["fit", "--help"]);
    expect(help.code).toBe(0);
    expect(help.out).toMatch(/--resume/);
    const check = await run(["fit", join(dir, "fit.json"), "--check"]);
    expect(check.code).toBe(0);
    expect(check.out).toMatch(/config OK: 2 run\(s\)/);
  });
});
