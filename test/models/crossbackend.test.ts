// The new models on every backend: wasm and webgpu (f32) against the float64 reference on random
// small networks, parameters, seeds and integrators, within the derived f32 tolerance of
// test/spine/crossbackend.ts (tol = C · ε32 · N · A · X with the amplification A measured).
import { describe, expect, it } from "vitest";
import fc from "fast-check";
import { prepareSimulation, type SimulationOptions, type SimulationResult } from "../../src/sim/prepare.ts";
import { simulateReference } from "../../src/backends/reference.ts";
import { simulate } from "../../src/sim/simulate.ts";
import { probeWebGpu } from "../../src/backends/webgpu/gpu.ts";
import { BUILTIN_MODELS } from "../../src/models/index.ts";
import type { ModelSpec } from "../../src/models/spec.ts";
import { numericalFic } from "../../src/models/fic.ts";
import { f32Tolerance, maxAbsDiff } from "../spine/crossbackend.ts";

/** Ranges (inside each model's bounds) where explicit integration at dt ≤ 0.1 ms is stable and interesting. */
const RANGES: Record<string, Record<string, [number, number]>> = {
  rWW: { G: [0, 3], w_p: [0.5, 2], J_N: [0.05, 0.3], wIE: [0.5, 2], sigma: [0, 0.02], I_ext: [0, 0.1] },
  rWWEx: { G: [0, 3], w: [0.5, 1.2], I0: [0.2, 0.4], sigma: [0, 0.01] },
  JansenRit: {
    A: [2.5, 4], B: [15, 30], C: [100, 170], p: [0.1, 0.3], sigma_p: [0, 0.1], G: [0, 1],
    drive1_mu: [0, 10], drive1_sigma: [1, 5], drive1_amp: [0, 1], drive1_target: [0, 2], drive2_mu: [0, 10], drive2_amp: [-0.5, 0.5], drive2_target: [0, 2],
  },
  Kuramoto: { omega: [0.03, 0.08], K: [0, 1], sigma: [0, 0.1], theta0: [0, 6.28] },
  rWW_BOLD: { G: [0, 3], wIE: [0.5, 2], sigma: [0, 0.02], I_ext: [0, 0.1], bw_kappa: [0.5, 1.6], bw_gamma: [0.4, 2.5] },
  rWWEx_BOLD: { G: [0, 3], w: [0.5, 1.2], sigma: [0, 0.01] },
};
const NAMES = Object.keys(RANGES);
const REGIONAL = (spec: ModelSpec, name: string) => spec.parameters.find((p) => p.name === name)!.scope === "regional";

const problem = (names: string[]) =>
  fc.record({
    model: fc.constantFrom(...names),
    n: fc.integer({ min: 2, max: 8 }),
    lanes: fc.integer({ min: 1, max: 5 }),
    seed: fc.integer({ min: 0, max: 0xffffffff }),
    speed: fc.double({ min: 1, max: 10, noNaN: true }),
    dt: fc.constantFrom(0.05, 0.1),
    heun: fc.boolean(),
    raw: fc.noBias(fc.array(fc.integer({ min: 0, max: 999_999 }).map((v) => v / 1e6), { minLength: 600, maxLength: 600 })),
  }).map(({ model, n, lanes, seed, speed, dt, heun, raw }) => {
    const spec = BUILTIN_MODELS[model]!;
    let k = 0;
    const next = () => raw[k++ % raw.length]!;
    const W = new Float64Array(n * n), L = new Float64Array(n * n);
    for (let i = 0; i < n; i++) for (let j = 0; j < n; j++) {
      const u = next();
      if (i !== j && u < 0.6) W[i * n + j] = u / 0.6 / n;
      L[i * n + j] = 30 * next();
    }
    const params: Record<string, Float64Array> = {};
    for (const [name, [lo, hi]] of Object.entries(RANGES[model]!)) {
      // Regional parameters differ per node too (lanes × nodes), global ones per lane.
      const count = REGIONAL(spec, name) ? lanes * n : lanes;
      params[name] = Float64Array.from({ length: count }, () => lo + (hi - lo) * next());
    }
    const opts: SimulationOptions = {
      model: spec, network: { weights: W, lengths: L, speed }, lanes, params, duration: 0.01, dt,
      integrator: heun ? "heun" : "euler", seed, noise: "independent",
      record: { observables: spec.states.map((s) => s.name), period: dt },
    };
    return { opts, label: `${model} n=${n} lanes=${lanes} dt=${dt} ${heun ? "heun" : "euler"} seed=${seed}` };
  });

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

  // Jansen–Rit is left out here: its derived bound is loose (the measured amplification of a
  // perturbation of all six states is large over 20 ms), ~300× the errors actually seen, so a
  // different noise stream at sigma_p ≤ 0.05 stays inside it. Its agreement is still checked above.
  it("the tolerance catches a wrong noise stream on rWW, rWWEx and Kuramoto", async () => {
    const cases = fc.sample(problem(["rWW", "rWWEx", "Kuramoto"]), { numRuns: 8, seed: 5 });
    let caught = 0;
    for (const { opts } of cases) {
      const o = { ...opts, duration: 0.02, params: { ...opts.params, sigma: 0.01, sigma_p: 0.05 } as Record<string, number | Float64Array> };
      for (const k of Object.keys(o.params)) if (!(k in Object.fromEntries((opts.model as ModelSpec).parameters.map((p) => [p.name, 1])))) delete o.params[k];
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
    const opts = { model: BUILTIN_MODELS.rWW!, network: { weights: W }, lanes: 3, duration: 1, dt: 0.1, params: { G: [0.5, 3, 20] }, seed: 9 };
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
