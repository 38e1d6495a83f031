// Goodness-of-fit terms: a registry of named, signed terms (cuBNM's convention).
// A term's name carries its sign: "+fc_corr" is a reward, "-fcd_ks" a penalty.
// gof = sum(sign * value) over the chosen terms and cost = -gof (what optimizers minimise).
import { StatsInputError } from "./errors.ts";
import { fcCorr, fcDiff, meanAbsoluteError, pearson, rmse } from "./corr.ts";
import { ksStatisticSorted } from "./ks.ts";

/** Summaries of one simulation or of the empirical data. Users may add their own keys. */
export interface StatSummary {
  /** FC lower triangle (fcTril). */
  fcTril?: ArrayLike<number>;
  /** FCD lower triangle (fcd(...).fcdTril), or any FCD sample for the empirical side. */
  fcdTril?: ArrayLike<number>;
  /** A time series compared sample by sample (e.g. an evoked dipole waveform). */
  series?: ArrayLike<number>;
  /** Per-node peak frequencies (peakFrequency / softPeakFrequency). */
  psdPeaks?: ArrayLike<number>;
  [key: string]: ArrayLike<number> | undefined;
}

/**
 * A goodness-of-fit term: a signed name ("+" higher is better, "-" lower is better), the summaries
 * it needs (fcTril, fcdTril, series, psdPeaks …), and how to compute it from the simulated and
 * empirical summaries.
 *
 * @example
 * ```ts
 * import { ksStatistic, type GofTerm } from "brainfit/stats";
 * const fcKs: GofTerm = {
 *   name: "-fc_ks",
 *   requires: ["fcTril"],
 *   compute: (sim, emp) => ksStatistic(sim.fcTril!, emp.fcTril!),
 * };
 * ```
 */
export interface GofTerm {
  /** Signed name: "+name" (higher is better) or "-name" (lower is better). */
  readonly name: string;
  /** Summary keys the term reads from both sides. */
  readonly requires: readonly string[];
  readonly description?: string;
  /** Unsigned value of the term for (simulated, empirical). */
  compute(sim: StatSummary, emp: StatSummary): number;
}

const registry = new Map<string, GofTerm>();

/** +1 for "+name", -1 for "-name". */
export function gofSign(name: string): 1 | -1 {
  if (name.startsWith("+")) return 1;
  if (name.startsWith("-")) return -1;
  throw new StatsInputError(`GOF term name "${name}" must start with "+" (reward) or "-" (penalty), e.g. "+fc_corr"`);
}

/**
 * Add a term to the registry; throws if the name is taken unless `replace` is set.
 *
 * @example
 * ```ts
 * import { pearson, registerGofTerm } from "brainfit/stats";
 * registerGofTerm({
 *   name: "+series_corr",
 *   requires: ["series"],
 *   description: "correlation of the simulated and empirical series",
 *   compute: (sim, emp) => pearson(sim.series!, emp.series!),
 * });
 * // now usable as gof: ["+series_corr"] in defineProblem or a config
 * ```
 */
export function registerGofTerm(term: GofTerm, options: { replace?: boolean } = {}): void {
  gofSign(term.name);
  if (registry.has(term.name) && !options.replace) {
    throw new StatsInputError(`GOF term "${term.name}" is already registered; pass { replace: true } to override it`);
  }
  registry.set(term.name, term);
}

export function getGofTerm(name: string): GofTerm {
  const term = registry.get(name);
  if (!term) {
    throw new StatsInputError(`unknown GOF term "${name}"; registered: ${[...registry.keys()].join(", ")} (add one with registerGofTerm)`);
  }
  return term;
}

/**
 * The signed names of every registered GOF term (the built-ins and those added with
 * registerGofTerm), as fit configs and problems name them.
 *
 * @example
 * ```ts
 * import { gofTermNames } from "brainfit/stats";
 * console.log(gofTermNames()); // ["+fc_corr", "-fc_diff", "-fcd_ks", …]
 * ```
 */
export function gofTermNames(): string[] {
  return [...registry.keys()];
}

function need(summary: StatSummary, key: string, side: string, term: string): ArrayLike<number> {
  const v = summary[key];
  if (!v) throw new StatsInputError(`GOF term "${term}" needs ${side}.${key}; compute it before evaluating`);
  return v;
}

// Sorted copies of empirical FCD samples, so that batches sort the empirical side once.
const sortedCache = new WeakMap<object, Float64Array>();
function sortedOf(x: ArrayLike<number>, cacheable: boolean): Float64Array {
  if (cacheable) {
    const hit = sortedCache.get(x as object);
    if (hit && hit.length === x.length) return hit;
  }
  const s = Float64Array.from(x);
  s.sort();
  if (cacheable) sortedCache.set(x as object, s);
  return s;
}

