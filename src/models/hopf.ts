import type { ModelSpec } from "./spec.ts";

/**
 * Supercritical Hopf (Stuart–Landau) oscillator, as TVB's SupHopf and tvboptim use it:
 *   dx/dt = (a − x² − y²) x − ω y + G c,   dy/dt = (a − x² − y²) y + ω x,
 * c = Σ_j w_ij x_j(t − d_ij) (linear) — use `supHopfDifference` for diffusive coupling.
 * Time in ms: ω in rad/ms (default 2π·10 Hz). Additive noise of amplitude sigma on x and y.
 * Without noise and coupling, a < 0 decays to 0 and a > 0 settles on a circle of radius √a.
 *
 * @example
 * ```ts
 * import { simulate } from "brainfit/sim";
 * import { supHopf } from "brainfit/models";
 * const r = await simulate({
 *   model: supHopf,
 *   network: { weights: [0, 1, 1, 0] },
 *   params: { a: -0.05, G: 0.2 },
 *   duration: 1, // s
 *   record: { observables: ["x"], period: 1 },
 * });
 * ```
 */
export const supHopf: ModelSpec = {
  name: "SupHopf",
  description: "Stuart–Landau normal form of a supercritical Hopf bifurcation, one oscillator per node",
  citation: "Deco et al. 2017 (Sci Rep 7:3095); TVB models.SupHopf / tvboptim (parameter names a, omega, G)",
  states: [
    { name: "x", init: 0.1, description: "real part" },
    { name: "y", init: 0.1, description: "imaginary part" },
  ],
  parameters: [
    { name: "a", default: -0.5, bounds: [-2, 2], unit: "1/ms", scope: "regional", description: "bifurcation parameter" },
    { name: "omega", default: 0.0628318530718, bounds: [0, 1], unit: "rad/ms", scope: "regional", description: "angular frequency" },
    { name: "G", default: 0.1, bounds: [0, 5], unit: "1", scope: "global", description: "global coupling" },
    { name: "sigma", default: 0.01, bounds: [0, 1], unit: "1/√ms", scope: "global", description: "additive noise amplitude" },
  ],
  couplings: [{ name: "c", of: "x", form: "linear" }],
  derived: [{ name: "r2", expr: "x^2 + y^2", description: "squared amplitude" }],
  drift: {
    x: "(a - r2) * x - omega * y + G * c",
    y: "(a - r2) * y + omega * x",
  },
  diffusion: { x: "sigma", y: "sigma" },
  boldInput: "x",
};

/**
 * SupHopf with difference (Laplacian) coupling: c_i = Σ_j w_ij (x_j(t − d_ij) − x_i(t)).
 *
 * @example
 * ```ts
 * import { simulate } from "brainfit/sim";
 * import { supHopfDifference } from "brainfit/models";
 * const r = await simulate({ model: supHopfDifference, network: { weights: [0, 1, 1, 0] }, duration: 1, record: { observables: ["x"], period: 1 } });
 * ```
 */
export const supHopfDifference: ModelSpec = {
  ...supHopf,
  name: "SupHopfDifference",
  couplings: [{ name: "c", of: "x", form: "difference" }],
};
