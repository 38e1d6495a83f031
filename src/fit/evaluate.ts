// Evaluation of a generation: candidates of possibly many problems and runs → one simulate()
// call per group of compatible lanes (same model, network, duration, dt, integrator and
// signal) → per-lane statistics and GOF → costs. Diverged simulations (NaN/Inf anywhere in the
// signal) and non-finite GOF values get the problem's finite worst cost and are counted.
import { simulate } from "../sim/simulate.ts";
import type { BackendName } from "../batch/prepare.ts";
import { fcTril } from "../stats/fc.ts";
import { FcdWorkspace } from "../stats/fcd.ts";
import { evaluateGof, gofSign, type StatSummary } from "../stats/gof.ts";
import { peakFrequency, welchRows } from "../stats/welch.ts";
import { smoothHamming } from "../stats/signal.ts";
import { numericalFic } from "../sim/fic.ts";
import type { FitProblem, LaneOutputs } from "./problem.ts";

/**
 * One candidate to evaluate: its problem and its parameters (optimizer coordinates, user space).
 *
 * @example
 * ```ts
 * import { evaluateBatch, problemsFromConfig, QUICKSTART_CONFIG, type EvalRequest } from "brainfit/fit";
 * const [problem] = await problemsFromConfig(QUICKSTART_CONFIG);
 * const requests: EvalRequest[] = [0.01, 0.02, 0.04].map((G) => ({ problem: problem!, x: [G, -0.05] }));
 * const { results } = await evaluateBatch(requests);
 * ```
 */
export interface EvalRequest {
  problem: FitProblem;
  x: ArrayLike<number>;
}

export type EvalStatus = "ok" | "diverged" | "invalid" | "fic_failed" | "failed";

/**
 * The score of one candidate: the cost told to the optimizer, the GOF terms and penalties, and
 * whether its simulation was usable (status).
 *
 * @example
 * ```ts
 * import { evaluateBatch, problemsFromConfig, QUICKSTART_CONFIG, type EvalResult } from "brainfit/fit";
 * const [problem] = await problemsFromConfig(QUICKSTART_CONFIG);
 * const { results } = await evaluateBatch([{ problem: problem!, x: [0.02, -0.05] }]);
 * const r: EvalResult = results[0]!;
 * if (r.status === "ok") console.log(r.cost, r.terms["+fc_corr"]);
 * ```
 */
export interface EvalResult {
  /** What the optimizer is told: a number, or one value per objective (objectives: "terms"). */
  cost: number | number[];
  /** −Σ signed terms + penalties (the single-objective cost, also reported for multi-objective problems). */
  totalCost: number;
  gof: number;
  /** Unsigned value of each GOF term (NaN when diverged). */
  terms: Record<string, number>;
  penalties: Record<string, number>;
  /** ok; diverged: the simulation produced NaN/Inf; invalid: a GOF term or penalty was not finite; fic_failed: numerical FIC ran out of trials and the problem has fic.rejectFailed; failed: a queued evaluation failed for good (a bad candidate), given the worst cost. */
  status: EvalStatus;
  /** Numerical FIC only: failed = some trial lane still had a node off target when the budget ran out; trials = adjustments made (max over trial lanes). */
  fic?: { failed: boolean; trials: number };
}

export interface EvaluateOptions {
  backend?: BackendName;
  threads?: number;
  allowSoftwareGpu?: boolean;
  /** Keep the signal, summaries and averages of every lane (for saving the best simulation). */
  keepOutputs?: boolean;
  /** With keepOutputs: also average every state of the model per node (saved with the best simulation). */
  extraAverages?: boolean;
  /**
   * Most lanes (candidates × trials) per simulate() call; larger groups are split into several
   * calls, with identical results (every lane's noise depends on its seed only). Default: as many
   * as keep one call's recorded samples under 1 GiB (float32).
   */
  maxLanesPerCall?: number;
}

/** Recorded samples of one call stay under this many bytes unless maxLanesPerCall says otherwise. */
const RECORD_BUDGET_BYTES = 2 ** 30;

