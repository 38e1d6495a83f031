// A fitting problem: which model runs on which network, which parameters are free (with
// bounds, scales and heterogeneity), what the simulation is compared with (targets and GOF
// terms), how the comparison signal is made (BOLD or a recorded state), and penalties.
// defineProblem() validates the spec against the fit schema (src/fit/schema.ts: types, ranges and
// rules across fields, the same as for JSON configs), then checks what needs the model and the
// data (names, node counts, steps per sample) and precomputes the empirical summaries.
import { type CompiledModel, compileModel, type ModelSpec } from "../models/spec.ts";
import { getModel } from "../models/index.ts";
import { type BoldParamSet, withBold } from "../models/bold.ts";
import { analyticalFic, ficPenalty } from "../models/fic.ts";
import type { NetworkInput } from "../batch/network.ts";
import { type Integrator, wholeSteps } from "../batch/prepare.ts";
import type { ParamScale } from "../optim/types.ts";
import { fcPairs, fcTril, type PairOptions } from "../stats/fc.ts";
import { fcd, type FcdOptions, fcdWindowTRsFromSeconds } from "../stats/fcd.ts";
import { getGofTerm, type StatSummary } from "../stats/gof.ts";
import { FitConfigError, unknownNameMessage } from "../schema/validate.ts";
import { checkIntegrationStep } from "./budget.ts";
import { DEFAULT_DT, DEFAULT_TR, validateProblemSpec } from "./schema.ts";

export interface FreeParameter {
  /** A parameter of the model. */
  name: string;
  /** Search bounds (user space). */
  bounds: [number, number];
  /** "log": the optimizer searches log10 of the value (needs bounds > 0). */
  scale?: ParamScale;
  /** Heterogeneity by node groups: one label per node; one free value per distinct label (ascending). */
  groups?: ArrayLike<number>;
  /** Heterogeneity by maps: value_i = base · (1 + Σ_k c_k · map_k[i]); one free coefficient c_k per map. */
  maps?: { name: string; values: ArrayLike<number>; bounds: [number, number] }[];
}

export interface FitTarget {
  /** Empirical signal (e.g. BOLD), nodes × volumes, row-major; FC and FCD are computed from it. */
  bold?: { data: ArrayLike<number>; nTime: number; /** Its TR in s (default: simulation.tr). */ tr?: number };
  /** Empirical FC: an n × n matrix, or its lower triangle filtered as the problem's pairs. */
  fc?: ArrayLike<number>;
  /** Empirical FCD lower-triangle values (any sample of the FCD distribution); takes precedence over the FCD of `bold`. */
  fcdTril?: ArrayLike<number>;
  /** A time series (e.g. an evoked dipole) compared sample by sample with the simulated series. */
  series?: ArrayLike<number>;
  /** Sample times (ms) of `series`; the simulated series is interpolated linearly at them (default: the simulated samples after removal). */
  seriesTimes?: ArrayLike<number>;
  /** Per-node peak frequencies in Hz (for +psd_peak_corr, -psd_mae). */
  psdPeaks?: ArrayLike<number>;
}

export interface FitSimulationSettings {
  /** Simulated time in s (including the part removed by boldRemove). */
  duration: number;
  /** Integration step in ms (default 0.1). */
  dt?: number;
  /** Sampling period of the comparison signal in s (BOLD TR; default 0.72). */
  tr?: number;
  /**
   * "bold" (default when the model declares a BOLD input): Balloon–Windkessel BOLD, integrated
   * in the kernel (the model is wrapped with withBold unless it already has a `bold`
   * observable), sampled every tr. Otherwise the name of an observable sampled every tr.
   */
  signal?: string;
  /**
   * Compute FC and FCD from another observable than `signal` (e.g. "bold" while `signal` is
   * the fast "x" for peak-frequency terms), sampled every `fcTr` s (a whole multiple of tr;
   * default tr). `boldRemove` seconds are dropped from it too. Series and PSD terms keep `signal`.
   */
  fcSignal?: string;
  fcTr?: number;
  /** Balloon–Windkessel constants when the model is wrapped with withBold (default "friston2003"). */
  boldParams?: BoldParamSet;
  /** Balloon–Windkessel Euler step in ms (cuBNM's bw_dt; default 1), a whole multiple of dt. */
  bwDt?: number;
  /** Seconds removed from the start of the signal before statistics (default 0). */
  boldRemove?: number;
  /** FCD window and step in s (default 30 and 5; cuBNM's rounding to TRs). */
  fcdWindow?: number;
  fcdStep?: number;
  /** Drop interhemispheric pairs from FC/FCD (cuBNM's exc_interhemispheric). */
  excludeInterhemispheric?: boolean;
  /** Hemisphere label per node (default: first half left, second half right). */
  hemispheres?: ArrayLike<number>;
  /** Noise seed (default 0). Candidates of one run share this noise (common random numbers). */
  seed?: number;
  integrator?: Integrator;
  /** Welch PSD of the signal for peak-frequency terms: segment length (samples, default 256) and the band searched (Hz). */
  psd?: { nperseg?: number; fmin?: number; fmax?: number };
  /**
   * Noise realisations per candidate (default 1): seeds seed, seed+1, …; the candidate's signal
   * (and node averages) is their mean, as hnn-core averages n_trials dipoles.
   */
  trials?: number;
  /** For a series target: processing of the simulated series before the comparison, in this order (hnn-core's). */
  seriesTransform?: { subtractInitial?: boolean; smoothMs?: number; scale?: number };
  /** For a series target: node weights of the simulated series Σ_i w_i signal_i(t) (default: the mean over nodes). */
  seriesWeights?: ArrayLike<number>;
}

