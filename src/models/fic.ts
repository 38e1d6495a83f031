// Feedback inhibition control (FIC) for the rWW E–I model: choose each node's wIE (J_i) so that
// its excitatory rate sits near 3 Hz.
//  - analyticalFic: Demirtaş et al. 2019 (Neuron 101:1181), as cuBNM does it (itself a port of
//    murraylab/hbnm): linearise around the isolated-node steady state and solve for wIE.
//  - numericalFic: Deco et al. 2014's iterative adjustment with cuBNM's rule and trial budget.
//  - ficPenalty: cuBNM's penalty on nodes whose mean r_E strays more than 1 Hz from 3 Hz.
import { RWW_CONSTANTS as C } from "./rww.ts";
import { simulate, type SimulateOptions } from "../sim/simulate.ts";
import type { CompiledModel, ModelSpec } from "./spec.ts";

export class FicError extends Error {
  constructor(field: string, message: string) {
    super(`fic.${field}: ${message}`);
    this.name = "FicError";
  }
}

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
    if (fb * fc > 0) { c = a; fc = fa; d = b - a; e = d; }
    if (Math.abs(fc) < Math.abs(fb)) { a = b; b = c; c = a; fa = fb; fb = fc; fc = fa; }
    const tol1 = 2 * Number.EPSILON * Math.abs(b) + 0.5 * tol;
    const m = 0.5 * (c - b);
    if (Math.abs(m) <= tol1 || fb === 0) return b;
    if (Math.abs(e) >= tol1 && Math.abs(fa) > Math.abs(fb)) {
      const s = fb / fa;
      let p: number, q: number;
      if (a === c) { p = 2 * m * s; q = 1 - s; }
      else {
        const qq = fa / fc, r = fb / fc;
        p = s * (2 * m * qq * (qq - r) - (b - a) * (r - 1));
        q = (qq - 1) * (r - 1) * (s - 1);
      }
      if (p > 0) q = -q; else p = -p;
      if (2 * p < Math.min(3 * m * q - Math.abs(tol1 * q), Math.abs(e * q))) { e = d; d = p / q; }
      else { d = m; e = d; }
    } else { d = m; e = d; }
    a = b; fa = fb;
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

export interface NumericalFicOptions {
  /** Adjustment budget (cuBNM max_fic_trials). 0 = analytical only. */
  maxTrials: number;
  /** Allowed |mean I_E − target| in nA (cuBNM 0.005). */
  tolerance?: number;
  /** Averaging window in ms (cuBNM fic_i_sampling_start/end: 1000, 10000). */
  samplingStart?: number;
  samplingEnd?: number;
  /** First step size of wIE (cuBNM fic_init_delta 0.02). */
  initDelta?: number;
}

export interface NumericalFicResult {
  /** Adjusted wIE, lanes × nodes. */
  wIE: Float64Array;
  /** Per lane: true when the budget ran out with some node still off target. */
  failed: boolean[];
  /** Per lane: adjustments made. */
  trials: number[];
  /** Per lane × node: mean I_E over the window in the last evaluation. */
  meanIE: Float64Array;
  /** Simulations run (each one batch of the lanes still adjusting). */
  evaluations: number;
}

function laneStreams(opts: SimulateOptions, lanes: number): { seeds: number[]; streams: number[] } {
  const s = opts.seed;
  const seeds = Array.from({ length: lanes }, (_, l) => (s === undefined ? 0 : typeof s === "number" ? s : s[l]!));
  const nz = opts.noise ?? "shared";
  const streams = Array.from({ length: lanes }, (_, l) => (nz === "shared" ? 0 : nz === "independent" ? l : nz[l]!));
  return { seeds, streams };
}

/**
 * Time average of I_E per lane and node over [start, end] ms, sampled every 1 ms as cuBNM does
 * (streamed: nothing but the sums is held). Runs end ms of simulated time.
 */
export async function windowMeanIE(opts: SimulateOptions, start = 1000, end = 10000): Promise<Float64Array> {
  const lanes = opts.lanes ?? 1;
  const dt = opts.dt ?? 0.1;
  const every = Math.round(1 / dt);
  if (Math.abs(every * dt - 1) > 1e-9) throw new FicError("dt", `must divide 1 ms (cuBNM samples I_E every ms), got ${dt}`);
  if (!(end > start && start >= 0)) throw new FicError("samplingEnd", `window [${start}, ${end}] ms is empty`);
  let n = 0;
  let sums: Float64Array | null = null;
  let count = 0;
  await simulate({
    ...opts,
    duration: end / 1000,
    record: { observables: ["I_E"], period: 1 },
    averages: [],
    keepRecorded: false,
    onChunk: (chunk) => {
      const d = chunk.data.I_E!;
      n = d.length / (lanes * chunk.count);
      sums ??= new Float64Array(lanes * n);
      for (let k = 0; k < chunk.count; k++) {
        const tMs = chunk.start + k + 1; // sample k is taken after (k+1) ms
        if (tMs < start || tMs > end) continue;
        for (let l = 0; l < lanes; l++) {
          const off = (l * chunk.count + k) * n;
          for (let i = 0; i < n; i++) sums![l * n + i] += d[off + i]!;
        }
      }
      for (let k = 0; k < chunk.count; k++) {
        const tMs = chunk.start + k + 1;
        if (tMs >= start && tMs <= end) count++;
      }
    },
  });
  if (!sums || count === 0) throw new FicError("samplingStart", "no I_E samples fell in the window");
  const out = sums as Float64Array;
  for (let i = 0; i < out.length; i++) out[i]! /= count;
  return out;
}

