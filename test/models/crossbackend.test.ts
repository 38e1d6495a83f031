// The new models on every backend: wasm and webgpu (f32) against the float64 reference on random
// small networks, parameters, seeds and integrators, within the derived f32 tolerance of
// test/spine/crossbackend.ts (tol = C · ε32 · N · A · X with the amplification A measured).
import { describe, expect, it } from "vitest";
import fc from "fast-check";
import { NAMES, problem } from "./problems.ts";
import { prepareSimulation, type SimulationResult } from "../../src/batch/prepare.ts";
import { simulateReference } from "../../src/backends/reference.ts";
import { simulate } from "../../src/sim/simulate.ts";
import { probeWebGpu } from "../../src/backends/webgpu/gpu.ts";
import { BUILTIN_MODELS } from "../../src/models/index.ts";
import type { ModelSpec } from "../../src/models/spec.ts";
import { numericalFic } from "../../src/sim/fic.ts";
import { f32Tolerance, maxAbsDiff } from "../spine/crossbackend.ts";

const gpu = await probeWebGpu();

async function check(backend: "wasm" | "webgpu", runs: number, seed: number): Promise<number> {
  let worstRatio = 0;
  await fc.assert(
    fc.asyncProperty(problem(NAMES), async ({ opts, label }) => {
      const ref = simulateReference(prepareSimulation(opts));
      const got: SimulationResult = await simulate({ ...opts, backend, threads: 1 });
      const { tol, amplification } = f32Tolerance(opts, ref);
      const err = maxAbsDiff(ref, got);
      worstRatio = Math.max(worstRatio, err / tol);
      if (!(err <= tol)) throw new Error(`${label}: max |${backend} − ref| = ${err} > tol ${tol} (A = ${amplification})`);
    }),
    { numRuns: runs, seed },
  );
  return worstRatio;
}

describe("new models across backends (derived f32 tolerance)", () => {
  it("wasm agrees with the float64 reference for rWW, rWWEx, Jansen–Rit, Kuramoto and the BOLD variants", async () => {
    const worst = await check("wasm", 36, 606);
    console.log(`models: wasm vs reference worst error / tolerance = ${worst.toFixed(4)}`);
  }, 120_000);

  it.skipIf(!gpu.available)("webgpu agrees with the float64 reference for the same models", async () => {
    const worst = await check("webgpu", 6, 607);
    console.log(`models: webgpu (${gpu.adapter}) vs reference worst error / tolerance = ${worst.toFixed(4)}`);
  }, 120_000);

  it("the tolerance catches a wrong noise stream on rWW, rWWEx, Kuramoto and Jansen–Rit", async () => {
    const cases = fc.sample(problem(["rWW", "rWWEx", "Kuramoto", "JansenRit"]), { numRuns: 10, seed: 5 });
    expect(cases.some(({ opts }) => (opts.model as ModelSpec).name === "JansenRit")).toBe(true);
    let caught = 0;
    for (const { opts } of cases) {
      const o = {
        ...opts,
        duration: 0.02,
        params: { ...opts.params, sigma: 0.01, sigma_p: 0.05 } as Record<string, number | Float64Array>,
      };
      for (const k of Object.keys(o.params)) {
        if (!(k in Object.fromEntries((opts.model as ModelSpec).parameters.map((p) => [p.name, 1])))) delete o.params[k];
      }
      const ref = simulateReference(prepareSimulation(o));
      const { tol } = f32Tolerance(o, ref);
      const wrong = await simulate({ ...o, seed: ((o.seed as number) + 1) >>> 0, backend: "wasm", threads: 1 });
      if (maxAbsDiff(ref, wrong) > tol) caught++;
    }
    expect(caught).toBe(cases.length);
  }, 60_000);

  it("numerical FIC gives the same kind of result on wasm, webgpu and the reference (same failures, trial counts, wIE)", async () => {
    const n = 6;
    const W = Float64Array.from({ length: n * n }, (_, k) => (Math.floor(k / n) === k % n ? 0 : 0.02 * (1 + ((k * 7) % 5))));
    const opts = {
      model: BUILTIN_MODELS.rWW!,
      network: { weights: W },
      lanes: 3,
      duration: 1,
      dt: 0.1,
      params: { G: [0.5, 3, 20] },
      seed: 9,
    };
    const fic = { maxTrials: 4, samplingStart: 200, samplingEnd: 1200 };
    const a = await numericalFic({ ...opts, backend: "reference" }, fic);
    const b = await numericalFic({ ...opts, backend: "wasm", threads: 1 }, fic);
    expect(b.failed).toEqual(a.failed);
    expect(b.trials).toEqual(a.trials);
    for (let i = 0; i < a.wIE.length; i++) expect(b.wIE[i]).toBeCloseTo(a.wIE[i]!, 9);
    expect(a.failed).toContain(true);
    if (gpu.available) {
      const c = await numericalFic({ ...opts, backend: "webgpu" }, fic);
      expect(c.failed).toEqual(a.failed);
      expect(c.trials).toEqual(a.trials);
      for (let i = 0; i < a.wIE.length; i++) expect(c.wIE[i]).toBeCloseTo(a.wIE[i]!, 9);
    }
  }, 60_000);
});