/** What a penalty sees of one simulation. */
export interface LaneOutputs {
  /** The comparison signal after removal, nodes × nTime. */
  signal: Float64Array;
  nTime: number;
  /** With simulation.fcSignal: the FC/FCD signal after removal, nodes × fcNTime. */
  fcSignal?: Float64Array;
  fcNTime?: number;
  /** Per-node time averages of the observables the penalties asked for. */
  averages: Record<string, Float64Array>;
  summary: StatSummary;
}

export interface Penalty {
  name: string;
  /** Observables whose per-node averages the penalty reads. */
  averages?: string[];
  /** A non-negative number added to the cost. */
  compute(out: LaneOutputs): number;
}

/**
 * What defineProblem takes: model, network, free and fixed parameters, the empirical target,
 * signed GOF terms (with optional weights), simulation settings, penalties and FIC (docs/fit.md).
 *
 * @example
 * ```ts
 * import { defineProblem, type FitProblemSpec } from "brainfit/fit";
 * const spec: FitProblemSpec = {
 *   name: "hopf-g",
 *   model: "SupHopf",
 *   network: { weights: [0, 1, 1, 0], lengths: [0, 40, 40, 0], speed: 6 },
 *   free: [{ name: "G", bounds: [0.001, 1], scale: "log" }],
 *   fixed: { a: -0.02 },
 *   target: { fc: [1, 0.4, 0.4, 1] },
 *   gof: ["+fc_corr", "-fc_diff"],
 *   gofWeights: { "-fc_diff": 0.5 },
 *   simulation: { duration: 30, tr: 0.72, seed: 1 },
 * };
 * const problem = defineProblem(spec);
 * ```
 */
export interface FitProblemSpec {
  /** Names the run folders (default: the model name). Letters, digits, -, _, . */
  name?: string;
  model: ModelSpec | CompiledModel | string;
  network: NetworkInput;
  free: FreeParameter[];
  /** Fixed parameter values: a number, or one value per node (regional parameters). */
  fixed?: Record<string, number | ArrayLike<number>>;
  target: FitTarget;
  /** Signed GOF term names, e.g. ["+fc_corr", "-fcd_ks"]. */
  gof: string[];
  /**
   * Weight of each term in the summed cost, by signed name (default 1): cost = −Σ w·sign·value.
   * Balances terms in different units, e.g. {"-psd_mae": 0.25} makes a 4-Hz peak error cost as
   * much as a whole unit of FC correlation. With objectives "terms" each objective stays unweighted.
   */
  gofWeights?: Record<string, number>;
  /** "sum" (default): cost = −Σ signed terms + penalties. "terms": one objective per term (NSGA-II). */
  objectives?: "sum" | "terms";
  simulation: FitSimulationSettings;
  penalties?: Penalty[];
  /** Cost given to diverged simulations (default: the worst value of the GOF terms + 1). */
  divergedCost?: number;
  /**
   * Feedback inhibition control for rWW-type models (parameters G, w_p, J_N, wIE, I_ext and
   * rate r_E): each candidate's wIE per node comes from the analytical FIC of Demirtaş et al.
   * 2019 as cuBNM computes it, and cuBNM's FIC penalty on mean r_E (nodes more than 1 Hz from
   * 3 Hz) × penaltyScale (default 2; 0 for none) is added to the cost. With mode "numerical"
   * the analytical wIE is the start of Deco et al. 2014's iterative adjustment (numericalFic,
   * cuBNM's rule), run once per simulation group before the fit simulation.
   */
  fic?: FicSettings;
}

