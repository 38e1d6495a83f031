// Gradients for fits (grad/: the float64 reference or the float32 WASM kernel): valueAndGrad(problem, candidates) gives
// a fit problem's cost (−Σ w·sign·term, as evaluateGof) and its gradient with respect to the
// problem's dimensions (global, grouped and map-based free parameters), one lane per candidate;
// and the fit's plumbing: which runs get told gradients (Adam; L-BFGS-B with gradient
// "supplied"), from where ("adjoint": valueAndGrad; "finite-difference": central differences
// from 2·dim extra simulations per candidate, batched with the generation), and the fallback from
// adjoint to finite differences when a problem is not differentiable.
import { fcPairs } from "../stats/fc.ts";
import { gofSign } from "../stats/gof.ts";
import { hammingWindow, hammingWindowSamples } from "../stats/signal.ts";
import type { Optimizer } from "../optim/types.ts";
import { type BatchLoss, type LaneLoss, type LaneRecording } from "../grad/backward.ts";
import { type GradientOptions, valueAndGradSimulation } from "../grad/value-and-grad.ts";
import {
  fcTrilWithVjp,
  maeWithGrad,
  meanDiffWithGrad,
  NotDifferentiableError,
  pearsonWithGrad,
  rmseWithGrad,
  softPeaksWithVjp,
} from "../grad/losses.ts";
import {
  type EvalRequest,
  type EvalResult,
  type EvaluateOptions,
  type EvaluationBatch,
  groupBySimulation,
  groupLanes,
  simulatedSeries,
  simulationGroupKey,
} from "./evaluate.ts";
import type { FitProblem } from "./problem.ts";

/** GOF terms valueAndGrad differentiates. */
export const DIFFERENTIABLE_TERMS = ["+fc_corr", "-fc_diff", "-rmse", "+psd_peak_corr", "-psd_mae"] as const;

export interface ProblemGradientOptions extends GradientOptions {
  /**
   * Soft-argmax temperature for peak-frequency terms (tvboptim's softmax(β·psd/max psd)); the fit's
   * own cost uses the hard argmax, whose gradient is zero almost everywhere. Default 50.
   */
  peakBeta?: number;
}

/** Why a problem cannot be differentiated, or null when valueAndGrad supports it. */
export function whyNotDifferentiable(p: FitProblem): string | null {
  for (const t of p.gof) {
    if (!(DIFFERENTIABLE_TERMS as readonly string[]).includes(t)) {
      return t.includes("ks")
        ? `GOF term '${t}' is KS-based (a distance between sorted samples), not differentiable`
        : `GOF term '${t}' has no vector–Jacobian product (differentiable: ${DIFFERENTIABLE_TERMS.join(", ")})`;
    }
  }
  if (p.objectives !== "sum") return 'objectives "terms" has no single cost to differentiate';
  if (p.fic) return "FIC sets wIE from the other parameters (analytical root or numerical iteration), not differentiated";
  if (p.penalties.length) return `penalties (${p.penalties.map((q) => q.name).join(", ")}) are opaque functions`;
  return null;
}

export interface ProblemGradient {
  /** Cost per candidate (−Σ weight·sign·term, as the fit's cost; peak terms use the soft argmax). */
  costs: Float64Array;
  /** d cost / d x per candidate, in the problem's dimensions (user space). */
  grads: Float64Array[];
  /** Unsigned term values per candidate. */
  terms: Record<string, number>[];
  /** Where the gradient ran: "reference" (float64), "wasm" or "webgpu" (float32). */
  backend: "reference" | "wasm" | "webgpu";
  checkpointEvery: number;
  peakBytes: number;
  forwardMs: number;
  backwardMs: number;
}

