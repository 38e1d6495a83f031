// Shared by the cross-backend tests: random small problems and the float32 tolerance.
//
// Tolerance derivation (f32 kernel vs the f64 reference on the same noise):
// each step rounds a handful of f32 operations (≤ 0.5 ulp each) and a few transcendental calls
// (≤ 2 ulp each, measured for asm/vmath.ts), so the local error per step is at most
//   δ ≤ C · ε32 · X,   ε32 = 2^-24, C = 32 (a generous count of roundings per step),
// where X is the largest magnitude the state reaches. A local error made at step k is carried
// to step N by the tangent dynamics; the global error obeys (first order) |e_N| ≤ N · max_k |Φ δ_k|.
// Rounding errors scale with each state's own magnitude X_s, so the response to them is
// measured, not guessed: the float64 reference is rerun from an initial state whose state s is
// perturbed by η · X_s (η = 1e-7, same noise), and D = max_t |Δx(t)| / η. Hence the tolerance
//   tol = C · ε32 · N · D.
// (The first version multiplied the amplification of a unit perturbation of every state by the
// largest X over all states; where states differ in scale, as Jansen–Rit's potentials (mV) and
// their derivatives, that over-counted ~10⁴-fold and let a wrong noise stream pass.)
// which is orders of magnitude below the errors real bugs make (a wrong delay or a wrong noise
// draw changes trajectories by O(σ√dt) ≫ tol over the short runs used here).
import fc from "fast-check";
import type { ModelSpec } from "../../src/models/spec.ts";
import { supHopf, supHopfDifference } from "../../src/models/hopf.ts";
import { wilsonCowan } from "../../src/models/wilsoncowan.ts";
import { prepareSimulation, type SimulationOptions, type SimulationResult } from "../../src/batch/prepare.ts";
import { simulateReference } from "../../src/backends/reference.ts";

export const EPS32 = 2 ** -24;
export const ROUNDINGS_PER_STEP = 32;

export interface Problem {
  opts: SimulationOptions;
  label: string;
}

/** Parameter ranges (inside each model's bounds) where explicit integration at dt ≤ 0.1 ms is stable. */
const RANGES: Record<string, Record<string, [number, number]>> = {
  SupHopf: { a: [-1, 1], omega: [0, 1], G: [0, 1], sigma: [0, 0.2] },
  SupHopfDifference: { a: [-1, 1], omega: [0, 1], G: [0, 1], sigma: [0, 0.2] },
  WilsonCowan: {
    wEE: [6, 18],
    wEI: [2, 6],
    wIE: [6, 18],
    wII: [5, 15],
    a_E: [0.6, 1.8],
    theta_E: [1.5, 4],
    a_I: [0.5, 1.5],
    theta_I: [2, 6],
    tau_E: [1, 10],
    tau_I: [1, 10],
    r: [0.5, 1.5],
    ext_E: [0, 3],
    ext_I: [0, 2],
    k: [0, 2],
    tau_ou: [1, 20],
    sigma_ou: [0, 0.3],
  },
};
const MODELS: ModelSpec[] = [supHopf, supHopfDifference, wilsonCowan];