/** Lanes per simulate() call for a problem: the option, else what fits the recording budget. */
export function laneCap(p: FitProblem, maxLanesPerCall?: number): number {
  if (maxLanesPerCall !== undefined) {
    if (!Number.isInteger(maxLanesPerCall) || maxLanesPerCall < 1) {
      throw new RangeError(`maxLanesPerCall must be an integer >= 1, got ${maxLanesPerCall}`);
    }
    return maxLanesPerCall;
  }
  const perLane = p.nSamples * p.nNodes * 4 * (p.fc ? 2 : 1);
  return Math.max(1, Math.floor(RECORD_BUDGET_BYTES / perLane));
}

export interface EvaluationBatch {
  results: EvalResult[];
  /** Per request, with keepOutputs. */
  outputs?: LaneOutputs[];
  simulateCalls: number;
  backendInfo: string;
  /** Simulation wall time (ms), summed over calls (numerical FIC included). */
  simulateMs: number;
  /** Simulations run by numerical FIC (each one batch of the lanes still adjusting). */
  ficSimulations: number;
}

const objectIds = new WeakMap<object, number>();
let nextId = 1;
function idOf(o: object | undefined): number {
  if (!o) return 0;
  let id = objectIds.get(o);
  if (id === undefined) {
    id = nextId++;
    objectIds.set(o, id);
  }
  return id;
}

/** Lanes with equal keys can share one simulate() call. */
export function simulationGroupKey(p: FitProblem): string {
  const net = p.network;
  return [
    idOf(p.model.spec),
    idOf(net.weights as object),
    idOf(net.lengths as object | undefined),
    net.speed ?? "inf",
    p.duration,
    p.dt,
    p.integrator,
    p.signal,
    p.tr,
    p.fc?.signal ?? "",
    p.slowDt ?? "",
    // Numerical FIC runs once per group, so its settings must match within a group.
    p.fic?.mode === "numerical" ? JSON.stringify(p.fic) : "",
  ].join("|");
}

/** Indices of requests whose problems simulate alike (simulationGroupKey), group by group in order of first appearance. */
export function groupBySimulation(requests: readonly { problem: FitProblem }[]): number[][] {
  const byKey = new Map<string, number[]>();
  requests.forEach((r, i) => {
    const k = simulationGroupKey(r.problem);
    const g = byKey.get(k);
    if (g) g.push(i);
    else byKey.set(k, [i]);
  });
  return [...byKey.values()];
}

/**
 * The lanes of one group of requests (indices reqIdx): every request `trials` times, noise seeds
 * seed, seed + 1, …; per lane its request, its seed, and the lanes' parameters (per lane, or
 * lanes × nodes when any lane has per-node values).
 */
export function groupLanes(
  requests: readonly { problem: FitProblem; x: ArrayLike<number> }[],
  reqIdx: readonly number[],
): { laneReq: number[]; seeds: number[]; params: Record<string, Float64Array> } {
  const laneReq: number[] = [];
  const seeds: number[] = [];
  for (const i of reqIdx) {
    const p = requests[i]!.problem;
    for (let k = 0; k < p.trials; k++) {
      laneReq.push(i);
      seeds.push(p.seed + k);
    }
  }
  const byRequest = new Map(reqIdx.map((i) => [i, requests[i]!.problem.paramsOf(requests[i]!.x)]));
  return { laneReq, seeds, params: laneParams(requests[reqIdx[0]!]!.problem, laneReq.map((i) => byRequest.get(i)!)) };
}

function finite(a: ArrayLike<number>): boolean {
  for (let i = 0; i < a.length; i++) if (!Number.isFinite(a[i]!)) return false;
  return true;
}

function failedResult(p: FitProblem, status: EvalStatus, terms: Record<string, number>, penalties: Record<string, number>): EvalResult {
  return {
    cost: p.objectives === "terms" ? [...p.divergedCosts] : p.divergedCost,
    totalCost: p.divergedCost,
    gof: NaN,
    terms,
    penalties,
    status,
  };
}

/**
 * simulate()'s `params` for lanes with these parameter values (paramsOf of each lane's
 * candidate): one value per lane, or lanes × nodes for a parameter any lane sets per node;
 * a lane that leaves a parameter unset gets the model's default.
 */