const builtins: GofTerm[] = [
  {
    name: "+fc_corr",
    requires: ["fcTril"],
    description: "Pearson correlation of simulated and empirical FC lower triangles",
    compute: (s, e) => fcCorr(need(s, "fcTril", "sim", "+fc_corr"), need(e, "fcTril", "emp", "+fc_corr")),
  },
  {
    name: "-fc_diff",
    requires: ["fcTril"],
    description: "absolute difference of the mean FC",
    compute: (s, e) => fcDiff(need(s, "fcTril", "sim", "-fc_diff"), need(e, "fcTril", "emp", "-fc_diff")),
  },
  {
    name: "-fcd_ks",
    requires: ["fcdTril"],
    description: "two-sample KS statistic between simulated and empirical FCD distributions",
    compute: (s, e) => {
      const sim = need(s, "fcdTril", "sim", "-fcd_ks");
      const emp = need(e, "fcdTril", "emp", "-fcd_ks");
      return ksStatisticSorted(sortedOf(sim, false), sortedOf(emp, true));
    },
  },
  {
    name: "-rmse",
    requires: ["series"],
    description: "root-mean-square error between simulated and empirical series",
    compute: (s, e) => rmse(need(s, "series", "sim", "-rmse"), need(e, "series", "emp", "-rmse")),
  },
  {
    name: "+psd_peak_corr",
    requires: ["psdPeaks"],
    description: "Pearson correlation of per-node peak frequencies",
    compute: (s, e) => pearson(need(s, "psdPeaks", "sim", "+psd_peak_corr"), need(e, "psdPeaks", "emp", "+psd_peak_corr")),
  },
  {
    name: "-psd_mae",
    requires: ["psdPeaks"],
    description: "mean absolute error of per-node peak frequencies",
    compute: (s, e) => meanAbsoluteError(need(s, "psdPeaks", "sim", "-psd_mae"), need(e, "psdPeaks", "emp", "-psd_mae")),
  },
];
for (const t of builtins) registerGofTerm(t);

/**
 * evaluateGof's answer: each term's unsigned value, their signed (weighted) sum, and the cost
 * (its negative) an optimizer minimises.
 *
 * @example
 * ```ts
 * import { evaluateGof, type GofEvaluation } from "brainfit/stats";
 * const res: GofEvaluation = evaluateGof(["+fc_corr"], { fcTril: [0.2, 0.5, 0.1] }, { fcTril: [0.3, 0.6, 0.2] });
 * console.log(res.values["+fc_corr"], res.cost);
 * ```
 */
export interface GofEvaluation {
  /** Unsigned value of each term, by signed name. */
  values: Record<string, number>;
  /** sum(weight * sign * value) (weights default to 1) */
  gof: number;
  /** -gof */
  cost: number;
}

/**
 * Evaluate the named terms for one simulation against the empirical summaries. `weights` (by
 * signed name, default 1) scale each term in the sum, so terms in different units (a correlation,
 * a frequency error in Hz) can be balanced; `values` stay unweighted.
 *
 * @example
 * ```ts
 * import { evaluateGof } from "brainfit/stats";
 * const sim = { fcTril: [0.2, 0.5, 0.1], fcdTril: [0.1, 0.3, 0.4, 0.2] };
 * const emp = { fcTril: [0.3, 0.6, 0.2], fcdTril: [0.2, 0.3, 0.5, 0.1] };
 * const { values, gof, cost } = evaluateGof(["+fc_corr", "-fcd_ks"], sim, emp);
 * ```
 */
export function evaluateGof(
  terms: readonly string[],
  sim: StatSummary,
  emp: StatSummary,
  weights?: Readonly<Record<string, number>>,
): GofEvaluation {
  if (terms.length === 0) throw new StatsInputError("evaluateGof: pass at least one term name, e.g. ['+fc_corr', '-fcd_ks']");
  const values: Record<string, number> = {};
  let gof = 0;
  for (const name of terms) {
    const v = getGofTerm(name).compute(sim, emp);
    values[name] = v;
    gof += (weights?.[name] ?? 1) * gofSign(name) * v;
  }
  return { values, gof, cost: -gof };
}

/** Costs of many simulations against one empirical summary (the empirical FCD is sorted once). */
export function evaluateGofBatch(terms: readonly string[], sims: readonly StatSummary[], emp: StatSummary): Float64Array {
  const out = new Float64Array(sims.length);
  for (let i = 0; i < sims.length; i++) out[i] = evaluateGof(terms, sims[i]!, emp).cost;
  return out;
}