/** Feedback inhibition control settings of a problem (see docs/fit.md). */
export interface FicSettings {
  /** "analytical" (default): Demirtaş et al. 2019. "numerical": analytical start, then Deco et al. 2014's adjustment. */
  mode?: "analytical" | "numerical";
  /** Numerical: adjustment budget per candidate (cuBNM max_fic_trials, default 150). */
  maxTrials?: number;
  /** Numerical: allowed |mean I_E − target| in nA (default 0.005). */
  tolerance?: number;
  /** Numerical: I_E averaging window in ms (default 1000–10000, cuBNM fic_i_sampling_start/end). */
  samplingStart?: number;
  samplingEnd?: number;
  /** Numerical: first wIE step (default 0.02). */
  initDelta?: number;
  /** cuBNM's FIC penalty scale (default 2; 0 for none). */
  penaltyScale?: number;
  /** Numerical: give candidates whose adjustment failed the diverged cost instead of scoring them (default false: scored, flagged). */
  rejectFailed?: boolean;
}

/** FIC settings after defaults. */
export interface ResolvedFic {
  mode: "analytical" | "numerical";
  penaltyScale: number;
  maxTrials: number;
  tolerance: number;
  samplingStart: number;
  samplingEnd: number;
  initDelta: number;
  rejectFailed: boolean;
}

/** One optimizer coordinate. */
export interface FitDimension {
  /** "k", "w_p[3]" (group label 3), "w_p.map:myelin" (map coefficient). */
  name: string;
  lower: number;
  upper: number;
  scale: ParamScale;
}

/** Worst cost contribution of the built-in terms (used for diverged simulations). */
const TERM_WORST: Record<string, number> = { "+fc_corr": 1, "-fc_diff": 2, "-fcd_ks": 1, "+psd_peak_corr": 1 };

const isCompiled = (m: unknown): m is CompiledModel =>
  typeof m === "object" && m !== null && Array.isArray((m as CompiledModel).stateNames);

/** cuBNM-style penalty on node averages leaving [low, high]: weight · mean_i dist(avg_i, [low, high]). */
export function averageRangePenalty(observable: string, low: number, high: number, weight = 1): Penalty {
  return {
    name: `range_${observable}`,
    averages: [observable],
    compute(out) {
      const a = out.averages[observable]!;
      let s = 0;
      for (const v of a) s += v < low ? low - v : v > high ? v - high : 0;
      return (weight * s) / a.length;
    },
  };
}

/** Penalty on node averages away from a target (e.g. FIC's 3 Hz): weight · mean_i (1 − exp(−rate·|avg_i − target|)). */
export function averageTargetPenalty(observable: string, target: number, weight = 1, rate = 0.05): Penalty {
  return {
    name: `target_${observable}`,
    averages: [observable],
    compute(out) {
      const a = out.averages[observable]!;
      let s = 0;
      for (const v of a) s += 1 - Math.exp(-rate * Math.abs(v - target));
      return (weight * s) / a.length;
    },
  };
}

/**
 * A checked fitting problem (made by defineProblem): the model, network, free dimensions with
 * their bounds and scales, the target's precomputed summaries, GOF terms and penalties.
 *
 * @example
 * ```ts
 * import { defineProblem, FitProblem } from "brainfit/fit";
 * import { createOptimizer } from "brainfit/optim";
 * const problem: FitProblem = defineProblem({
 *   model: "SupHopf",
 *   network: { weights: [0, 1, 1, 0] },
 *   free: [{ name: "G", bounds: [0, 1] }],
 *   target: { fc: [1, 0.5, 0.5, 1] },
 *   gof: ["+fc_corr"],
 *   simulation: { duration: 10, tr: 0.5 },
 * });
 * const opt = createOptimizer("cmaes", { lower: problem.lower, upper: problem.upper, scale: problem.scale, seed: 1 });
 * ```
 */