/**
 * Cost and exact gradient (the adjoint through the simulation, docs/gradients.md) of a fit
 * problem at candidates xs, one lane each, on the float64 reference (options.backend "wasm": the
 * float32 WASM SIMD kernel, several times faster; "webgpu": WGSL kernels; "auto": wasm where it runs). The cost is the fit's
 * (−Σ weight·sign·term); the gradient is with respect to the problem's dimensions (global,
 * grouped and map-based free parameters). Throws NotDifferentiableError for KS-based terms
 * (−fcd_ks), penalties, FIC and multi-objective problems.
 *
 * @example
 * ```ts
 * import { defineProblem, valueAndGrad } from "brainfit/fit";
 * import { supHopf } from "brainfit/models";
 * const n = 4;
 * const weights = Array.from({ length: n * n }, (_, k) => (k % (n + 1) === 0 ? 0 : 0.3));
 * const problem = defineProblem({
 *   model: supHopf, network: { weights, lengths: weights.map((w) => w * 20), speed: 5 },
 *   free: [{ name: "G", bounds: [0, 1] }], gof: ["+fc_corr"],
 *   target: { fc: Array.from({ length: n * n }, (_, k) => (k % (n + 1) === 0 ? 1 : 0.1 * (Math.floor(k / n) + (k % n)))) },
 *   simulation: { duration: 0.5, signal: "x", tr: 0.01 },
 * });
 * const { costs, grads } = await valueAndGrad(problem, [[0.3], [0.6]]);
 * console.log(costs[0], grads[0]![0]); // cost and d cost / d G at G = 0.3
 * ```
 */
export async function valueAndGrad(
  p: FitProblem,
  xs: readonly ArrayLike<number>[],
  options: ProblemGradientOptions = {},
): Promise<ProblemGradient> {
  if (xs.length < 1) throw new Error("valueAndGrad: pass at least one candidate");
  return valueAndGradRequests(xs.map((x) => ({ problem: p, x })), options);
}

/** A candidate of a problem, as a fit evaluates it. */
export interface GradientRequest {
  problem: FitProblem;
  x: ArrayLike<number>;
}

/**
 * valueAndGrad for candidates of several problems at once (results in request order): requests
 * whose problems simulate alike (same model, network, duration, dt, integrator, signals:
 * simulationGroupKey, as evaluateBatch groups them) are lanes of one gradient call, so e.g.
 * tvboptim's Adam stage, one problem per Pareto seed, runs all seeds as one batch.
 *
 * @example
 * ```ts
 * import { defineProblem, valueAndGradRequests } from "brainfit/fit";
 * import { supHopf } from "brainfit/models";
 * const n = 4;
 * const weights = Array.from({ length: n * n }, (_, k) => (k % (n + 1) === 0 ? 0 : 0.3));
 * const base = {
 *   model: supHopf, network: { weights, lengths: weights.map((w) => w * 20), speed: 5 },
 *   free: [{ name: "G", bounds: [0, 1] as [number, number] }], gof: ["+fc_corr"],
 *   target: { fc: Array.from({ length: n * n }, (_, k) => (k % (n + 1) === 0 ? 1 : 0.1 * (Math.floor(k / n) + (k % n)))) },
 *   simulation: { duration: 0.5, signal: "x", tr: 0.01 },
 * };
 * const quiet = defineProblem({ ...base, fixed: { sigma: 0.01 } });
 * const noisy = defineProblem({ ...base, fixed: { sigma: 0.05 } });
 * const r = await valueAndGradRequests([{ problem: quiet, x: [0.3] }, { problem: noisy, x: [0.3] }], { backend: "wasm" });
 * console.log(r.costs, r.grads[1]![0]); // one call, two lanes
 * ```
 */
