import type { ModelSpec } from "./spec.ts";
import { transferExpr } from "./rww.ts";

/** Constants of the excitatory-only reduced Wong–Wang model (Deco et al. 2013; cuBNM rWWExModel). */
export const RWWEX_CONSTANTS = {
  J_N: 0.2609, // nA
  a: 270, // n/C
  b: 108, // Hz
  d: 0.154, // s
  gamma: 0.641 / 1000, // per ms
  tau: 100, // ms
} as const;

const k = RWWEX_CONSTANTS;

/**
 * Reduced Wong–Wang, excitatory only (Deco et al. 2013, J Neurosci 33:11239), as cuBNM's rWWEx:
 *   x = w J_N S + G J_N Σ_j w_ij S_j(t − d_ij) + I0
 *   H(x) = r = (a x − b) / (1 − exp(−d (a x − b)))
 *   dS/dt = −S/tau + gamma (1 − S) r + sigma ξ
 * S clipped to [0, 1], initial 0.001. Defaults as cuBNM's example: G 0.5, w 0.9, I0 0.3, sigma 0.001.
 *
 * @example
 * ```ts
 * import { simulate } from "brainfit/sim";
 * import { rwwEx } from "brainfit/models";
 * const r = await simulate({ model: rwwEx, network: { weights: [0, 0.02, 0.02, 0] }, params: { G: 0.5 }, duration: 1, record: { observables: ["S"], period: 1 } });
 * ```
 */
export const rwwEx: ModelSpec = {
  name: "rWWEx",
  description: "reduced Wong–Wang mean-field model, excitatory population only",
  citation: "Deco et al. 2013 (J Neurosci 33:11239); constants and parameter names (G, w, I0, sigma) from cuBNM rWWExModel",
  states: [{ name: "S", init: 0.001, min: 0, max: 1, description: "NMDA gating variable" }],
  parameters: [
    { name: "G", default: 0.5, bounds: [0, 10], unit: "1", scope: "global", description: "global coupling" },
    { name: "w", default: 0.9, bounds: [0, 2], unit: "1", scope: "regional", description: "local excitatory recurrence" },
    { name: "I0", default: 0.3, bounds: [0, 1], unit: "nA", scope: "regional", description: "external input current" },
    { name: "sigma", default: 0.001, bounds: [0, 0.1], unit: "nA", scope: "regional", description: "noise amplitude per √ms" },
  ],
  couplings: [{ name: "c", of: "S", form: "linear" }],
  derived: [
    { name: "x", expr: `w * ${k.J_N} * S + G * ${k.J_N} * c + I0`, description: "input current (nA)" },
    { name: "u", expr: `${k.a} * x - ${k.b}` },
    { name: "r", expr: transferExpr("u", k.d), description: "firing rate H(x) (Hz)" },
  ],
  drift: { S: `-S / ${k.tau} + ${k.gamma} * (1 - S) * r` },
  diffusion: { S: "sigma" },
  boldInput: "S",
};