export class FitProblem {
  readonly name: string;
  readonly model: CompiledModel;
  readonly network: NetworkInput;
  readonly nNodes: number;
  readonly dims: FitDimension[];
  readonly gof: string[];
  /** Weight per signed term in the summed cost (terms absent weigh 1). */
  readonly gofWeights: Record<string, number>;
  readonly objectives: "sum" | "terms";
  readonly penalties: Penalty[];
  readonly duration: number;
  readonly dt: number;
  readonly tr: number;
  /** "bold" or an observable name. */
  readonly signal: string;
  readonly seed: number;
  readonly integrator: Integrator;
  /** Step of the model's slow states (BOLD: bw_dt) in ms; undefined when it has none. */
  readonly slowDt: number | undefined;
  readonly pairOptions: PairOptions;
  /** FCD options in TRs (null when no FCD term is used). */
  readonly fcdOptions: FcdOptions | null;
  /** FC/FCD signal when it differs from `signal` (simulation.fcSignal), else null. */
  readonly fc: { signal: string; tr: number; stride: number; removeSamples: number; nTime: number } | null;
  /** Samples (volumes) of the signal before and after removal. */
  readonly nSamples: number;
  readonly removeSamples: number;
  readonly nTime: number;
  readonly empirical: StatSummary;
  readonly averages: string[];
  readonly divergedCost: number;
  /** Worst cost per objective (objectives: "terms"), a fixed hypervolume reference. */
  readonly divergedCosts: number[];
  readonly seriesWeights: Float64Array | null;
  readonly trials: number;
  readonly seriesTransform: { subtractInitial: boolean; smoothMs: number; scale: number };
  /** Simulated sample times (ms) after removal, and the target's sample times when interpolating. */
  readonly sampleTimesMs: Float64Array;
  readonly seriesTimes: Float64Array | null;
  /** Welch/peak options for psdPeaks (sampling rate 1/tr). */
  readonly psdOptions: { fs: number; nperseg: number; fmin?: number; fmax?: number };
  readonly spec: FitProblemSpec;
  readonly fic: ResolvedFic | null;
  private readonly fixed: Record<string, number | Float64Array>;
  private readonly layout: {
    name: string;
    kind: "global" | "groups" | "maps";
    start: number;
    labels?: Int32Array;
    maps?: Float64Array[];
  }[];