export function laneParams(p: FitProblem, perLane: readonly Record<string, number | Float64Array>[]): Record<string, Float64Array> {
  const n = p.nNodes, lanes = perLane.length;
  const names = new Set<string>();
  for (const q of perLane) for (const k of Object.keys(q)) names.add(k);
  const params: Record<string, Float64Array> = {};
  for (const name of names) {
    const spec = p.model.spec.parameters.find((q) => q.name === name)!;
    const regional = perLane.some((q) => typeof q[name] === "object");
    const arr = new Float64Array(regional ? lanes * n : lanes);
    perLane.forEach((q, l) => {
      const v = q[name] ?? spec.default;
      if (!regional) arr[l] = v as number;
      else if (typeof v === "number") arr.fill(v, l * n, (l + 1) * n);
      else arr.set(v, l * n);
    });
    params[name] = arr;
  }
  return params;
}

/** The simulated series: weighted node sum, then (hnn-core's order) baseline, Hamming smoothing, scaling, interpolation at the target's times. */
export function simulatedSeries(p: FitProblem, signal: Float64Array): Float64Array {
  const n = p.nNodes;
  let s: Float64Array = new Float64Array(p.nTime);
  const w = p.seriesWeights;
  for (let i = 0; i < n; i++) {
    const wi = w ? w[i]! : 1 / n;
    for (let t = 0; t < p.nTime; t++) s[t] = s[t]! + wi * signal[i * p.nTime + t]!;
  }
  const tf = p.seriesTransform;
  if (tf.subtractInitial) {
    const s0 = s[0]!;
    for (let t = 0; t < s.length; t++) s[t] = s[t]! - s0;
  }
  if (tf.smoothMs > 0) s = smoothHamming(s, tf.smoothMs, 1 / p.tr);
  if (tf.scale !== 1) { for (let t = 0; t < s.length; t++) s[t] = s[t]! * tf.scale; }
  if (!p.seriesTimes) return s;
  const ts = p.sampleTimesMs;
  const out = new Float64Array(p.seriesTimes.length);
  let j = 0;
  for (let k = 0; k < out.length; k++) {
    const x = p.seriesTimes[k]!;
    if (x <= ts[0]!) {
      out[k] = s[0]!; // before the first sample (t = 0 is the initial state): hold the first value
      continue;
    }
    while (j + 1 < ts.length - 1 && ts[j + 1]! < x) j++;
    const u = Math.min(1, (x - ts[j]!) / (ts[j + 1]! - ts[j]!));
    out[k] = s[j]! + u * (s[j + 1]! - s[j]!);
  }
  return out;
}

/** Statistics, GOF and penalties of one simulated signal. */
export function scoreLane(
  p: FitProblem,
  signal: Float64Array,
  averages: Record<string, Float64Array>,
  fcdWs?: FcdWorkspace,
  fcSignal?: Float64Array,
): { result: EvalResult; outputs: LaneOutputs } {
  const n = p.nNodes;
  const summary: StatSummary = {};
  const outputs: LaneOutputs = { signal, nTime: p.nTime, averages, summary };
  if (p.fc && !fcSignal) {
    throw new Error(`scoreLane: problem '${p.name}' computes FC from '${p.fc.signal}'; pass that signal (nodes × ${p.fc.nTime})`);
  }
  const fcS = p.fc ? fcSignal! : signal;
  const fcN = p.fc ? p.fc.nTime : p.nTime;
  if (p.fc) {
    outputs.fcSignal = fcS;
    outputs.fcNTime = fcN;
  }
  const nanTerms = Object.fromEntries(p.gof.map((g) => [g, NaN]));
  const avgOk = Object.values(averages).every(finite);
  if (!finite(signal) || !finite(fcS) || !avgOk) return { result: failedResult(p, "diverged", nanTerms, {}), outputs };
  if (p.empirical.fcTril) summary.fcTril = fcTril(fcS, n, fcN, p.pairOptions);
  if (p.fcdOptions) summary.fcdTril = (fcdWs ?? new FcdWorkspace(n, fcN, p.fcdOptions)).compute(fcS, 0).fcdTril;
  if (p.empirical.series) summary.series = simulatedSeries(p, signal);
  if (p.empirical.psdPeaks) {
    const { f, psd } = welchRows(signal, n, p.nTime, { fs: p.psdOptions.fs, nperseg: p.psdOptions.nperseg });
    summary.psdPeaks = peakFrequency(f, psd, { fmin: p.psdOptions.fmin, fmax: p.psdOptions.fmax });
  }
  const ev = evaluateGof(p.gof, summary, p.empirical, p.gofWeights);
  const penalties: Record<string, number> = {};
  let pen = 0;
  for (const q of p.penalties) {
    const v = q.compute(outputs);
    penalties[q.name] = v;
    pen += v;
  }
  if (!Number.isFinite(ev.gof) || !Number.isFinite(pen)) return { result: failedResult(p, "invalid", ev.values, penalties), outputs };
  const totalCost = ev.cost + pen;
  const cost = p.objectives === "terms" ? p.gof.map((g) => -gofSign(g) * ev.values[g]! + pen) : totalCost;
  return { result: { cost, totalCost, gof: ev.gof, terms: ev.values, penalties, status: "ok" }, outputs };
}

