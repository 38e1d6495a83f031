// Balloon–Windkessel BOLD as a spec transform: withBold(spec) adds four states per node, declared
// slow (spec.slow): every backend integrates them in the kernel with Euler at bw_dt (default 1 ms,
// cuBNM's) from the model's BOLD input, and a recorded `bold` observable sampled at TR is all a
// simulation needs to keep.
import { type ModelSpec, ModelSpecError } from "./spec.ts";

/**
 * Haemodynamic constants. Time constants in s as the literature gives them; V0 in percent
 * (cuBNM's V_0 = 0.02 · 100), so `bold` is percent signal change.
 */
export interface BoldConstants {
  /** Rate of signal decay κ (1/s) and of flow-dependent elimination γ (1/s). */
  kappa: number;
  gamma: number;
  /** Haemodynamic transit time τ (s) and Grubb's exponent α. */
  tau: number;
  alpha: number;
  /** Resting oxygen extraction fraction E0 (cuBNM rho). */
  E0: number;
  /** Resting venous blood volume fraction, in percent. */
  V0: number;
  /** BOLD signal coefficients. */
  k1: number;
  k2: number;
  k3: number;
}

/** Friston et al. 2003 (NeuroImage 19:1273) Table 1 / Friston et al. 2000: rates κ 0.65/s, γ 0.41/s. */
const BALLOON = { kappa: 0.65, gamma: 0.41, tau: 0.98, alpha: 0.32, E0: 0.34, V0: 2 };

/**
 * Parameter sets:
 *  - friston2003: the balloon constants as Friston et al. 2003 publish them (κ = 0.65 s⁻¹ signal
 *    decay, γ = 0.41 s⁻¹ autoregulation, τ 0.98 s, α 0.32, E0 0.34) with k1 = 7 E0, k2 = 2,
 *    k3 = 2 E0 − 0.2. A 100-ms impulse peaks ≈ 3.1 s later and undershoots after.
 *  - cubnm: what cuBNM (and Deco et al.'s BOLD.m it follows) integrates under the name
 *    'friston2003': the same constants except κ = 1/0.65 s⁻¹ and γ = 1/0.41 s⁻¹ (0.65 and 0.41
 *    read as time constants), a faster response (impulse peak ≈ 1.7 s). Use it to reproduce cuBNM.
 *  - heinzle2016-3T: the Stephan et al. 2007 (NeuroImage 38:387) signal equation with Heinzle et
 *    al. 2016 (NeuroImage 125:556) 3 T values: k1 = 4.3 ν0 E0 TE, k2 = ε r0 E0 TE, k3 = 1 − ε with
 *    ν0 = 28.265 s⁻¹·T × 3 T = 84.8 s⁻¹, r0 = 110 s⁻¹, ε = 0.47, E0 = 0.34, TE = 30 ms, which give
 *    cuBNM's k1 = 3.72, k2 = 0.527, k3 = 0.53; balloon constants as friston2003.
 * A 7 T preset is not offered: we could not verify Heinzle et al.'s 7 T values (TE, r0, ε) from a
 * source here. boldConstantsAtField({ B0: 7, TE, r0, epsilon }) builds the set from your
 * acquisition's values with the same equations (it reproduces the 3 T set from B0 = 3, TE 30 ms,
 * r0 110 s⁻¹, ε 0.47).
 * V0 is 2 (percent) in every set, as cuBNM's V_0 = 0.02 · 100.
 */
export const BOLD_PARAMS: Record<"friston2003" | "cubnm" | "heinzle2016-3T", BoldConstants> = {
  friston2003: { ...BALLOON, k1: 7 * 0.34, k2: 2, k3: 2 * 0.34 - 0.2 },
  cubnm: { ...BALLOON, kappa: 1 / 0.65, gamma: 1 / 0.41, k1: 7 * 0.34, k2: 2, k3: 2 * 0.34 - 0.2 },
  "heinzle2016-3T": { ...BALLOON, k1: 3.72, k2: 0.527, k3: 0.53 },
};

