// Comparison of WebGPU (f32) with the float64 reference, trajectory by trajectory, used by
// trajectories.test.ts and device-check.ts (no vitest import).
//
// Tolerance (derived, not tuned). Let e_k be the largest |x32 − x64| over nodes and states up
// to step k (a max over the history, since delayed states feed the coupling). One f32 step is
// the exact step map Φ applied to the f32 state and history, plus a local rounding error ρ_k:
//   |ρ_k| <= δ = C·u·(M + dt·T) + √dt·g·ε_z·(1 + Z)
// with u = 2^-24 (unit roundoff), M a bound on |x| (from the reference trajectory, with 10 %
// margin), T a bound on the sum of the magnitudes of the drift's terms (rounding in f is
// relative to those terms, not to their possibly cancelling sum), C = 16 roundings per chain
// (each op rounds once, WGSL exp/log/sin/cos on lavapipe are within a few ulp), g the largest
// diffusion, Z = 6 a bound on |z| over these short runs and ε_z the measured relative accuracy
// of the f32 normals (NORMAL_TOLERANCE, checked in philox.test.ts). Φ is Lipschitz in the
// max-norm over (state, history) with constant A = 1 + L·dt + (L·dt)²/2 (Euler: 1 + L·dt),
// where L bounds the row sums of |∂f/∂x| plus the coupling gain times the largest row sum of
// |w| (twice that for difference coupling, which also subtracts Σw·x_i). Then
//   e_{k+1} <= A·e_k + δ   ⇒   e_k <= δ·k·A^k.
// To keep the bound tight, every run picks dt <= 0.1/L and k·L·dt <= 3, so A^k <= e^3.3; the
// bound then sits one to three orders of magnitude above f32 noise but far below any modelling
// bug (a wrong delay slot or a dropped term changes x by O(dt·|f|) per step, ~10^-2 here).
// Samples are stored as f32 by both backends, so each side adds one more rounding: 2u·|x|.
import fc from "fast-check";
import { simulateReference } from "../../src/backends/reference.ts";
import { simulateWebGpu } from "../../src/backends/webgpu/driver.ts";
import type { CompiledModel, ModelSpec } from "../../src/models/spec.ts";
import { type Integrator, prepareSimulation, type SimulationResult } from "../../src/batch/prepare.ts";
import { NORMAL_TOLERANCE } from "./compute.ts";

const U = 2 ** -24;
const C_ROUND = 16;
const Z_MAX = 6;

export interface Case {
  n: number;
  weights: number[];
  delays: number[];
  /** Per lane: one value per parameter (global) or per node (regional), as drawn. */
  params: Record<string, number[]>;
  seeds: number[];
  integrator: Integrator;
}

export const LANES = 2;

export function caseArbitrary(spec: ModelSpec, narrow: Record<string, [number, number]> = {}): fc.Arbitrary<Case> {
  return fc.integer({ min: 2, max: 16 }).chain((n) => {
    const paramArbs: Record<string, fc.Arbitrary<number[]>> = {};
    for (const p of spec.parameters) {
      const [lo, hi] = narrow[p.name] ?? p.bounds;
      const count = p.scope === "regional" ? LANES * n : LANES;
      paramArbs[p.name] = fc.array(fc.double({ min: lo, max: hi, noNaN: true }), { minLength: count, maxLength: count });
    }
    return fc.record({
      n: fc.constant(n),
      // About half the connections present, weights up to 0.5, delays 0..8 steps.
      weights: fc.array(fc.oneof(fc.constant(0), fc.double({ min: 0.01, max: 0.5, noNaN: true })), { minLength: n * n, maxLength: n * n }),
      delays: fc.array(fc.integer({ min: 0, max: 8 }), { minLength: n * n, maxLength: n * n }),
      params: fc.record(paramArbs),
      seeds: fc.array(fc.integer({ min: 0, max: 0xffffffff }), { minLength: LANES, maxLength: LANES }),
      integrator: fc.constantFrom<Integrator>("euler", "heun"),
    });
  });
}

/** Largest value of parameter `name` over lanes (and nodes). */
const maxAbs = (c: Case, name: string) => Math.max(...c.params[name]!.map(Math.abs));

function maxRowSum(c: Case): number {
  let best = 0;
  for (let i = 0; i < c.n; i++) {
    let s = 0;
    for (let j = 0; j < c.n; j++) s += Math.abs(c.weights[i * c.n + j]!);
    best = Math.max(best, s);
  }
  return best;
}

/** L (Lipschitz), T (drift term magnitude) and g (largest diffusion) for a state bound M. */
export interface Bounds {
  L: number;
  T: number;
  g: number;
}

export function hopfBounds(c: Case, M: number, difference: boolean): Bounds {
  const a = maxAbs(c, "a"), w = maxAbs(c, "omega"), G = maxAbs(c, "G");
  const GW = G * maxRowSum(c) * (difference ? 2 : 1);
  return {
    L: a + 6 * M * M + w + GW,
    T: a * M + 3 * M ** 3 + w * M + GW * M,
    g: maxAbs(c, "sigma"),
  };
}

