import type { ModelSpec } from "./spec.ts";

/**
 * Kuramoto phase oscillators with conduction delays (Kuramoto 1984; Breakspear et al. 2010 for
 * the delayed network form):
 *   dθ_i/dt = ω_i + K Σ_j w_ij sin(θ_j(t − d_ij) − θ_i) + sigma ξ
 * The sum is written with two linear couplings, cs = Σ_j w_ij sin θ_j(t − d_ij) and
 * cc = Σ_j w_ij cos θ_j(t − d_ij), since sin(θ_j − θ_i) = sin θ_j cos θ_i − cos θ_j sin θ_i:
 *   dθ_i/dt = ω_i + K (cos θ_i · cs − sin θ_i · cc).
 * Time in ms, ω in rad/ms (default 2π·10 Hz). Derived cos_theta and sin_theta give the order
 * parameter R(t) = |Σ_i e^{iθ_i}| / n (see orderParameter). θ is not wrapped (only sin/cos of it are used).
 */
export const kuramoto: ModelSpec = {
  name: "Kuramoto",
  description: "Kuramoto phase oscillators with delayed network coupling",
  citation: "Kuramoto 1984 (Chemical Oscillations, Waves, and Turbulence); Breakspear, Heitmann & Daffertshofer 2010 (Front Hum Neurosci 4:190); cuBNM Kuramoto (K, omega, sigma)",
  states: [{ name: "theta", init: 0, description: "phase (rad)" }],
  parameters: [
    { name: "omega", default: 0.0628318530718, bounds: [0, 1], unit: "rad/ms", scope: "regional", description: "natural angular frequency" },
    { name: "K", default: 0.1, bounds: [0, 10], unit: "1/ms", scope: "global", description: "global coupling" },
    { name: "sigma", default: 0, bounds: [0, 1], unit: "rad/√ms", scope: "global", description: "phase noise amplitude" },
    { name: "theta0", default: 0, bounds: [-10, 10], unit: "rad", scope: "regional", description: "phase offset: the oscillator phase is θ + theta0 and θ starts at 0, so theta0 sets the initial phase per node" },
  ],
  couplings: [
    { name: "cs", of: "sin(theta + theta0)", form: "linear" },
    { name: "cc", of: "cos(theta + theta0)", form: "linear" },
  ],
  derived: [
    { name: "cos_theta", expr: "cos(theta + theta0)" },
    { name: "sin_theta", expr: "sin(theta + theta0)" },
  ],
  drift: { theta: "omega + K * (cos_theta * cs - sin_theta * cc)" },
  diffusion: { theta: "sigma" },
  boldInput: "sin_theta",
};

/**
 * Kuramoto order parameter R(t) = |(1/n) Σ_i e^{iθ_i(t)}| from recorded cos_theta and sin_theta
 * (each lanes × samples × nodes, as simulate returns them). Returns lanes × samples.
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
    for (let i = 0; i < nNodes; i++) { sc += c[r * nNodes + i]!; ss += s[r * nNodes + i]!; }
    out[r] = Math.hypot(sc, ss) / nNodes;
  }
  return out;
}