export async function valueAndGradRequests(
  reqs: readonly GradientRequest[],
  options: ProblemGradientOptions = {},
): Promise<ProblemGradient> {
  if (reqs.length < 1) throw new Error("valueAndGrad: pass at least one candidate");
  for (const p of new Set(reqs.map((r) => r.problem))) {
    const why = whyNotDifferentiable(p);
    if (!why) continue;
    const bad = p.gof.find((t) => !(DIFFERENTIABLE_TERMS as readonly string[]).includes(t));
    throw bad ? new NotDifferentiableError(bad, why) : new Error(`valueAndGrad: problem '${p.name}' is not differentiable: ${why}`);
  }
  const beta = options.peakBeta ?? 50;
  const losses = new Map<FitProblem, ReturnType<typeof candidateLoss>>();
  const lossOf = (p: FitProblem) => {
    let f = losses.get(p);
    if (!f) losses.set(p, f = candidateLoss(p, beta));
    return f;
  };
  const costs = new Float64Array(reqs.length);
  const grads: Float64Array[] = new Array(reqs.length);
  const terms: Record<string, number>[] = new Array(reqs.length);
  const out = { checkpointEvery: 0, peakBytes: 0, forwardMs: 0, backwardMs: 0, backend: "reference" as "reference" | "wasm" | "webgpu" };
  for (const idx of groupBySimulation(reqs)) {
    // Lanes: every request `trials` times, noise seeds seed, seed + 1, … (as evaluateBatch).
    const first = reqs[idx[0]!]!.problem;
    const { laneReq, seeds, params } = groupLanes(reqs, idx);
    const lanes = laneReq.length;
    const recNames = first.fc ? [first.signal, first.fc.signal] : [first.signal];
    const loss: LaneLoss | BatchLoss = idx.every((i) => reqs[i]!.problem.trials === 1)
      ? (lane, rec) => {
        const i = laneReq[lane]!;
        const r = lossOf(reqs[i]!.problem)(rec);
        costs[i] = r.value;
        terms[i] = r.values;
        return { value: r.value, grad: r.grad };
      }
      : {
        batch(recs) {
          const laneGrads: LaneRecording[] = [];
          for (let l = 0; l < lanes;) {
            // A candidate's recording is the mean of its trials; each trial gets 1/trials of the gradient.
            const i = laneReq[l]!, trials = reqs[i]!.problem.trials;
            const mean: LaneRecording = {};
            for (const name of recNames) {
              const m = new Float64Array(recs[l]![name]!.length);
              for (let k = 0; k < trials; k++) {
                const v = recs[l + k]![name]!;
                for (let q = 0; q < m.length; q++) m[q] += v[q]!;
              }
              for (let q = 0; q < m.length; q++) m[q] = m[q]! / trials;
              mean[name] = m;
            }
            const r = lossOf(reqs[i]!.problem)(mean);
            costs[i] = r.value;
            terms[i] = r.values;
            const g: LaneRecording = {};
            for (const name of recNames) g[name] = r.grad[name]!.map((v) => v / trials);
            for (let k = 0; k < trials; k++) laneGrads.push(g);
            l += trials;
          }
          return { values: Float64Array.from(idx, (i) => costs[i]!), grads: laneGrads };
        },
      };
    const r = await valueAndGradSimulation(
      {
        model: first.model,
        network: first.network,
        lanes,
        params,
        duration: first.duration,
        dt: first.dt,
        integrator: first.integrator,
        seed: seeds,
        noise: "shared",
        slowDt: first.slowDt,
        record: { observables: recNames, period: first.tr * 1000 },
      },
      loss,
      options,
    );
    let lane0 = 0;
    for (const i of idx) {
      grads[i] = dimensionGrad(reqs[i]!.problem, reqs[i]!.x, r.grads, lane0, lanes);
      lane0 += reqs[i]!.problem.trials;
    }
    out.checkpointEvery = r.checkpointEvery;
    out.peakBytes = Math.max(out.peakBytes, r.peakBytes);
    out.forwardMs += r.forwardMs;
    out.backwardMs += r.backwardMs;
    out.backend = r.backend;
  }
  return { costs, grads, terms, ...out };
}

