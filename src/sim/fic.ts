// Numerical feedback inhibition control (Deco et al. 2014, cuBNM's rule and trial budget) for
// the rWW E–I model: it runs simulations, so it sits in sim/ above the model definitions
// (models/fic.ts holds the analytical FIC, the target and the penalty).
import { analyticalFic, FIC_TARGET_IE, FicError } from "../models/fic.ts";
import type { CompiledModel, ModelSpec } from "../models/spec.ts";
import { simulate, type SimulateOptions } from "./simulate.ts";
/**
 * How numericalFic adjusts wIE: the number of trials, the tolerance on mean I_E (nA), and the
 * window (ms) it averages over.
 *
 * @example
 * ```ts
 * import type { NumericalFicOptions } from "brainfit/sim";
 * const fic: NumericalFicOptions = { maxTrials: 10, tolerance: 0.005, samplingStart: 1000, samplingEnd: 10000 };
 * ```
 */
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

/**
 * numericalFic's answer: wIE per lane and node, which lanes failed to reach the target, the
 * trials used, and the final mean I_E.
 *
 * @example
 * ```ts
 * import { numericalFic, type NumericalFicResult } from "brainfit/sim";
 * import { rww } from "brainfit/models";
 * const res: NumericalFicResult = await numericalFic({ model: rww, network: { weights: [0, 0.02, 0.02, 0] }, duration: 10 }, { maxTrials: 5 });
 * if (res.failed.some(Boolean)) console.warn("FIC did not converge in", res.trials);
 * ```
 */
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
 *
 * @example
 * ```ts
 * import { numericalFic } from "brainfit/sim";
 * import { rww } from "brainfit/models";
 * const fic = await numericalFic(
 *   { model: rww, network: { weights: [0, 0.02, 0.02, 0] }, params: { G: 0.5 }, duration: 10 },
 *   { maxTrials: 10 },
 * );
 * console.log(fic.wIE, fic.failed);
 * ```
 */
export async function numericalFic(opts: SimulateOptions, fic: NumericalFicOptions): Promise<NumericalFicResult> {
  const lanes = opts.lanes ?? 1;
  const weights = opts.network.weights;
  const n = opts.network.nNodes ?? Math.round(Math.sqrt(weights.length));
  const tol = fic.tolerance ?? 0.005;
  const start = fic.samplingStart ?? 1000, end = fic.samplingEnd ?? 10000;
  const initDelta = fic.initDelta ?? 0.02;
  if (!(Number.isInteger(fic.maxTrials) && fic.maxTrials >= 0)) {
    throw new FicError("maxTrials", `must be an integer >= 0, got ${fic.maxTrials}`);
  }
  const params = { ...(opts.params ?? {}) };
  const laneNode = (name: string, dflt: number): Float64Array => {
    const v = params[name];
    const out = new Float64Array(lanes * n);
    if (v === undefined || typeof v === "number") return out.fill(v ?? dflt);
    if (v.length === lanes) {
      for (let l = 0; l < lanes; l++) out.fill(v[l]!, l * n, (l + 1) * n);
      return out;
    }
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
    const means = await windowMeanIE(
      {
        ...opts,
        lanes: active.length,
        params: sub,
        seed: active.map((l) => seeds[l]!),
        noise: active.map((l) => streams[l]!),
      },
      start,
      end,
    );
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
      if (trials[l]! >= fic.maxTrials) {
        failed[l] = true;
        return;
      }
      for (let i = 0; i < n; i++) {
        const j = l * n + i;
        const diff = meanIE[j]! - FIC_TARGET_IE;
        if (Math.abs(diff) <= tol) continue;
        if (diff < 0) {
          wIE[j]! -= delta[j]!;
          delta[j] = Math.max(delta[j]! - 0.001, 0.001);
        } else wIE[j]! += delta[j]!;
      }
      trials[l]!++;
      next.push(l);
    });
    active = next;
  }
  return { wIE, failed, trials, meanIE, evaluations };
}