export type BoldParamSet = keyof typeof BOLD_PARAMS;

/** Frequency offset at the outer surface of magnetised vessels per tesla (s⁻¹ T⁻¹), Heinzle et al. 2016. */
export const NU0_PER_TESLA = 28.265;

export interface FieldStrengthOptions {
  /** Field strength in T. */
  B0: number;
  /** Echo time in s (e.g. 0.03). */
  TE: number;
  /** Slope of the intravascular relaxation rate against oxygen saturation, s⁻¹ (110 at 3 T). */
  r0: number;
  /** Ratio of intra- to extravascular signal, ε (0.47 at 3 T). */
  epsilon: number;
  /** Resting oxygen extraction (default 0.34) and the other balloon constants (default friston2003's). */
  E0?: number;
  balloon?: Partial<Pick<BoldConstants, "kappa" | "gamma" | "tau" | "alpha" | "V0">>;
}

/**
 * Balloon–Windkessel constants for a field strength and echo time with the signal equation of
 * Stephan et al. 2007 as Heinzle et al. 2016 parameterise it: ν0 = 28.265 s⁻¹T⁻¹ · B0,
 * k1 = 4.3 ν0 E0 TE, k2 = ε r0 E0 TE, k3 = 1 − ε. Errors name the field when a value is outside
 * its physical range.
 */
export function boldConstantsAtField(o: FieldStrengthOptions): BoldConstants {
  const check = (name: string, v: number, ok: boolean, range: string) => {
    if (!(typeof v === "number" && Number.isFinite(v) && ok)) {
      throw new ModelSpecError("BOLD", `field.${name}`, `must be ${range}, got ${String(v)}`);
    }
  };
  check("B0", o.B0, o.B0 > 0, "a field strength in T > 0");
  check("TE", o.TE, o.TE > 0 && o.TE < 1, "an echo time in s in (0, 1) (e.g. 0.03 for 30 ms)");
  check("r0", o.r0, o.r0 > 0, "a rate in 1/s > 0");
  check("epsilon", o.epsilon, o.epsilon > 0, "a ratio > 0");
  const E0 = o.E0 ?? BALLOON.E0;
  check("E0", E0, E0 > 0 && E0 < 1, "an extraction fraction in (0, 1)");
  const nu0 = NU0_PER_TESLA * o.B0;
  return { ...BALLOON, ...o.balloon, E0, k1: 4.3 * nu0 * E0 * o.TE, k2: o.epsilon * o.r0 * E0 * o.TE, k3: 1 - o.epsilon };
}

/**
 * Options of withBold: the Balloon–Windkessel parameter set (or field-strength constants) and
 * the step of the BOLD states (ms).
 *
 * @example
 * ```ts
 * import { rww, withBold, type WithBoldOptions } from "brainfit/models";
 * const opts: WithBoldOptions = { dt: 1 }; // ms, the default
 * const model = withBold(rww, opts);
 * ```
 */
export interface WithBoldOptions {
  params?: BoldParamSet | BoldConstants;
  /**
   * bw_dt: the Balloon–Windkessel Euler step in ms (default 1, as cuBNM), a whole multiple of the
   * model dt (simulate's slowDt overrides it per run). 0 integrates BOLD in place instead, at
   * the model dt with the model's integrator (Heun included): ~20 % slower for rWW at dt 0.1 ms.
   */
  dt?: number;
}

/** cuBNM's bw_dt (ms). */
export const DEFAULT_BW_DT = 1;

const NAMES = ["bw_s", "bw_f", "bw_v", "bw_q"];
const PARAMS: (keyof BoldConstants)[] = ["kappa", "gamma", "tau", "alpha", "E0", "V0", "k1", "k2", "k3"];

