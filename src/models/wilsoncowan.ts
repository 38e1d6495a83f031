import type { ModelSpec } from "./spec.ts";

/**
 * Wilson–Cowan E/I rate model as brainmass (and BrainPy before it) writes it:
 *   τ_E drE/dt = −rE + (1 − r·rE) F_E(wEE rE − wEI rI + ext_E + k c + ou_E)
 *   τ_I drI/dt = −rI + (1 − r·rI) F_I(wIE rE − wII rI + ext_I + ou_I)
 *   F(x; a, θ) = 1/(1 + exp(−a(x − θ))) − 1/(1 + exp(aθ))
 * with c = Σ_j w_ij rE_j(t − d_ij). Defaults are BrainPy/brainmass's (wEE 12, wEI 4, wIE 13,
 * wII 11, a_E 1.2, θ_E 2.8, a_I 1, θ_I 4, τ 1 ms, r 1).
 * Noise is Ornstein–Uhlenbeck, as brainmass's OUProcess: d ou = −ou/τ_ou dt + σ √(2/τ_ou) dW,
 * so sigma_ou is the stationary standard deviation of the input fluctuation.
 *
 * @example
 * ```ts
 * import { simulate } from "brainfit/sim";
 * import { wilsonCowan } from "brainfit/models";
 * const r = await simulate({ model: wilsonCowan, network: { weights: [0, 1, 1, 0] }, duration: 1, record: { observables: ["rE"], period: 1 } });
 * ```
 */
export const wilsonCowan: ModelSpec = {
  name: "WilsonCowan",
  description: "Wilson–Cowan excitatory/inhibitory rate model with Ornstein–Uhlenbeck input noise",
  citation: "Wilson & Cowan 1972 (Biophys J 12:1); brainmass WilsonCowanModel / BrainPy WilsonCowan defaults",
  states: [
    { name: "rE", init: 0.1, description: "excitatory rate" },
    { name: "rI", init: 0.1, description: "inhibitory rate" },
    { name: "ou_E", init: 0, description: "OU input noise to E" },
    { name: "ou_I", init: 0, description: "OU input noise to I" },
  ],
  parameters: [
    { name: "wEE", default: 12, bounds: [0, 30], unit: "1", scope: "regional", description: "E→E weight" },
    { name: "wEI", default: 4, bounds: [0, 30], unit: "1", scope: "regional", description: "I→E weight" },
    { name: "wIE", default: 13, bounds: [0, 30], unit: "1", scope: "regional", description: "E→I weight" },
    { name: "wII", default: 11, bounds: [0, 30], unit: "1", scope: "regional", description: "I→I weight" },
    { name: "a_E", default: 1.2, bounds: [0.1, 5], unit: "1", scope: "regional", description: "E sigmoid gain" },
    { name: "theta_E", default: 2.8, bounds: [0, 10], unit: "1", scope: "regional", description: "E sigmoid threshold" },
    { name: "a_I", default: 1, bounds: [0.1, 5], unit: "1", scope: "regional", description: "I sigmoid gain" },
    { name: "theta_I", default: 4, bounds: [0, 10], unit: "1", scope: "regional", description: "I sigmoid threshold" },
    { name: "tau_E", default: 1, bounds: [0.1, 50], unit: "ms", scope: "regional", description: "E time constant" },
    { name: "tau_I", default: 1, bounds: [0.1, 50], unit: "ms", scope: "regional", description: "I time constant" },
    { name: "r", default: 1, bounds: [0, 2], unit: "1", scope: "regional", description: "refractoriness" },
    { name: "ext_E", default: 0, bounds: [-5, 10], unit: "1", scope: "regional", description: "external input to E" },
    { name: "ext_I", default: 0, bounds: [-5, 10], unit: "1", scope: "regional", description: "external input to I" },
    { name: "k", default: 1, bounds: [0, 10], unit: "1", scope: "global", description: "global coupling" },
    { name: "tau_ou", default: 5, bounds: [0.1, 100], unit: "ms", scope: "global", description: "OU noise time constant" },
    { name: "sigma_ou", default: 0.01, bounds: [0, 2], unit: "1", scope: "global", description: "OU noise stationary SD" },
  ],
  couplings: [{ name: "c", of: "rE", form: "linear" }],
  derived: [
    { name: "in_E", expr: "wEE * rE - wEI * rI + ext_E + k * c + ou_E", description: "total input to E" },
    { name: "in_I", expr: "wIE * rE - wII * rI + ext_I + ou_I", description: "total input to I" },
    { name: "F_E", expr: "1 / (1 + exp(-a_E * (in_E - theta_E))) - 1 / (1 + exp(a_E * theta_E))" },
    { name: "F_I", expr: "1 / (1 + exp(-a_I * (in_I - theta_I))) - 1 / (1 + exp(a_I * theta_I))" },
  ],
  drift: {
    rE: "(-rE + (1 - r * rE) * F_E) / tau_E",
    rI: "(-rI + (1 - r * rI) * F_I) / tau_I",
    ou_E: "-ou_E / tau_ou",
    ou_I: "-ou_I / tau_ou",
  },
  diffusion: { ou_E: "sigma_ou * sqrt(2 / tau_ou)", ou_I: "sigma_ou * sqrt(2 / tau_ou)" },
  boldInput: "rE",
};