export const problemArb: fc.Arbitrary<Problem> = fc
  .record({
    model: fc.integer({ min: 0, max: MODELS.length - 1 }),
    n: fc.integer({ min: 2, max: 16 }),
    lanes: fc.integer({ min: 1, max: 6 }),
    seed: fc.integer({ min: 0, max: 0xffffffff }),
    speed: fc.double({ min: 1, max: 10, noNaN: true }),
    dt: fc.constantFrom(0.05, 0.1),
    heun: fc.boolean(),
    independent: fc.boolean(),
    // Uniform draws in [0, 1) from integers: fast-check's doubles favour edge values (0, 1,
    // denormals), which would make most weights vanish and most parameters sit on a bound.
    raw: fc.noBias(
      fc.array(fc.integer({ min: 0, max: 999_999 }).map((v) => v / 1e6), { minLength: 3 * 256 + 64 * 6, maxLength: 3 * 256 + 64 * 6 }),
    ),
  })
  .map(({ model, n, lanes, seed, speed, dt, heun, independent, raw }) => {
    const spec = MODELS[model]!;
    let k = 0;
    const next = () => raw[k++ % raw.length]!;
    const W = new Float64Array(n * n);
    const L = new Float64Array(n * n);
    for (let i = 0; i < n; i++) {
      for (let j = 0; j < n; j++) {
        const u = next();
        if (i !== j && u < 0.6) W[i * n + j] = u / 0.6;
        L[i * n + j] = 30 * next();
      }
    }
    // Scale rows to sum ≤ 1 so the coupling gain is set by G / k alone.
    for (let i = 0; i < n; i++) {
      let s = 0;
      for (let j = 0; j < n; j++) s += W[i * n + j]!;
      if (s > 1) { for (let j = 0; j < n; j++) W[i * n + j]! /= s; }
    }
    const params: Record<string, number[]> = {};
    for (const [name, [lo, hi]] of Object.entries(RANGES[spec.name]!)) {
      params[name] = Array.from({ length: lanes }, () => lo + (hi - lo) * next());
    }
    const opts: SimulationOptions = {
      model: spec,
      network: { weights: W, lengths: L, speed },
      lanes,
      params,
      duration: 0.01, // 10 ms: 100–200 steps
      dt,
      integrator: heun ? "heun" : "euler",
      seed,
      noise: independent ? "independent" : "shared",
      record: { observables: spec.states.map((s) => s.name), period: dt },
    };
    return { opts, label: `${spec.name} n=${n} lanes=${lanes} dt=${dt} ${heun ? "heun" : "euler"} seed=${seed}` };
  });

export interface Tolerance {
  tol: number;
  amplification: number;
  scale: number;
  steps: number;
}

/** The tolerance of the derivation above, with D measured on the reference. */
export function f32Tolerance(opts: SimulationOptions, ref: SimulationResult): Tolerance {
  const eta = 1e-7;
  const spec = opts.model as ModelSpec;
  let X = 1e-3;
  const scaleOf: Record<string, number> = {};
  for (const name of Object.keys(ref.recorded)) {
    let m = 0;
    for (const v of ref.recorded[name]!) m = Math.max(m, Math.abs(v));
    scaleOf[name] = m;
    X = Math.max(X, m);
  }
  // Each state perturbed by η times its own scale (floor 1e-3 X so a state that stays at 0 still moves).
  const perturbed: ModelSpec = {
    ...spec,
    states: spec.states.map((s) => ({ ...s, init: s.init + eta * Math.max(scaleOf[s.name] ?? X, 1e-3 * X) })),
  };
  const pert = simulateReference(prepareSimulation({ ...opts, model: perturbed }));
  let D = 1e-3 * X;
  for (const name of Object.keys(ref.recorded)) {
    const a = ref.recorded[name]!, b = pert.recorded[name]!;
    for (let i = 0; i < a.length; i++) D = Math.max(D, Math.abs(a[i]! - b[i]!) / eta);
  }
  const steps = ref.nSteps;
  return { tol: ROUNDINGS_PER_STEP * EPS32 * steps * D, amplification: D / X, scale: X, steps };
}

/** Largest absolute difference over all recorded quantities (NaN if shapes differ or values are not finite). */
export function maxAbsDiff(a: SimulationResult, b: SimulationResult): number {
  let worst = 0;
  for (const name of Object.keys(a.recorded)) {
    const x = a.recorded[name]!, y = b.recorded[name];
    if (!y || y.length !== x.length) return NaN;
    for (let i = 0; i < x.length; i++) {
      const d = Math.abs(x[i]! - y[i]!);
      if (!Number.isFinite(d)) return NaN;
      worst = Math.max(worst, d);
    }
  }
  return worst;
}