/**
 * A new spec: `spec` plus Balloon–Windkessel (Friston et al. 2000/2003; Stephan et al. 2007)
 * driven by spec.boldInput x, with time t in ms (hence the 1/1000):
 *   ds/dt = (x − κ s − γ (f − 1)) / 1000
 *   df/dt = s / 1000
 *   dv/dt = (f − v^{1/α}) / (1000 τ)
 *   dq/dt = (f (1 − (1 − E0)^{1/f}) / E0 − v^{1/α} q / v) / (1000 τ)
 *   bold  = V0 (k1 (1 − q) + k2 (1 − q/v) + k3 (1 − v))          (percent)
 * The states hold deviations from rest (bw_f = f − 1, bw_v = v − 1, bw_q = q − 1, all starting
 * at 0) so that float32 kernels keep their precision: increments of 1e-7 per step would be lost
 * next to a value of 1 but not next to a value of 1e-2. The constants become global parameters
 * bw_kappa … bw_k3 whose defaults are the chosen set, so every set shares one compiled kernel.
 * By default the four states are slow (spec.slow): Euler at bw_dt = 1 ms from the model state
 * every ms, as cuBNM, skipping the haemodynamic work on the other model steps; options.dt = 0
 * integrates them at the model dt instead (see docs/models.md for the accuracy of both).
 *
 * @example
 * ```ts
 * import { supHopf, withBold } from "brainfit/models";
 * import { simulateBold } from "brainfit/sim";
 * const model = withBold(supHopf); // Balloon–Windkessel states added as slow states
 * const { bold, volumes } = await simulateBold({ model, network: { weights: [0, 1, 1, 0] }, duration: 60, tr: 0.72, boldRemove: 10 });
 * ```
 */