  constructor(spec: FitProblemSpec) {
    validateProblemSpec(spec);
    this.spec = spec;
    const fail = (field: string, msg: string): never => {
      throw new FitConfigError(field, msg);
    };
    let model = typeof spec.model === "string" ? wrapModelName(spec.model) : isCompiled(spec.model) ? spec.model : compileModel(spec.model);
    const sim = spec.simulation;
    const wantsBold = (sim?.signal ?? (model.spec.boldInput ? "bold" : "")) === "bold" || sim?.fcSignal === "bold";
    if (wantsBold && !model.observables.includes("bold")) {
      if (!model.spec.boldInput) {
        fail("simulation.signal", `${model.name} declares no BOLD input; name an observable instead (${model.observables.join(", ")})`);
      }
      model = boldModel(model.spec, sim.boldParams ?? "friston2003");
    }
    this.model = model;
    this.name = spec.name ?? model.name;
    // A name given is checked by the schema; one taken from the model still names a folder.
    if (!/^[A-Za-z0-9._-]+$/.test(this.name)) {
      fail("name", `'${this.name}' (the model's name) names a folder: give the problem a name of letters, digits, '-', '_' or '.'`);
    }
    this.network = spec.network;
    const w = spec.network.weights;
    const n = spec.network.nNodes ?? Math.round(Math.sqrt(w.length));
    if (n * n !== w.length || n < 1) fail("network.weights", `expected an n × n matrix, got ${w.length} values`);
    this.nNodes = n;
    const pspec = (name: string, field: string) => {
      const p = model.spec.parameters.find((q) => q.name === name);
      if (!p) fail(field, unknownNameMessage(`parameter of ${model.name}`, name, model.paramNames));
      return p!;
    };

    // Free parameters → optimizer dimensions.
    const dims: FitDimension[] = [];
    const layout: FitProblem["layout"] = [];
    const seen = new Set<string>();
    spec.free.forEach((f, i) => {
      const field = `free[${i}]`;
      const p = pspec(f.name, `${field}.name`);
      seen.add(f.name);
      const [lo, hi] = f.bounds;
      const scale = f.scale ?? "linear";
      if ((f.groups || f.maps) && p.scope !== "regional") {
        fail(`${field}`, `'${f.name}' is a global parameter of ${model.name}; it cannot vary by node (drop groups/maps)`);
      }
      const start = dims.length;
      if (f.groups) {
        if (f.groups.length !== n) fail(`${field}.groups`, `needs one label per node (${n}), got ${f.groups.length}`);
        const labels = Int32Array.from(f.groups, (v) => {
          if (!Number.isInteger(v)) fail(`${field}.groups`, `labels must be integers, got ${v}`);
          return v;
        });
        const distinct = [...new Set(labels)].sort((a, b) => a - b);
        const index = new Map(distinct.map((l, k) => [l, k]));
        for (const l of distinct) dims.push({ name: `${f.name}[${l}]`, lower: lo!, upper: hi!, scale });
        layout.push({ name: f.name, kind: "groups", start, labels: Int32Array.from(labels, (l) => index.get(l)!) });
      } else if (f.maps) {
        dims.push({ name: f.name, lower: lo!, upper: hi!, scale });
        const maps = f.maps.map((m, k) => {
          if (m.values.length !== n) fail(`${field}.maps[${k}].values`, `needs one value per node (${n}), got ${m.values.length}`);
          const [a, b] = m.bounds;
          dims.push({ name: `${f.name}.map:${m.name}`, lower: a!, upper: b!, scale: "linear" });
          return Float64Array.from(m.values);
        });
        layout.push({ name: f.name, kind: "maps", start, maps });
      } else {
        dims.push({ name: f.name, lower: lo!, upper: hi!, scale });
        layout.push({ name: f.name, kind: "global", start });
      }
    });
    this.dims = dims;
    this.layout = layout;

    this.fixed = {};
    for (const [k, v] of Object.entries(spec.fixed ?? {})) {
      const p = pspec(k, `fixed.${k}`);
      if (typeof v === "number") {
        this.fixed[k] = v;
      } else {
        if (p.scope !== "regional") fail(`fixed.${k}`, `'${k}' is global; give one number`);
        if (v.length !== n) fail(`fixed.${k}`, `needs one value per node (${n}), got ${v.length}`);
        this.fixed[k] = Float64Array.from(v);
      }
    }

    // Simulation settings.
    this.duration = sim.duration;
    this.dt = sim.dt ?? DEFAULT_DT;
    checkIntegrationStep(model, this.dt, this.duration);
    this.tr = sim.tr ?? DEFAULT_TR;
    this.signal = sim.signal ?? (model.observables.includes("bold") ? "bold" : model.observables[0]!);
    if (!model.observables.includes(this.signal)) {
      fail("simulation.signal", unknownNameMessage(`observable of ${model.name}`, this.signal, ["bold", ...model.observables]));
    }
    const perSample = wholeSteps(this.tr * 1000, this.dt, 1e-6) ??
      fail("simulation.tr", `${this.tr} s is not a whole number of integration steps (dt = ${this.dt} ms)`);
    const nSteps = Math.round((this.duration * 1000) / this.dt);
    this.nSamples = Math.floor(nSteps / perSample);
    const remove = sim.boldRemove ?? 0;
    this.removeSamples = Math.round(remove / this.tr);
    this.nTime = this.nSamples - this.removeSamples;
    if (this.nTime < 3) {
      fail(
        "simulation.duration",
        `leaves ${this.nTime} samples after removing ${remove} s at TR ${this.tr} s; simulate longer or remove less`,
      );
    }
    this.fc = null;
    if (sim.fcSignal !== undefined && sim.fcSignal !== this.signal) {
      if (!model.observables.includes(sim.fcSignal)) {
        fail("simulation.fcSignal", unknownNameMessage(`observable of ${model.name}`, sim.fcSignal, ["bold", ...model.observables]));
      }
      const fcTr = sim.fcTr ?? this.tr;
      const stride = Math.round(fcTr / this.tr);
      if (stride < 1 || Math.abs(stride * this.tr - fcTr) > 1e-9 * fcTr) {
        fail("simulation.fcTr", `must be a whole multiple of tr (${this.tr} s), got ${sim.fcTr}`);
      }
      const fcRemove = Math.round(remove / fcTr);
      const fcN = Math.floor(this.nSamples / stride) - fcRemove;
      if (fcN < 3) {
        fail(
          "simulation.duration",
          `leaves ${fcN} samples of ${sim.fcSignal} at fcTr ${fcTr} s after removing ${remove} s; simulate longer`,
        );
      }
      this.fc = { signal: sim.fcSignal, tr: fcTr, stride, removeSamples: fcRemove, nTime: fcN };
    } else if (sim.fcTr !== undefined && Math.abs(sim.fcTr - this.tr) > 1e-12) {
      fail("simulation.fcTr", "applies only with a simulation.fcSignal other than signal; remove it or name fcSignal");
    }
    const seed = sim.seed ?? 0;
    this.seed = seed;
    this.integrator = sim.integrator ?? "heun";
    if (model.slowStates.length) {
      const bw = sim.bwDt ?? model.slowDt;
      if (wholeSteps(bw, this.dt) === null) {
        fail(
          "simulation.bwDt",
          `${bw} ms is not a whole number of integration steps (dt = ${this.dt} ms); use a multiple of dt (default 1 ms)`,
        );
      }
      this.slowDt = bw;
    } else {
      if (sim.bwDt !== undefined) {
        fail("simulation.bwDt", `applies to BOLD (the model's slow states); ${model.name} has none, so remove it`);
      }
      this.slowDt = undefined;
    }
    if (sim.hemispheres && sim.hemispheres.length !== n) {
      fail("simulation.hemispheres", `needs one label per node (${n}), got ${sim.hemispheres.length}`);
    }
    this.pairOptions = { excludeInterhemispheric: sim.excludeInterhemispheric ?? false, hemispheres: sim.hemispheres };
    if (sim.seriesWeights && sim.seriesWeights.length !== n) {
      fail("simulation.seriesWeights", `needs one weight per node (${n}), got ${sim.seriesWeights.length}`);
    }
    this.seriesWeights = sim.seriesWeights ? Float64Array.from(sim.seriesWeights) : null;
    this.trials = sim.trials ?? 1;
    const tf = sim.seriesTransform ?? {};
    this.seriesTransform = { subtractInitial: tf.subtractInitial ?? false, smoothMs: tf.smoothMs ?? 0, scale: tf.scale ?? 1 };
    this.sampleTimesMs = Float64Array.from({ length: this.nTime }, (_, k) => (this.removeSamples + k + 1) * perSample * this.dt);

    // GOF terms and what they need.
    const needs = new Set<string>();
    for (const t of spec.gof) for (const r of getGofTerm(t).requires) needs.add(r);
    this.gof = [...spec.gof];
    this.gofWeights = { ...spec.gofWeights };
    this.objectives = spec.objectives ?? "sum";
    for (const r of needs) {
      if (!["fcTril", "fcdTril", "series", "psdPeaks"].includes(r)) {
        fail("gof", `term needing '${r}' is not supported by fits yet (supported summaries: fcTril, fcdTril, series, psdPeaks)`);
      }
    }
    const nperseg = Math.min(sim.psd?.nperseg ?? 256, this.nTime);
    if (nperseg < 4) fail("simulation.psd.nperseg", `${this.nTime} samples are fewer than the 4 a Welch segment needs; simulate longer`);
    this.psdOptions = { fs: 1 / this.tr, nperseg, fmin: sim.psd?.fmin, fmax: sim.psd?.fmax };
    if (needs.has("psdPeaks") && (sim.psd?.fmax ?? 0) > 0.5 / this.tr) {
      fail(
        "simulation.psd.fmax",
        `${sim.psd!.fmax} Hz is above the Nyquist frequency ${0.5 / this.tr} Hz of tr ${this.tr} s; sample faster or lower fmax`,
      );
    }

    let fcdOptions: FcdOptions | null = null;
    if (needs.has("fcdTril")) {
      const win = sim.fcdWindow ?? 30;
      const step = sim.fcdStep ?? 5;
      try {
        fcdOptions = { ...fcdWindowTRsFromSeconds(win, step, this.fc?.tr ?? this.tr), ...this.pairOptions };
      } catch (e) {
        fail("simulation.fcdWindow", (e as Error).message);
      }
      const len = this.fc?.nTime ?? this.nTime;
      if (fcdOptions!.windowTRs + 1 > len) {
        fail(
          "simulation.fcdWindow",
          `a ${win} s window (${fcdOptions!.windowTRs + 1} volumes) is longer than the simulated signal (${len} volumes); simulate longer`,
        );
      }
    }
    this.fcdOptions = fcdOptions;

    // Empirical summaries.
    const t = spec.target ?? {};
    const emp: StatSummary = {};
    const pairs = fcPairs(n, this.pairOptions);
    if (t.bold) {
      const nT = t.bold.nTime;
      if (t.bold.data.length !== n * nT) fail("target.bold", `expected nodes × volumes = ${n} × ${nT} values, got ${t.bold.data.length}`);
      if (needs.has("fcTril")) emp.fcTril = fcTril(Float64Array.from(t.bold.data), n, nT, this.pairOptions);
      if (needs.has("fcdTril") && !t.fcdTril) {
        const trE = t.bold.tr ?? this.tr;
        const o = { ...fcdWindowTRsFromSeconds(sim.fcdWindow ?? 30, sim.fcdStep ?? 5, trE), ...this.pairOptions };
        emp.fcdTril = fcd(Float64Array.from(t.bold.data), n, nT, o).fcdTril;
      }
    }
    if (t.fc) {
      if (t.fc.length === n * n) {
        const out = new Float64Array(pairs.length);
        for (let k = 0; k < pairs.length; k++) out[k] = t.fc[pairs.rows[k]! * n + pairs.cols[k]!]!;
        emp.fcTril = out;
      } else if (t.fc.length === pairs.length) emp.fcTril = Float64Array.from(t.fc);
      else fail("target.fc", `expected an ${n} × ${n} matrix or its ${pairs.length}-value lower triangle, got ${t.fc.length} values`);
    }
    if (t.fcdTril) emp.fcdTril = Float64Array.from(t.fcdTril);
    this.seriesTimes = null;
    if (t.series) {
      if (t.seriesTimes) {
        if (t.seriesTimes.length !== t.series.length) {
          fail("target.seriesTimes", `has ${t.seriesTimes.length} times for ${t.series.length} samples; give one time per sample`);
        }
        const first = this.sampleTimesMs[0]!, last = this.sampleTimesMs[this.nTime - 1]!;
        for (let k = 0; k < t.seriesTimes.length; k++) {
          const x = t.seriesTimes[k]!;
          if (!(x >= 0 && x <= last + 1e-9) || (k > 0 && !(x > t.seriesTimes[k - 1]!))) {
            fail(
              "target.seriesTimes",
              `must increase within the simulated span [0, ${last}] ms (first sample at ${first} ms); entry ${k} is ${x}`,
            );
          }
        }
        this.seriesTimes = Float64Array.from(t.seriesTimes);
      } else if (t.series.length !== this.nTime) {
        fail(
          "target.series",
          `has ${t.series.length} samples but the simulated series has ${this.nTime} (duration/tr − boldRemove/tr); match them or give target.seriesTimes`,
        );
      }
      emp.series = Float64Array.from(t.series);
    }
    if (t.psdPeaks) {
      if (t.psdPeaks.length !== n) fail("target.psdPeaks", `needs one peak frequency per node (${n}), got ${t.psdPeaks.length}`);
      emp.psdPeaks = Float64Array.from(t.psdPeaks);
    }
    for (const r of needs) {
      if (!emp[r]) {
        const how = r === "fcTril"
          ? "target.bold or target.fc"
          : r === "fcdTril"
          ? "target.bold or target.fcdTril"
          : r === "psdPeaks"
          ? "target.psdPeaks"
          : "target.series";
        fail("target", `the GOF terms need empirical ${r}; give ${how}`);
      }
    }
    this.empirical = emp;

    this.penalties = [...(spec.penalties ?? [])];
    this.fic = null;
    if (spec.fic) {
      for (const need of ["G", "w_p", "J_N", "wIE", "I_ext", "r_E"]) {
        if (!model.paramNames.includes(need) && !model.observables.includes(need)) {
          fail("fic", `FIC needs an rWW-type model (parameters G, w_p, J_N, wIE, I_ext and rate r_E); ${model.name} has no '${need}'`);
        }
      }
      this.fic = resolveFic(spec.fic);
      const scale = this.fic.penaltyScale;
      if (scale > 0) this.penalties.push({ name: "fic", averages: ["r_E"], compute: (out) => ficPenalty(out.averages.r_E!, scale) });
    }
    const avg = new Set<string>();
    this.penalties.forEach((p, i) => {
      for (const a of p.averages ?? []) {
        if (!model.observables.includes(a)) {
          fail(`penalties[${i}]`, unknownNameMessage(`observable of ${model.name}`, a, model.observables));
        }
        avg.add(a);
      }
    });
    this.averages = [...avg];
    // Peak-frequency errors are bounded by the band searched.
    const band = (sim.psd?.fmax ?? 0.5 / this.tr) - (sim.psd?.fmin ?? 0);
    const worst = this.gof.map((g) => TERM_WORST[g] ?? (g === "-psd_mae" ? band : 1e3));
    this.divergedCosts = worst.map((w) => w + 1);
    this.divergedCost = spec.divergedCost ?? worst.reduce((a, b, k) => a + (this.gofWeights[this.gof[k]!] ?? 1) * b, 0) + 1;
  }