/** Cost, term values and gradient of one candidate of p from its (trial-averaged) recording. */
function candidateLoss(p: FitProblem, beta: number) {
  const n = p.nNodes;
  const pairs = fcPairs(n, p.pairOptions);
  const emp = p.empirical;
  const T = p.nTime;
  const fcInfo = p.fc;
  return (rec: LaneRecording) => {
    const raw = rec[p.signal]!;
    const sig = new Float64Array(n * T);
    for (let t = 0; t < T; t++) for (let i = 0; i < n; i++) sig[i * T + t] = raw[(t + p.removeSamples) * n + i]!;
    let fcS = sig, fcN = T;
    if (fcInfo) {
      fcN = fcInfo.nTime;
      fcS = new Float64Array(n * fcN);
      const fr = rec[fcInfo.signal]!;
      for (let t = 0; t < fcN; t++) {
        for (let i = 0; i < n; i++) fcS[i * fcN + t] = fr[((t + fcInfo.removeSamples + 1) * fcInfo.stride - 1) * n + i]!;
      }
    }
    const gSig = new Float64Array(n * T);
    const gFc = fcInfo ? new Float64Array(n * fcN) : gSig;
    let cost = 0;
    const values: Record<string, number> = {};
    let fc: ReturnType<typeof fcTrilWithVjp> | null = null;
    let gTril: Float64Array | null = null;
    let peaks: ReturnType<typeof softPeaksWithVjp> | null = null;
    let gPeaks: Float64Array | null = null;
    for (const term of p.gof) {
      const coef = -(p.gofWeights[term] ?? 1) * gofSign(term);
      let r: { value: number; grad: Float64Array };
      if (term === "+fc_corr" || term === "-fc_diff") {
        fc ??= fcTrilWithVjp(fcS, n, fcN, pairs);
        gTril ??= new Float64Array(pairs.length);
        r = term === "+fc_corr" ? pearsonWithGrad(fc.tril, emp.fcTril!) : meanDiffWithGrad(fc.tril, emp.fcTril!);
        for (let k = 0; k < r.grad.length; k++) gTril[k] += coef * r.grad[k]!;
      } else if (term === "-rmse") {
        r = rmseWithGrad(simulatedSeries(p, sig), emp.series!);
        const g = seriesVjp(p, r.grad);
        for (let q = 0; q < g.length; q++) gSig[q] += coef * g[q]!;
      } else {
        peaks ??= softPeaksWithVjp(sig, n, T, {
          fs: p.psdOptions.fs,
          nperseg: p.psdOptions.nperseg,
          fmin: p.psdOptions.fmin,
          fmax: p.psdOptions.fmax,
          beta,
        });
        gPeaks ??= new Float64Array(n);
        r = term === "+psd_peak_corr" ? pearsonWithGrad(peaks.peaks, emp.psdPeaks!) : maeWithGrad(peaks.peaks, emp.psdPeaks!);
        for (let k = 0; k < n; k++) gPeaks[k] += coef * r.grad[k]!;
      }
      values[term] = r.value;
      cost += coef * r.value;
    }
    if (fc && gTril) {
      const g = fc.vjp(gTril);
      for (let q = 0; q < g.length; q++) gFc[q] += g[q]!;
    }
    if (peaks && gPeaks) {
      const g = peaks.vjp(gPeaks);
      for (let q = 0; q < g.length; q++) gSig[q] += g[q]!;
    }
    const grad: LaneRecording = {};
    const gRaw = new Float64Array(raw.length);
    for (let t = 0; t < T; t++) for (let i = 0; i < n; i++) gRaw[(t + p.removeSamples) * n + i] = gSig[i * T + t]!;
    grad[p.signal] = gRaw;
    if (fcInfo) {
      const gF = new Float64Array(rec[fcInfo.signal]!.length);
      for (let t = 0; t < fcN; t++) {
        for (let i = 0; i < n; i++) gF[((t + fcInfo.removeSamples + 1) * fcInfo.stride - 1) * n + i] = gFc[i * fcN + t]!;
      }
      grad[fcInfo.signal] = gF;
    }
    return { value: cost, values, grad };
  };
}

/**
 * d cost / d x of one candidate in its problem's dimensions (the order FitProblem lays them out:
 * spec.free in turn), from the parameter gradients of the call's lanes: its trials are lanes
 * lane0 … lane0 + trials − 1 of `lanes`.
 */
function dimensionGrad(
  p: FitProblem,
  x: ArrayLike<number>,
  paramGrads: Record<string, Float64Array>,
  lane0: number,
  lanes: number,
): Float64Array {
  const n = p.nNodes;
  const g = new Float64Array(p.dim);
  let d = 0;
  for (const f of p.spec.free) {
    const pg = paramGrads[f.name]!;
    const regional = pg.length === lanes * n && n > 1;
    // d cost / d value at node i, summed over the candidate's trial lanes (global: the lane's sum already).
    const at = (i: number) => {
      let v = 0;
      for (let k = 0; k < p.trials; k++) {
        const l = lane0 + k;
        v += regional ? pg[l * n + i]! : i === 0 ? pg[l]! : 0;
      }
      return v;
    };
    if (f.groups) {
      const distinct = [...new Set(Array.from(f.groups))].sort((a, b) => a - b);
      distinct.forEach((lab, k) => {
        for (let i = 0; i < n; i++) if (f.groups![i] === lab) g[d + k] += at(i);
      });
      d += distinct.length;
    } else if (f.maps) {
      const base = x[d]!;
      for (let i = 0; i < n; i++) {
        let s = 1;
        f.maps.forEach((mp, k) => (s += x[d + 1 + k]! * mp.values[i]!));
        g[d] += at(i) * s;
        f.maps.forEach((mp, k) => (g[d + 1 + k] += at(i) * base * mp.values[i]!));
      }
      d += 1 + f.maps.length;
    } else {
      for (let i = 0; i < n; i++) g[d] += at(i);
      d += 1;
    }
  }
  return g;
}