export function withBold(spec: ModelSpec, options: WithBoldOptions = {}): ModelSpec {
  const input = spec.boldInput;
  if (!input) {
    throw new ModelSpecError(
      spec.name,
      "boldInput",
      "withBold needs the model's BOLD input variable; set boldInput to a state or derived name",
    );
  }
  const taken = new Set([
    ...spec.states.map((s) => s.name),
    ...spec.parameters.map((p) => p.name),
    ...(spec.derived ?? []).map((d) => d.name),
    ...spec.couplings.map((c) => c.name),
  ]);
  for (const n of [...NAMES, "bold", ...PARAMS.map((p) => `bw_${p}`)]) {
    if (taken.has(n)) {
      throw new ModelSpecError(spec.name, "withBold", `the model already declares '${n}', which Balloon–Windkessel needs; rename it`);
    }
  }
  const set = options.params ?? "friston2003";
  const k: BoldConstants = typeof set === "string" ? BOLD_PARAMS[set] : set;
  if (!k) {
    throw new ModelSpecError(
      spec.name,
      "withBold.params",
      `unknown parameter set '${String(set)}'; use ${Object.keys(BOLD_PARAMS).join(", ")} or a BoldConstants object`,
    );
  }
  for (const p of PARAMS) {
    if (!Number.isFinite(k[p])) throw new ModelSpecError(spec.name, `withBold.params.${p}`, `must be a finite number, got ${k[p]}`);
  }
  const setName = typeof set === "string" ? set : "custom";
  const bwDt = options.dt ?? DEFAULT_BW_DT;
  if (!(typeof bwDt === "number" && Number.isFinite(bwDt) && bwDt >= 0)) {
    throw new ModelSpecError(spec.name, "withBold.dt", `bw_dt must be a step in ms >= 0 (0: at the model dt), got ${String(bwDt)}`);
  }
  if (spec.slow && bwDt > 0) {
    throw new ModelSpecError(
      spec.name,
      "slow",
      "withBold declares the BOLD states slow; the model already has slow states, so wrap it with { dt: 0 }",
    );
  }
  const desc: Record<keyof BoldConstants, [string, string]> = {
    kappa: ["1/s", "signal decay rate κ"],
    gamma: ["1/s", "flow-dependent elimination γ"],
    tau: ["s", "transit time τ"],
    alpha: ["1", "Grubb's exponent α"],
    E0: ["1", "resting O2 extraction E0"],
    V0: ["%", "resting venous volume V0 (percent)"],
    k1: ["1", "BOLD coefficient k1"],
    k2: ["1", "BOLD coefficient k2"],
    k3: ["1", "BOLD coefficient k3"],
  };
  return {
    ...spec,
    name: `${spec.name}_BOLD`,
    description: `${spec.description}, with Balloon–Windkessel BOLD (${setName})`,
    citation:
      `${spec.citation}; BOLD: Friston et al. 2000 (NeuroImage 12:466), Friston et al. 2003 (NeuroImage 19:1273), Stephan et al. 2007 (NeuroImage 38:387)${
        setName === "heinzle2016-3T" ? ", Heinzle et al. 2016 (NeuroImage 125:556)" : ""
      }; parameter sets as cuBNM utils.get_bw_params`,
    states: [
      ...spec.states,
      { name: "bw_s", init: 0, description: "vasodilatory signal s (1/s)" },
      { name: "bw_f", init: 0, description: "blood inflow f − 1" },
      { name: "bw_v", init: 0, description: "blood volume v − 1" },
      { name: "bw_q", init: 0, description: "deoxyhaemoglobin q − 1" },
    ],
    parameters: [
      ...spec.parameters,
      ...PARAMS.map((p) => ({
        name: `bw_${p}`,
        default: k[p],
        bounds: [Math.min(0, k[p]), Math.max(10, 2 * Math.abs(k[p]))] as [number, number],
        unit: desc[p][0],
        scope: "global" as const,
        description: `Balloon–Windkessel ${desc[p][1]}`,
      })),
    ],
    derived: [
      ...(spec.derived ?? []),
      { name: "bw_va", expr: "exp(log(1 + bw_v) / bw_alpha)", description: "v^(1/α)" },
      {
        name: "bold",
        expr: "bw_V0 * (-bw_k1 * bw_q + bw_k2 * (bw_v - bw_q) / (1 + bw_v) - bw_k3 * bw_v)",
        description: "BOLD signal (% change)",
      },
    ],
    ...(bwDt > 0 ? { slow: { states: [...NAMES], dt: bwDt } } : {}),
    drift: {
      ...spec.drift,
      bw_s: `(${input} - bw_kappa * bw_s - bw_gamma * bw_f) / 1000`,
      bw_f: "bw_s / 1000",
      bw_v: "(bw_f + 1 - bw_va) / (1000 * bw_tau)",
      bw_q: "((1 + bw_f) * (1 - exp(log(1 - bw_E0) / (1 + bw_f))) / bw_E0 - bw_va * (1 + bw_q) / (1 + bw_v)) / (1000 * bw_tau)",
    },
  };
}

/**
 * Float64 Balloon–Windkessel with cuBNM's Euler scheme (s first; f advanced with the new s; v and
 * q with the old f), from an input sampled every dtMs. Returns the BOLD signal (%) after each step.
 * The yardstick for the in-kernel integration.
 */
export function integrateBoldEuler(input: ArrayLike<number>, dtMs: number, k: BoldConstants = BOLD_PARAMS.friston2003): Float64Array {
  const dt = dtMs / 1000;
  let s = 0, f = 1, v = 1, q = 1;
  const out = new Float64Array(input.length);
  for (let i = 0; i < input.length; i++) {
    s += dt * (input[i]! - k.kappa * s - k.gamma * (f - 1));
    const fNew = f + dt * s;
    const va = Math.pow(v, 1 / k.alpha);
    const vNew = v + (dt / k.tau) * (f - va);
    q += (dt / k.tau) * ((f * (1 - Math.pow(1 - k.E0, 1 / f))) / k.E0 - (va * q) / v);
    v = vNew;
    f = fNew;
    out[i] = k.V0 * (k.k1 * (1 - q) + k.k2 * (1 - q / v) + k.k3 * (1 - v));
  }
  return out;
}
