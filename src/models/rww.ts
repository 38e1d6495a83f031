import type { ModelSpec } from "./spec.ts";

/**
 * Constants of the reduced Wong–Wang E–I model (Deco et al. 2014, J Neurosci 34:7886), with the
 * values and names cuBNM uses (Saberi et al. 2025; cuBNM rWWModel::init_constants). Rates in Hz,
 * currents in nA, time constants in ms; the kinetic factors gamma are per ms (cuBNM divides the
 * paper's 0.641 and 1 by 1000 so that time runs in ms).
 */
export const RWW_CONSTANTS = {
  a_E: 310, // n/C
  b_E: 125, // Hz
  d_E: 0.16, // s
  a_I: 615,
  b_I: 177,
  d_I: 0.087,
  tau_E: 100, // ms, NMDA
  tau_I: 10, // ms, GABA
  gamma_E: 0.641 / 1000,
  gamma_I: 1 / 1000,
  W_E: 1, // scaling of I0 for E
  W_I: 0.7, // scaling of I0 for I
  I0: 0.382, // nA, overall effective external input
  w_II: 1, // I→I self-coupling (cuBNM w_II)
  /** Steady state of an isolated node at r_E ≈ 3 Hz (Demirtaş et al. 2019; cuBNM's FIC constants). */
  S_E_ss: 0.1647572075,
  I_E_ss: 0.377380565,
} as const;

/**
 * Firing rate r = u / (1 − exp(−d u)), u = a I − b (Abbott & Chance 2005 transfer function as
 * Deco et al. 2014 write it). At u = 0 it is 0/0 with limit 1/d; for |u| < 0.1 Hz we use the
 * series (1 + y/2 + y²/12)/d, y = d u, whose truncation error (y⁴/720) is below 1e-10 relative,
 * and which keeps float32 kernels away from the cancellation in 1 − exp(−y).
 */
export function transferExpr(u: string, d: number): string {
  const y = `(${d} * ${u})`;
  return `abs(${u}) < 0.1 ? (1 + ${y} * (0.5 + ${y} / 12)) / ${d} : ${u} / (1 - exp(-${y}))`;
}

const c = RWW_CONSTANTS;

/**
 * Reduced Wong–Wang excitatory–inhibitory model (Deco et al. 2014), the model cuBNM fits:
 *   I_E = W_E I0 + w_p J_N S_E + G J_N Σ_j w_ij S_E,j(t − d_ij) − wIE S_I + I_ext
 *   I_I = W_I I0 + J_N S_E − w_II S_I
 *   r_E = H_E(I_E), r_I = H_I(I_I), H(I) = (a I − b) / (1 − exp(−d (a I − b)))
 *   dS_E/dt = −S_E/tau_E + gamma_E (1 − S_E) r_E + sigma ξ_E
 *   dS_I/dt = −S_I/tau_I + gamma_I r_I + sigma ξ_I
 * S_E and S_I are clipped to [0, 1] after every step and start at 0.001, as in cuBNM. cuBNM
 * integrates with Euler–Maruyama at dt = 0.1 ms: pass integrator "euler" to match it.
 * The BOLD input is S_E (Deco et al. 2014; cuBNM).
 *
 * @example
 * ```ts
 * import { analyticalFic, rww } from "brainfit/models";
 * import { simulate } from "brainfit/sim";
 * const sc = [0, 0.02, 0.02, 0];
 * const { wIE } = analyticalFic({ sc, G: 0.5 }); // feedback inhibition that holds r_E near 3 Hz
 * const r = await simulate({ model: rww, network: { weights: sc }, params: { G: 0.5, wIE }, duration: 2, averages: ["r_E"] });
 * ```
 */
export const rww: ModelSpec = {
  name: "rWW",
  description: "reduced Wong–Wang excitatory–inhibitory mean-field model with NMDA/GABA gating",
  citation:
    "Deco et al. 2014 (J Neurosci 34:7886); Wong & Wang 2006; constants, names (G, w_p, J_N, wIE, sigma) and defaults from cuBNM rWWModel (Saberi et al. 2025)",
  states: [
    { name: "S_E", init: 0.001, min: 0, max: 1, description: "NMDA gating of the excitatory pool" },
    { name: "S_I", init: 0.001, min: 0, max: 1, description: "GABA gating of the inhibitory pool" },
  ],
  parameters: [
    { name: "G", default: 0.5, bounds: [0, 10], unit: "1", scope: "global", description: "global coupling (cuBNM G)" },
    { name: "w_p", default: 1.4, bounds: [0, 5], unit: "1", scope: "regional", description: "recurrent excitation weight (cuBNM w_p)" },
    { name: "J_N", default: 0.15, bounds: [0.001, 0.5], unit: "nA", scope: "regional", description: "NMDA synaptic coupling (cuBNM J_N)" },
    {
      name: "wIE",
      default: 1,
      bounds: [0, 10],
      unit: "nA",
      scope: "regional",
      description: "inhibitory → excitatory weight J_i (cuBNM wIE; set by FIC)",
    },
    {
      name: "sigma",
      default: 0.01,
      bounds: [0, 0.1],
      unit: "nA",
      scope: "global",
      description: "noise amplitude (cuBNM sigma_model), per √ms",
    },
    { name: "I_ext", default: 0, bounds: [-1, 1], unit: "nA", scope: "regional", description: "external input current to E" },
  ],
  couplings: [{ name: "c", of: "S_E", form: "linear" }],
  derived: [
    { name: "I_E", expr: `${c.W_E * c.I0} + w_p * J_N * S_E + G * J_N * c - wIE * S_I + I_ext`, description: "input current to E (nA)" },
    { name: "I_I", expr: `${c.W_I * c.I0} + J_N * S_E - ${c.w_II} * S_I`, description: "input current to I (nA)" },
    { name: "u_E", expr: `${c.a_E} * I_E - ${c.b_E}` },
    { name: "u_I", expr: `${c.a_I} * I_I - ${c.b_I}` },
    { name: "r_E", expr: transferExpr("u_E", c.d_E), description: "excitatory rate (Hz)" },
    { name: "r_I", expr: transferExpr("u_I", c.d_I), description: "inhibitory rate (Hz)" },
  ],
  drift: {
    S_E: `-S_E / ${c.tau_E} + ${c.gamma_E} * (1 - S_E) * r_E`,
    S_I: `-S_I / ${c.tau_I} + ${c.gamma_I} * r_I`,
  },
  diffusion: { S_E: "sigma", S_I: "sigma" },
  boldInput: "S_E",
};