  get dim(): number {
    return this.dims.length;
  }
  get lower(): number[] {
    return this.dims.map((d) => d.lower);
  }
  get upper(): number[] {
    return this.dims.map((d) => d.upper);
  }
  get scale(): ParamScale[] {
    return this.dims.map((d) => d.scale);
  }
  get nObjectives(): number {
    return this.objectives === "terms" ? this.gof.length : 1;
  }

  /** Model parameters for one candidate: numbers, or per-node Float64Arrays. */
  paramsOf(x: ArrayLike<number>): Record<string, number | Float64Array> {
    if (x.length !== this.dims.length) {
      throw new FitConfigError(
        "candidate",
        `has ${x.length} values, the problem has ${this.dims.length} dimensions (${this.dims.map((d) => d.name).join(", ")})`,
      );
    }
    const out: Record<string, number | Float64Array> = { ...this.fixed };
    const n = this.nNodes;
    for (const l of this.layout) {
      if (l.kind === "global") out[l.name] = x[l.start]!;
      else if (l.kind === "groups") out[l.name] = Float64Array.from(l.labels!, (g) => x[l.start + g]!);
      else {
        const base = x[l.start]!;
        const v = new Float64Array(n);
        for (let i = 0; i < n; i++) {
          let s = 1;
          l.maps!.forEach((m, k) => (s += x[l.start + 1 + k]! * m[i]!));
          v[i] = base * s;
        }
        out[l.name] = v;
      }
    }
    if (this.fic) {
      const get = (k: string) => {
        const v = out[k];
        return v === undefined ? this.model.spec.parameters.find((p) => p.name === k)!.default : v;
      };
      out.wIE =
        analyticalFic({ sc: this.network.weights, G: get("G") as number, w_p: get("w_p"), J_N: get("J_N"), I_ext: get("I_ext") }).wIE;
    }
    return out;
  }

