// Feedback inhibition control (FIC) for the rWW E–I model: choose each node's wIE (J_i) so that
// its excitatory rate sits near 3 Hz.
//  - analyticalFic: Demirtaş et al. 2019 (Neuron 101:1181), as cuBNM does it (itself a port of
//    murraylab/hbnm): linearise around the isolated-node steady state and solve for wIE.
//  - numericalFic (in sim/fic.ts: it runs simulations): Deco et al. 2014's iterative adjustment.
//  - ficPenalty: cuBNM's penalty on nodes whose mean r_E strays more than 1 Hz from 3 Hz.
import { RWW_CONSTANTS as C } from "./rww.ts";

/**
 * Thrown by the FIC helpers for unusable input; the message names the field and the fix.
 *
 * @example
 * ```ts
 * import { analyticalFic, FicError } from "brainfit/models";
 * try {
 *   analyticalFic({ sc: [0, 1, 1], G: 0.5 });
 * } catch (err) {
 *   if (err instanceof FicError) console.error(err.message); // "sc: expected an n × n matrix …"
 * }
 * ```
 */
export class FicError extends Error {
  constructor(field: string, message: string) {
    super(`fic.${field}: ${message}`);
    this.name = "FicError";
  }
}

/**
 * Input of analyticalFic: the structural connectivity (n × n, row = target), the global coupling
 * and optionally per-node w_p, J_N and I_ext (defaults: the rWW model's).
 *
 * @example
 * ```ts
 * import { analyticalFic, type AnalyticalFicOptions } from "brainfit/models";
 * const opts: AnalyticalFicOptions = { sc: [0, 0.02, 0.02, 0], G: 0.5, w_p: 1.4 };
 * const { wIE } = analyticalFic(opts);
 * ```
 */
export interface AnalyticalFicOptions {
  /** n × n structural weights, row = target (as simulate's network), already normalised. */
  sc: ArrayLike<number>;
  G: number;
  /** One value for all nodes or one per node (defaults 1.4 and 0.15 as cuBNM). */
  w_p?: number | ArrayLike<number>;
  J_N?: number | ArrayLike<number>;
  /** External input to E, per node or one value (default 0). */
  I_ext?: number | ArrayLike<number>;
}

/**
 * What analyticalFic returns: wIE per node, and whether the linearised system was unstable.
 *
 * @example
 * ```ts
 * import { analyticalFic, type AnalyticalFicResult } from "brainfit/models";
 * const res: AnalyticalFicResult = analyticalFic({ sc: [0, 0.02, 0.02, 0], G: 0.5 });
 * if (res.unstable) console.warn("FIC: unstable fixed point");
 * ```
 */
export interface AnalyticalFicResult {
  wIE: Float64Array;
  /** True where the solution is unusable (no fixed point of I_I in [0, 2] nA, or wIE < 0): cuBNM then sets wIE = 1 and flags the simulation. */
  unstable: boolean;
}

const phiI = (x: number) => {
  const u = C.a_I * x - C.b_I;
  return Math.abs(u) < 1e-9 ? 1 / C.d_I : u / (1 - Math.exp(-C.d_I * u));
};

/** Brent's root finder on a bracketing interval, to full double precision. */
export function brentRoot(f: (x: number) => number, lo: number, hi: number, tol = 1e-15, maxIter = 200): number {
  let a = lo, b = hi, fa = f(a), fb = f(b);
  if (!(fa * fb <= 0)) return NaN;
  let c = a, fc = fa, d = b - a, e = d;
  for (let it = 0; it < maxIter; it++) {
    if (fb * fc > 0) {
      c = a;
      fc = fa;
      d = b - a;
      e = d;
    }
    if (Math.abs(fc) < Math.abs(fb)) {
      a = b;
      b = c;
      c = a;
      fa = fb;
      fb = fc;
      fc = fa;
    }
    const tol1 = 2 * Number.EPSILON * Math.abs(b) + 0.5 * tol;
    const m = 0.5 * (c - b);
    if (Math.abs(m) <= tol1 || fb === 0) return b;
    if (Math.abs(e) >= tol1 && Math.abs(fa) > Math.abs(fb)) {
      const s = fb / fa;
      let p: number, q: number;
      if (a === c) {
        p = 2 * m * s;
        q = 1 - s;
      } else {
        const qq = fa / fc, r = fb / fc;
        p = s * (2 * m * qq * (qq - r) - (b - a) * (r - 1));
        q = (qq - 1) * (r - 1) * (s - 1);
      }
      if (p > 0) q = -q;
      else p = -p;
      if (2 * p < Math.min(3 * m * q - Math.abs(tol1 * q), Math.abs(e * q))) {
        e = d;
        d = p / q;
      } else {
        d = m;
        e = d;
      }
    } else {
      d = m;
      e = d;
    }
    a = b;
    fa = fb;
    b += Math.abs(d) > tol1 ? d : m > 0 ? tol1 : -tol1;
    fb = f(b);
  }
  return b;
}