/**
 * Transpose of simulatedSeries (fit/evaluate.ts), which is linear in the signal: node weights,
 * baseline subtraction, Hamming smoothing (np.convolve "same"), scaling, linear interpolation at
 * the target's times. g: gradient wrt the series; returns the gradient wrt the signal (nodes × T).
 */
export function seriesVjp(p: FitProblem, g: ArrayLike<number>): Float64Array {
  const n = p.nNodes, T = p.nTime, tf = p.seriesTransform;
  let gs = new Float64Array(T);
  if (p.seriesTimes) {
    const ts = p.sampleTimesMs;
    let j = 0;
    for (let k = 0; k < p.seriesTimes.length; k++) {
      const x = p.seriesTimes[k]!;
      if (x <= ts[0]!) {
        gs[0] += g[k]!;
        continue;
      }
      while (j + 1 < ts.length - 1 && ts[j + 1]! < x) j++;
      const u = Math.min(1, (x - ts[j]!) / (ts[j + 1]! - ts[j]!));
      gs[j] += (1 - u) * g[k]!;
      gs[j + 1] += u * g[k]!;
    }
  } else gs.set(Array.from(g));
  if (tf.scale !== 1) { for (let t = 0; t < T; t++) gs[t] = gs[t]! * tf.scale; }
  if (tf.smoothMs > 0) {
    const m = hammingWindowSamples(tf.smoothMs, 1 / p.tr);
    const w = hammingWindow(m);
    let sum = 0;
    for (let i = 0; i < m; i++) sum += w[i]!;
    const shift = (m - 1) >> 1;
    const gIn = new Float64Array(T);
    for (let k = 0; k < T; k++) {
      const t = k + shift;
      for (let j = Math.max(0, t - (T - 1)); j <= Math.min(m - 1, t); j++) gIn[t - j] += (gs[k]! * w[j]!) / sum;
    }
    gs = gIn;
  }
  if (tf.subtractInitial) {
    let tot = 0;
    for (let t = 0; t < T; t++) tot += gs[t]!;
    gs[0] -= tot;
  }
  const out = new Float64Array(n * T);
  const w = p.seriesWeights;
  for (let i = 0; i < n; i++) for (let t = 0; t < T; t++) out[i * T + t] = (w ? w[i]! : 1 / n) * gs[t]!;
  return out;
}

export type GradientMode = "adjoint" | "finite-difference";

const chosen = new WeakMap<Optimizer, GradientMode>();

/** Record the gradient source a fit config asked for (optimizer.gradient). */
export function setGradientMode(o: Optimizer, mode: GradientMode): void {
  chosen.set(o, mode);
}

/** Whether the optimizer must be told a gradient with every cost. */
export function needsGradients(o: Optimizer): boolean {
  if (o.type === "adam") return true;
  const opts = (o as unknown as { options?: { gradient?: string } }).options;
  return o.type === "lbfgsb" && opts?.gradient === "supplied";
}

/** The gradient source a run gets, and a line saying which and why. */
export function resolveGradient(problem: FitProblem, requested: GradientMode): { mode: GradientMode; line: string } {
  if (requested === "finite-difference") {
    return {
      mode: requested,
      line: `gradients by central finite differences (2·${problem.dim} extra simulations per candidate), as configured`,
    };
  }
  const why = whyNotDifferentiable(problem);
  if (why) {
    return { mode: "finite-difference", line: `gradients by central finite differences: the problem is not differentiable (${why})` };
  }
  return {
    mode: "adjoint",
    line:
      `gradients by the adjoint (reverse mode through the simulation, ${problem.dim} parameters per gradient; the run's backend line says where)`,
  };
}

export function gradientModeOf(o: Optimizer, fallback: GradientMode = "adjoint"): GradientMode {
  return chosen.get(o) ?? fallback;
}

/** Relative step of central differences (as L-BFGS-B's default fdStep), within the bounds. */
const FD_STEP = 1e-6;