  /** Named coordinates of a candidate, for history and best.json. */
  named(x: ArrayLike<number>): Record<string, number> {
    return Object.fromEntries(this.dims.map((d, i) => [d.name, x[i]!]));
  }

  /** A JSON description of the problem (written to config.json for code-defined problems). */
  describe(): Record<string, unknown> {
    return {
      name: this.name,
      model: this.model.name,
      nodes: this.nNodes,
      speed: this.network.speed ?? null,
      delays: !!this.network.lengths,
      dimensions: this.dims,
      fixed: Object.fromEntries(Object.entries(this.fixed).map(([k, v]) => [k, typeof v === "number" ? v : Array.from(v)])),
      gof: this.gof,
      gofWeights: this.gofWeights,
      objectives: this.objectives,
      penalties: this.penalties.map((p) => p.name),
      fic: this.fic,
      simulation: {
        duration: this.duration,
        dt: this.dt,
        tr: this.tr,
        signal: this.signal,
        fcSignal: this.fc?.signal ?? this.signal,
        fcTr: this.fc?.tr ?? this.tr,
        boldRemove: this.removeSamples * this.tr,
        samples: this.nSamples,
        keptSamples: this.nTime,
        fcd: this.fcdOptions ? { windowTRs: this.fcdOptions.windowTRs, stepTRs: this.fcdOptions.stepTRs } : null,
        excludeInterhemispheric: this.pairOptions.excludeInterhemispheric,
        seed: this.seed,
        trials: this.trials,
        integrator: this.integrator,
        bwDt: this.slowDt ?? null,
        seriesTransform: this.seriesTransform,
      },
      divergedCost: this.divergedCost,
    };
  }
}

