import type { ModelSpec } from "./spec.ts";

/**
 * Kuramoto phase oscillators with conduction delays (Kuramoto 1984; Breakspear et al. 2010 for
 * the delayed network form):
 *   dθ_i/dt = ω_i + K Σ_j w_ij sin(θ_j(t − d_ij) − θ_i) + sigma ξ
 * The sum is written with two linear couplings, cs = Σ_j w_ij sin θ_j(t − d_ij) and
 * cc = Σ_j w_ij cos θ_j(t − d_ij), since sin(θ_j − θ_i) = sin θ_j cos θ_i − cos θ_j sin θ_i:
 *   dθ_i/dt = ω_i + K (cos θ_i · cs − sin θ_i · cc).
 * The phase is carried as a point on the unit circle, (x, y) = (cos(θ − theta0), sin(θ − theta0)),
 * not as θ itself: θ grows without bound (≈ 63 rad/s at 10 Hz) and in float32 its increments
 * ω·dt would be rounded to ever coarser multiples (a systematic frequency error of several
 * percent after 100 s). So
 *   dx/dt = −y θ' + λ (1 − x² − y²) x,   dy/dt = x θ' + λ (1 − x² − y²) y,   λ = 0.25/ms,
 * where the λ term holds the radius at 1 (stable for Euler up to dt = 4 ms). Phase noise is
 * isotropic noise of amplitude sigma on x and y: its tangential part is dθ = sigma dW to first
 * order, its radial part is removed by the λ term. theta0 (regional) is the initial phase.
 * Time in ms, ω in rad/ms (default 2π·10 Hz). Derived cos_theta, sin_theta give the order
 * parameter R(t) = |Σ_i e^{iθ_i}| / n (orderParameter).
 *
 * @example
 * ```ts
 * import { kuramoto, orderParameter } from "brainfit/models";
 * import { simulate } from "brainfit/sim";
 * const r = await simulate({ model: kuramoto, network: { weights: [0, 1, 1, 0] }, duration: 1, record: { observables: ["cos_theta", "sin_theta"], period: 1 } });
 * const R = orderParameter(r.recorded, r.lanes, r.nNodes); // synchrony over time, 0…1
 * ```
 */
export const kuramoto: ModelSpec = {
  name: "Kuramoto",
  description: "Kuramoto phase oscillators with delayed network coupling",
  citation:
    "Kuramoto 1984 (Chemical Oscillations, Waves, and Turbulence); Breakspear, Heitmann & Daffertshofer 2010 (Front Hum Neurosci 4:190); cuBNM Kuramoto (parameter names K, omega, sigma)",
  states: [
    { name: "x", init: 1, description: "cos(θ − theta0)" },
    { name: "y", init: 0, description: "sin(θ − theta0)" },
  ],
  parameters: [
    {
      name: "omega",
      default: 0.0628318530718,
      bounds: [0, 1],
      unit: "rad/ms",
      scope: "regional",
      description: "natural angular frequency",
    },
    { name: "K", default: 0.1, bounds: [0, 10], unit: "1/ms", scope: "global", description: "global coupling" },
    { name: "sigma", default: 0, bounds: [0, 1], unit: "rad/√ms", scope: "global", description: "phase noise amplitude" },
    { name: "theta0", default: 0, bounds: [-10, 10], unit: "rad", scope: "regional", description: "initial phase of each node" },
  ],
  couplings: [
    { name: "cs", of: "x * sin(theta0) + y * cos(theta0)", form: "linear" },
    { name: "cc", of: "x * cos(theta0) - y * sin(theta0)", form: "linear" },
  ],
  derived: [
    { name: "cos_theta", expr: "x * cos(theta0) - y * sin(theta0)", description: "cos θ" },
    { name: "sin_theta", expr: "x * sin(theta0) + y * cos(theta0)", description: "sin θ" },
    { name: "dtheta", expr: "omega + K * (cos_theta * cs - sin_theta * cc)", description: "phase velocity θ' (rad/ms)" },
    { name: "radial", expr: "0.25 * (1 - x * x - y * y)" },
  ],
  drift: { x: "-y * dtheta + radial * x", y: "x * dtheta + radial * y" },
  diffusion: { x: "sigma", y: "sigma" },
  boldInput: "sin_theta",
};

/**
 * Kuramoto order parameter R(t) = |(1/n) Σ_i e^{iθ_i(t)}| from recorded cos_theta and sin_theta
 * (each lanes × samples × nodes, as simulate returns them). Returns lanes × samples.
 *
 * @example
 * ```ts
 * import { kuramoto, orderParameter } from "brainfit/models";
 * import { simulate } from "brainfit/sim";
 * const r = await simulate({ model: kuramoto, network: { weights: [0, 1, 1, 0] }, duration: 1, record: { observables: ["cos_theta", "sin_theta"], period: 1 } });
 * const R = orderParameter(r.recorded, r.lanes, r.nNodes); // lanes × samples
 * console.log(R[R.length - 1]);
 * ```
 */
export function orderParameter(recorded: Record<string, ArrayLike<number>>, lanes: number, nNodes: number): Float64Array {
  const c = recorded.cos_theta, s = recorded.sin_theta;
  if (!c || !s) throw new Error("orderParameter: record the observables 'cos_theta' and 'sin_theta'");
  if (c.length !== s.length || c.length % (lanes * nNodes) !== 0) {
    throw new Error(`orderParameter: expected lanes × samples × nodes values (${lanes} × ? × ${nNodes}), got ${c.length} and ${s.length}`);
  }
  const rows = c.length / nNodes;
  const out = new Float64Array(rows);
  for (let r = 0; r < rows; r++) {
    let sc = 0, ss = 0;
    for (let i = 0; i < nNodes; i++) {
      sc += c[r * nNodes + i]!;
      ss += s[r * nNodes + i]!;
    }
    out[r] = Math.hypot(sc, ss) / nNodes;
  }
  return out;
}
