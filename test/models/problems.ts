// Random small problems for the models' cross-backend tests: a built-in model, network, delays,
// parameters (regional ones per node), seed and integrator, drawn by fast-check.
import fc from "fast-check";
import type { SimulationOptions } from "../../src/batch/prepare.ts";
import { BUILTIN_MODELS } from "../../src/models/index.ts";
import type { ModelSpec } from "../../src/models/spec.ts";

/** Ranges (inside each model's bounds) where explicit integration at dt ≤ 0.1 ms is stable and interesting. */
export const RANGES: Record<string, Record<string, [number, number]>> = {
  rWW: { G: [0, 3], w_p: [0.5, 2], J_N: [0.05, 0.3], wIE: [0.5, 2], sigma: [0, 0.02], I_ext: [0, 0.1] },
  rWWEx: { G: [0, 3], w: [0.5, 1.2], I0: [0.2, 0.4], sigma: [0, 0.01] },
  JansenRit: {
    A: [2.5, 4],
    B: [15, 30],
    C: [100, 170],
    p: [0.1, 0.3],
    sigma_p: [0, 0.1],
    G: [0, 1],
    drive1_mu: [0, 10],
    drive1_sigma: [1, 5],
    drive1_amp: [0, 1],
    drive1_target: [0, 2],
    drive2_mu: [0, 10],
    drive2_amp: [-0.5, 0.5],
    drive2_target: [0, 2],
  },
  Kuramoto: { omega: [0.03, 0.08], K: [0, 1], sigma: [0, 0.1], theta0: [0, 6.28] },
  rWW_BOLD: { G: [0, 3], wIE: [0.5, 2], sigma: [0, 0.02], I_ext: [0, 0.1], bw_kappa: [0.5, 1.6], bw_gamma: [0.4, 2.5] },
  rWWEx_BOLD: { G: [0, 3], w: [0.5, 1.2], sigma: [0, 0.01] },
};
export const NAMES = Object.keys(RANGES);
const REGIONAL = (spec: ModelSpec, name: string) => spec.parameters.find((p) => p.name === name)!.scope === "regional";

export const problem = (names: string[]) =>
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
    for (let i = 0; i < n; i++) {
      for (let j = 0; j < n; j++) {
        const u = next();
        if (i !== j && u < 0.6) W[i * n + j] = u / 0.6 / n;
        L[i * n + j] = 30 * next();
      }
    }
    const params: Record<string, Float64Array> = {};
    for (const [name, [lo, hi]] of Object.entries(RANGES[model]!)) {
      // Regional parameters differ per node too (lanes × nodes), global ones per lane.
      const count = REGIONAL(spec, name) ? lanes * n : lanes;
      params[name] = Float64Array.from({ length: count }, () => lo + (hi - lo) * next());
    }
    const opts: SimulationOptions = {
      model: spec,
      network: { weights: W, lengths: L, speed },
      lanes,
      params,
      duration: 0.01,
      dt,
      integrator: heun ? "heun" : "euler",
      seed,
      noise: "independent",
      record: { observables: spec.states.map((s) => s.name), period: dt },
    };
    return { opts, label: `${model} n=${n} lanes=${lanes} dt=${dt} ${heun ? "heun" : "euler"} seed=${seed}` };
  });