/**
 * Evaluate one generation: requests with mode null as evaluate() does; "finite-difference" ones
 * with their 2·dim neighbours in the same evaluate() call; "adjoint" ones by valueAndGrad, grouped
 * by problem. Returns results in request order and a gradient per request (undefined for mode null).
 */
export async function evaluateWithGradients(
  reqs: readonly EvalRequest[],
  modes: readonly (GradientMode | null)[],
  evaluate: (reqs: readonly EvalRequest[], extra: { from: number }[]) => Promise<EvaluationBatch>,
  gradientOptions: ProblemGradientOptions = {},
): Promise<{ batch: EvaluationBatch; grads: (number[] | undefined)[] }> {
  const plain: EvalRequest[] = [];
  const origin: { from: number }[] = [];
  const fdPlan: { req: number; start: number; steps: { k: number; lo: number; hi: number; h: number }[] }[] = [];
  reqs.forEach((r, i) => {
    if (modes[i] === "adjoint") return;
    plain.push(r);
    origin.push({ from: i });
    if (modes[i] === "finite-difference") {
      const p = r.problem, x = Array.from(r.x);
      const start = plain.length;
      const steps = p.dims.map((d, k) => {
        const h = FD_STEP * Math.max(1, Math.abs(x[k]!));
        const hi = Math.min(d.upper, x[k]! + h), lo = Math.max(d.lower, x[k]! - h);
        for (const v of [hi, lo]) {
          const y = x.slice();
          y[k] = v;
          plain.push({ problem: p, x: y });
          origin.push({ from: i });
        }
        return { k, lo, hi, h };
      });
      fdPlan.push({ req: i, start, steps });
    }
  });
  const results = new Array<EvalResult>(reqs.length);
  const grads = new Array<number[] | undefined>(reqs.length);
  let batch: EvaluationBatch = { results: [], simulateCalls: 0, backendInfo: "", simulateMs: 0, ficSimulations: 0 };
  if (plain.length) {
    batch = await evaluate(plain, origin);
    plain.forEach((_, j) => {
      const i = origin[j]!.from;
      if (results[i] === undefined && plain[j] === reqs[i]) results[i] = batch.results[j]!;
    });
    for (const f of fdPlan) {
      grads[f.req] = f.steps.map((s, d) => {
        const up = batch.results[f.start + 2 * d]!.totalCost, dn = batch.results[f.start + 2 * d + 1]!.totalCost;
        return s.hi > s.lo ? (up - dn) / (s.hi - s.lo) : 0;
      });
    }
  }
  // Adjoint: one gradient call per group of problems that simulate alike, candidates as lanes.
  const adjoint = reqs.flatMap((_, i) => (modes[i] === "adjoint" ? [i] : []));
  const infos = batch.backendInfo ? [batch.backendInfo] : [];
  let simulateMs = batch.simulateMs;
  let gradientCalls = 0;
  if (adjoint.length) {
    const t0 = performance.now();
    const vg = await valueAndGradRequests(adjoint.map((i) => reqs[i]!), gradientOptions);
    simulateMs += performance.now() - t0;
    gradientCalls = new Set(adjoint.map((i) => simulationGroupKey(reqs[i]!.problem))).size;
    adjoint.forEach((i, l) => {
      const p = reqs[i]!.problem;
      const cost = vg.costs[l]!;
      const ok = Number.isFinite(cost) && vg.grads[l]!.every(Number.isFinite);
      results[i] = ok
        ? { cost, totalCost: cost, gof: -cost, terms: vg.terms[l]!, penalties: {}, status: "ok" }
        : { cost: p.divergedCost, totalCost: p.divergedCost, gof: NaN, terms: vg.terms[l] ?? {}, penalties: {}, status: "diverged" };
      grads[i] = Array.from(vg.grads[l]!, (v) => (Number.isFinite(v) ? v : NaN));
    });
    infos.push(vg.backend === "reference" ? "float64 reference with adjoint gradients" : `${vg.backend} (float32) with adjoint gradients`);
  }
  return {
    batch: {
      results,
      simulateCalls: batch.simulateCalls + gradientCalls,
      backendInfo: [...new Set(infos)].join("; "),
      simulateMs,
      ficSimulations: batch.ficSimulations,
    },
    grads,
  };
}

export type { EvaluateOptions };