/**
 * Numerical FIC (Deco et al. 2014; cuBNM rWWModel::post_bw_step): simulate the window, average
 * I_E per node over [samplingStart, samplingEnd] ms; a node is off target when
 * |mean I_E − (b_E/a_E − 0.026)| > tolerance. While any node of a lane is off target and the
 * lane has budget left, every off-target node moves wIE by its own step delta: down by delta
 * (then delta −= 0.001, floor 0.001) when I_E is too low, up by delta when too high; the lane
 * is rerun from its initial state with the same noise. A lane whose budget is spent with nodes
 * still off target is flagged failed (cuBNM fic_failed) and keeps its last wIE.
 *
 * Start values: opts.params.wIE if given, else analyticalFic per lane (from opts.network.weights,
 * the lane's G, w_p, J_N). Only lanes still adjusting are rerun; each keeps its own seed and
 * noise stream. The model must be rWW or a transform of it (withBold) with I_E observable.
 */
export async function numericalFic(opts: SimulateOptions, fic: NumericalFicOptions): Promise<NumericalFicResult> {
  const lanes = opts.lanes ?? 1;
  const weights = opts.network.weights;
  const n = opts.network.nNodes ?? Math.round(Math.sqrt(weights.length));
  const tol = fic.tolerance ?? 0.005;
  const start = fic.samplingStart ?? 1000, end = fic.samplingEnd ?? 10000;
  const initDelta = fic.initDelta ?? 0.02;
  if (!(Number.isInteger(fic.maxTrials) && fic.maxTrials >= 0)) throw new FicError("maxTrials", `must be an integer >= 0, got ${fic.maxTrials}`);
  const params = { ...(opts.params ?? {}) };
  const laneNode = (name: string, dflt: number): Float64Array => {
    const v = params[name];
    const out = new Float64Array(lanes * n);
    if (v === undefined || typeof v === "number") return out.fill(v ?? dflt);
    if (v.length === lanes) { for (let l = 0; l < lanes; l++) out.fill(v[l]!, l * n, (l + 1) * n); return out; }
    if (v.length === lanes * n) return Float64Array.from(v);
    throw new FicError(`params.${name}`, `expected 1, lanes (${lanes}) or lanes × nodes (${lanes * n}) values, got ${v.length}`);
  };
  let wIE: Float64Array;
  if (params.wIE !== undefined) wIE = laneNode("wIE", 1);
  else {
    wIE = new Float64Array(lanes * n);
    const G = laneNode("G", 0.5), wp = laneNode("w_p", 1.4), jn = laneNode("J_N", 0.15), ie = laneNode("I_ext", 0);
    for (let l = 0; l < lanes; l++) {
      const sl = (a: Float64Array) => a.subarray(l * n, (l + 1) * n);
      wIE.set(analyticalFic({ sc: weights, G: G[l * n]!, w_p: sl(wp), J_N: sl(jn), I_ext: sl(ie) }).wIE, l * n);
    }
  }
  const delta = new Float64Array(lanes * n).fill(initDelta);
  const trials = new Array<number>(lanes).fill(0);
  const failed = new Array<boolean>(lanes).fill(false);
  const meanIE = new Float64Array(lanes * n);
  const { seeds, streams } = laneStreams(opts, lanes);
  // Per-lane views of every parameter (lanes × nodes), so a subset of lanes can be rerun.
  const spec: ModelSpec = "spec" in opts.model ? (opts.model as CompiledModel).spec : (opts.model as ModelSpec);
  const globalNames = new Set(spec.parameters.filter((p) => p.scope === "global").map((p) => p.name));
  const full: Record<string, Float64Array> = {};
  for (const key of Object.keys(params)) if (key !== "wIE") full[key] = laneNode(key, 0);
  let active = Array.from({ length: lanes }, (_, l) => l);
  let evaluations = 0;
  while (active.length) {
    const sub: Record<string, Float64Array> = {};
    const pick = (a: Float64Array) => {
      const out = new Float64Array(active.length * n);
      active.forEach((l, k) => out.set(a.subarray(l * n, (l + 1) * n), k * n));
      return out;
    };
    for (const [k, v] of Object.entries(full)) sub[k] = globalNames.has(k) ? Float64Array.from(active, (l) => v[l * n]!) : pick(v);
    sub.wIE = pick(wIE);
    const means = await windowMeanIE({
      ...opts, lanes: active.length, params: sub, seed: active.map((l) => seeds[l]!), noise: active.map((l) => streams[l]!),
    }, start, end);
    evaluations++;
    const next: number[] = [];
    active.forEach((l, k) => {
      let off = false;
      for (let i = 0; i < n; i++) {
        const m = means[k * n + i]!;
        meanIE[l * n + i] = m;
        if (Math.abs(m - FIC_TARGET_IE) > tol) off = true;
      }
      if (!off) return;
      if (trials[l]! >= fic.maxTrials) { failed[l] = true; return; }
      for (let i = 0; i < n; i++) {
        const j = l * n + i;
        const diff = meanIE[j]! - FIC_TARGET_IE;
        if (Math.abs(diff) <= tol) continue;
        if (diff < 0) { wIE[j]! -= delta[j]!; delta[j] = Math.max(delta[j]! - 0.001, 0.001); }
        else wIE[j]! += delta[j]!;
      }
      trials[l]!++;
      next.push(l);
    });
    active = next;
  }
  return { wIE, failed, trials, meanIE, evaluations };
}

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