/** FIC settings after defaults (the schema has checked them). */
function resolveFic(f: FicSettings): ResolvedFic {
  return {
    mode: f.mode ?? "analytical",
    penaltyScale: f.penaltyScale ?? 2,
    maxTrials: f.maxTrials ?? 150,
    tolerance: f.tolerance ?? 0.005,
    samplingStart: f.samplingStart ?? 1000,
    samplingEnd: f.samplingEnd ?? 10000,
    initDelta: f.initDelta ?? 0.02,
    rejectFailed: f.rejectFailed ?? false,
  };
}

// One compiled BOLD-wrapped model per (spec, parameter set), so that problems on the same model
// share it and their lanes can share one simulate() call.
const boldModels = new WeakMap<ModelSpec, Map<string, CompiledModel>>();
function boldModel(spec: ModelSpec, params: BoldParamSet): CompiledModel {
  let m = boldModels.get(spec);
  if (!m) boldModels.set(spec, m = new Map());
  let c = m.get(params);
  if (!c) {
    try {
      c = compileModel(withBold(spec, { params }));
    } catch (e) {
      throw new FitConfigError("simulation.boldParams", (e as Error).message);
    }
    m.set(params, c);
  }
  return c;
}

function wrapModelName(name: string): CompiledModel {
  try {
    return compileModel(getModel(name));
  } catch (e) {
    throw new FitConfigError("model", (e as Error).message);
  }
}

/**
 * Check a problem and precompute its empirical summaries.
 *
 * @example
 * ```ts
 * import { defineProblem } from "brainfit/fit";
 * import { datasets, wilsonCowan } from "brainfit";
 * const sc = await datasets.loadAal2("NAP_001", "sc", { normalize: true }); // 94 × 94
 * const bold = await datasets.loadAal2("NAP_001", "bold"); // 94 × volumes, TR 2 s
 * const problem = defineProblem({
 *   model: wilsonCowan,
 *   network: { weights: sc.data },
 *   free: [{ name: "k", bounds: [0.5, 9] }, { name: "sigma_ou", bounds: [0.005, 0.5], scale: "log" }],
 *   target: { bold: { data: bold.data, nTime: bold.shape[1]!, tr: 2 } },
 *   gof: ["+fc_corr", "-fcd_ks"],
 *   simulation: { duration: 60, tr: 2, signal: "bold", boldRemove: 10 },
 * });
 * console.log(problem.dim, problem.lower, problem.upper);
 * ```
 */
export function defineProblem(spec: FitProblemSpec): FitProblem {
  return new FitProblem(spec);
}