function perNode(name: string, v: number | ArrayLike<number> | undefined, n: number, dflt: number): Float64Array {
  if (v === undefined || typeof v === "number") return new Float64Array(n).fill(v ?? dflt);
  if (v.length !== n) throw new FicError(name, `needs one value or one per node (${n}), got ${v.length}`);
  return Float64Array.from(v);
}

/**
 * Analytical FIC (Demirtaş et al. 2019 Eq. 10, cuBNM analytical_fic_het): with every node at the
 * isolated steady state S_E_ss (r_E ≈ 3.08 Hz), solve I_I from
 *   I_I = W_I I0 + J_N S_E_ss − w_II tau_I gamma_I φ_I(I_I)     (seconds units, root in [0, 2] nA)
 * then S_I = tau_I gamma_I φ_I(I_I) and
 *   wIE_i = (W_E I0 + I_ext + w_p J_N S_E_ss + G J_N,i Σ_j sc_ij S_E_ss − I_E_ss) / S_I.
 * cuBNM stops its Brent search at a 1e-3 relative bracket; we solve to double precision (their
 * published values agree with ours to ~2e-10 relative on the HCP group connectome).
 *
 * @example
 * ```ts
 * import { analyticalFic } from "brainfit/models";
 * const sc = [0, 0.02, 0.02, 0]; // 2 × 2, row = target
 * const { wIE, unstable } = analyticalFic({ sc, G: 0.5 });
 * console.log(wIE, unstable); // one inhibitory weight per node
 * ```
 */
export function analyticalFic(opts: AnalyticalFicOptions): AnalyticalFicResult {
  const n = Math.round(Math.sqrt(opts.sc.length));
  if (n * n !== opts.sc.length || n < 1) throw new FicError("sc", `expected an n × n matrix, got length ${opts.sc.length}`);
  if (!Number.isFinite(opts.G)) throw new FicError("G", `must be a finite number, got ${opts.G}`);
  const wp = perNode("w_p", opts.w_p, n, 1.4);
  const jn = perNode("J_N", opts.J_N, n, 0.15);
  const iext = perNode("I_ext", opts.I_ext, n, 0);
  const tauIs = C.tau_I / 1000, gammaIs = C.gamma_I * 1000; // the paper's seconds units
  const wIE = new Float64Array(n);
  let unstable = false;
  const cache = new Map<number, number>();
  for (let i = 0; i < n; i++) {
    let SI = cache.get(jn[i]!);
    if (SI === undefined) {
      const j = jn[i]!;
      const f = (x: number) => C.W_I * C.I0 + j * C.S_E_ss - C.w_II * gammaIs * tauIs * phiI(x) - x;
      const II = brentRoot(f, 0, 2);
      SI = Number.isNaN(II) ? NaN : phiI(II) * tauIs * gammaIs;
      cache.set(j, SI);
    }
    let strength = 0;
    for (let k = 0; k < n; k++) strength += opts.sc[i * n + k]!;
    const kee = wp[i]! * jn[i]! * C.S_E_ss + opts.G * jn[i]! * strength * C.S_E_ss;
    const w = -(C.I_E_ss - iext[i]! - C.W_E * C.I0 - kee) / SI;
    if (!(w >= 0)) unstable = true;
    wIE[i] = w;
  }
  if (unstable) wIE.fill(1);
  return { wIE, unstable };
}

/** cuBNM's FIC target: time-averaged I_E = b_E/a_E − 0.026 nA (≈ I_E_ss, r_E ≈ 3 Hz). */
export const FIC_TARGET_IE = C.b_E / C.a_E - 0.026;

/**
 * cuBNM's FIC penalty (rWWSimGroup.score), returned as a positive cost: over nodes whose mean
 * r_E is more than 1 Hz from 3 Hz, Σ (1 − exp(−0.05 (|r_E − 3| − 1))) · scale / nodes.
 * cuBNM reports it as the score "-fic_penalty" (its negative) and adds it to the cost; default
 * fic_penalty_scale is 2. Zero when every node is within 1 Hz; grows with the deviation.
 */
export function ficPenalty(meanRE: ArrayLike<number>, scale = 2): number {
  const n = meanRE.length;
  if (n === 0) throw new FicError("meanRE", "is empty; pass one mean r_E per node");
  let s = 0;
  for (let i = 0; i < n; i++) {
    const d = Math.abs(meanRE[i]! - 3);
    if (Number.isNaN(d)) return Infinity;
    if (d > 1) s += 1 - Math.exp(-0.05 * (d - 1));
  }
  return (s * scale) / n;
}