export function wcBounds(c: Case, M: number): Bounds {
  const W = maxRowSum(c);
  const k = maxAbs(c, "k"), r = maxAbs(c, "r");
  const aE = maxAbs(c, "a_E"), aI = maxAbs(c, "a_I");
  const tauE = Math.min(...c.params.tau_E!), tauI = Math.min(...c.params.tau_I!), tauOu = Math.min(...c.params.tau_ou!);
  const gate = 1 + r * M; // |1 − r·rate|
  const LE = (1 + r + gate * (aE / 4) * (maxAbs(c, "wEE") + maxAbs(c, "wEI") + 1 + k * W)) / tauE;
  const LI = (1 + r + gate * (aI / 4) * (maxAbs(c, "wIE") + maxAbs(c, "wII") + 1)) / tauI;
  const inE = (maxAbs(c, "wEE") + maxAbs(c, "wEI") + k * W + 1) * M + maxAbs(c, "ext_E") + maxAbs(c, "theta_E");
  const inI = (maxAbs(c, "wIE") + maxAbs(c, "wII") + 1) * M + maxAbs(c, "ext_I") + maxAbs(c, "theta_I");
  const TE = (M + gate * (2 + (aE / 4) * inE)) / tauE;
  const TI = (M + gate * (2 + (aI / 4) * inI)) / tauI;
  return {
    L: Math.max(LE, LI, 1 / tauOu),
    T: Math.max(TE, TI, M / tauOu),
    g: maxAbs(c, "sigma_ou") * Math.sqrt(2 / tauOu),
  };
}

function optionsFor(model: CompiledModel, c: Case, dt: number, nSteps: number) {
  const lengths = c.delays.map((d) => d * dt); // speed 1 mm/ms → d steps exactly
  return {
    model,
    network: { weights: c.weights, lengths, speed: 1 },
    lanes: LANES,
    dt,
    duration: (nSteps * dt) / 1000,
    integrator: c.integrator,
    seed: c.seeds,
    noise: "independent" as const,
    params: c.params,
    record: { observables: model.stateNames, period: dt },
  };
}

function largest(r: SimulationResult): number {
  let m = 0;
  for (const a of Object.values(r.recorded)) for (const v of a) m = Math.max(m, Math.abs(v));
  return m;
}

/** Runs reference and WebGPU with a dt and length chosen from L; returns the worst error/tolerance ratio. */
export async function compare(model: CompiledModel, c: Case, boundsOf: (c: Case, M: number) => Bounds): Promise<number> {
  // A first reference run at a provisional dt gives M; L (which depends on M) then fixes dt.
  let dt = 0.1;
  let nSteps = 30;
  let ref = simulateReference(prepareSimulation(optionsFor(model, c, dt, nSteps)));
  let M = 1.1 * Math.max(largest(ref), ...model.spec.states.map((s) => Math.abs(s.init)));
  let b = boundsOf(c, M);
  dt = Math.min(0.1, 0.1 / b.L);
  nSteps = Math.min(250, Math.max(30, Math.ceil(3 / (b.L * dt))));
  ref = simulateReference(prepareSimulation(optionsFor(model, c, dt, nSteps)));
  const M2 = 1.1 * largest(ref);
  if (M2 > M) {
    M = M2;
    b = boundsOf(c, M);
  }
  const gpu = await simulateWebGpu(prepareSimulation(optionsFor(model, c, dt, nSteps)));
  const Ldt = b.L * dt;
  const A = c.integrator === "heun" ? 1 + Ldt + (Ldt * Ldt) / 2 : 1 + Ldt;
  const delta = C_ROUND * U * (M + dt * b.T) + Math.sqrt(dt) * b.g * NORMAL_TOLERANCE * (1 + Z_MAX);
  let worst = 0;
  const n = c.n;
  for (const name of model.stateNames) {
    const want = ref.recorded[name]!, got = gpu.recorded[name]!;
    if (got.length !== want.length) throw new Error(`${name}: ${got.length} samples from webgpu, ${want.length} from the reference`);
    for (let lane = 0; lane < LANES; lane++) {
      for (let k = 0; k < nSteps; k++) {
        const tol = delta * (k + 1) * A ** (k + 1);
        for (let i = 0; i < n; i++) {
          const q = (lane * nSteps + k) * n + i;
          const err = Math.abs(got[q]! - want[q]!);
          const bound = tol + 2 * U * Math.abs(want[q]!);
          if (!(err <= bound)) {
            throw new Error(
              `${model.name} ${c.integrator}: ${name} lane ${lane} step ${k + 1} node ${i}: webgpu ${got[q]} vs reference ${
                want[q]
              } (|diff| ${err.toExponential(3)} > bound ${bound.toExponential(3)}; dt ${dt}, L ${b.L.toFixed(3)})`,
            );
          }
          worst = Math.max(worst, err / bound);
        }
      }
    }
  }
  return worst;
}