/**
 * Evaluate candidates: one simulate() call per compatible group (split at maxLanesPerCall), then statistics per lane.
 *
 * @example
 * ```ts
 * import { evaluateBatch, problemsFromConfig, QUICKSTART_CONFIG } from "brainfit/fit";
 * const [problem] = await problemsFromConfig(QUICKSTART_CONFIG);
 * const { results } = await evaluateBatch([{ problem: problem!, x: [0.02, -0.05] }, { problem: problem!, x: [0.05, -0.1] }]);
 * console.log(results.map((r) => [r.cost, r.terms, r.status]));
 * ```
 */
export async function evaluateBatch(requests: readonly EvalRequest[], opts: EvaluateOptions = {}): Promise<EvaluationBatch> {
  // Split groups whose lanes (requests × trials) exceed the cap.
  const groups: number[][] = [];
  for (const g of groupBySimulation(requests)) {
    const cap = laneCap(requests[g[0]!]!.problem, opts.maxLanesPerCall);
    let part: number[] = [];
    let lanes = 0;
    for (const i of g) {
      const t = requests[i]!.problem.trials;
      if (part.length && lanes + t > cap) {
        groups.push(part);
        part = [];
        lanes = 0;
      }
      part.push(i);
      lanes += t;
    }
    groups.push(part);
  }
  const results = new Array<EvalResult>(requests.length);
  const outputs = opts.keepOutputs ? new Array<LaneOutputs>(requests.length) : undefined;
  let simulateMs = 0;
  let ficSimulations = 0;
  const infos = new Set<string>();
  for (const reqIdx of groups) {
    const { laneReq: idx, seeds: laneSeeds, params } = groupLanes(requests, reqIdx);
    const first = requests[idx[0]!]!.problem;
    const lanes = idx.length;
    const n = first.nNodes;
    // Numerical FIC: adjust every lane's wIE (analytical start from paramsOf) before the fit simulation.
    let ficLanes: { failed: boolean[]; trials: number[] } | null = null;
    if (first.fic?.mode === "numerical") {
      const f = first.fic;
      const t0 = performance.now();
      const r = await numericalFic({
        model: first.model,
        network: first.network,
        lanes,
        params,
        dt: first.dt,
        integrator: first.integrator,
        seed: laneSeeds,
        noise: "shared",
        backend: opts.backend,
        threads: opts.threads,
        allowSoftwareGpu: opts.allowSoftwareGpu,
        duration: first.duration,
        slowDt: first.slowDt,
      }, {
        maxTrials: f.maxTrials,
        tolerance: f.tolerance,
        samplingStart: f.samplingStart,
        samplingEnd: f.samplingEnd,
        initDelta: f.initDelta,
      });
      simulateMs += performance.now() - t0;
      ficSimulations += r.evaluations;
      params.wIE = r.wIE;
      ficLanes = r;
    }
    const averages = [
      ...new Set([...idx.flatMap((i) => requests[i]!.problem.averages), ...(opts.extraAverages ? first.model.stateNames : [])]),
    ];
    const signals: Float64Array[] = [];
    const res = await simulate({
      model: first.model,
      network: first.network,
      lanes,
      params,
      duration: first.duration,
      dt: first.dt,
      integrator: first.integrator,
      seed: laneSeeds,
      noise: "shared",
      averages,
      slowDt: first.slowDt,
      backend: opts.backend,
      threads: opts.threads,
      allowSoftwareGpu: opts.allowSoftwareGpu,
      record: { observables: first.fc ? [first.signal, first.fc.signal] : [first.signal], period: first.tr * 1000 },
    });
    const rec = res.recorded[first.signal]!;
    const T = res.times.length;
    // FC signal (simulation.fcSignal): every stride-th sample (times k·fcTr), then removal.
    const fcSignals: Float64Array[] = [];
    if (first.fc) {
      const { stride } = first.fc;
      const fr = res.recorded[first.fc.signal]!;
      const S = Math.floor(T / stride);
      for (let l = 0; l < lanes; l++) {
        const f = requests[idx[l]!]!.problem.fc!;
        const kept = S - f.removeSamples;
        const s = new Float64Array(n * kept);
        for (let t = 0; t < kept; t++) {
          const o = (l * T + (t + f.removeSamples + 1) * stride - 1) * n;
          for (let i = 0; i < n; i++) s[i * kept + t] = fr[o + i]!;
        }
        fcSignals.push(s);
      }
    }
    for (let l = 0; l < lanes; l++) {
      const remove = requests[idx[l]!]!.problem.removeSamples;
      const kept = T - remove;
      const s = new Float64Array(n * kept);
      for (let t = 0; t < kept; t++) {
        const o = (l * T + t + remove) * n;
        for (let i = 0; i < n; i++) s[i * kept + t] = rec[o + i]!;
      }
      signals.push(s);
    }
    simulateMs += res.elapsedMs;
    infos.add(res.backendInfo);
    const workspaces = new Map<FitProblem, FcdWorkspace>();
    let lane = 0;
    for (const i of reqIdx) {
      const p = requests[i]!.problem;
      // Mean over the request's trial lanes (one lane when trials = 1).
      const signal = signals[lane]!;
      const fcSignal = p.fc ? fcSignals[lane]! : undefined;
      const avg: Record<string, Float64Array> = {};
      for (const a of averages) avg[a] = res.averages[a]!.slice(lane * n, (lane + 1) * n);
      for (let k = 1; k < p.trials; k++) {
        const other = signals[lane + k]!;
        for (let q = 0; q < signal.length; q++) signal[q] = signal[q]! + other[q]!;
        if (fcSignal) { for (let q = 0; q < fcSignal.length; q++) fcSignal[q] = fcSignal[q]! + fcSignals[lane + k]![q]!; }
        for (const a of averages) {
          const src = res.averages[a]!;
          for (let q = 0; q < n; q++) avg[a]![q] = avg[a]![q]! + src[(lane + k) * n + q]!;
        }
      }
      if (p.trials > 1) {
        for (let q = 0; q < signal.length; q++) signal[q] = signal[q]! / p.trials;
        if (fcSignal) { for (let q = 0; q < fcSignal.length; q++) fcSignal[q] = fcSignal[q]! / p.trials; }
        for (const a of averages) for (let q = 0; q < n; q++) avg[a]![q] = avg[a]![q]! / p.trials;
      }
      lane += p.trials;
      let ws: FcdWorkspace | undefined;
      if (p.fcdOptions) {
        ws = workspaces.get(p);
        if (!ws) workspaces.set(p, ws = new FcdWorkspace(n, p.fc?.nTime ?? p.nTime, p.fcdOptions));
      }
      const scored = scoreLane(p, signal, avg, ws, fcSignal);
      if (ficLanes) {
        const from = lane - p.trials;
        const fic = { failed: ficLanes.failed.slice(from, lane).some(Boolean), trials: Math.max(...ficLanes.trials.slice(from, lane)) };
        if (fic.failed && p.fic!.rejectFailed && scored.result.status === "ok") {
          scored.result = failedResult(p, "fic_failed", scored.result.terms, scored.result.penalties);
        }
        scored.result.fic = fic;
      }
      results[i] = scored.result;
      if (outputs) outputs[i] = scored.outputs;
    }
  }
  return { results, outputs, simulateCalls: groups.length, backendInfo: [...infos].join("; "), simulateMs, ficSimulations };
}
