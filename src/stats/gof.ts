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

/** Add a term to the registry; throws if the name is taken unless `replace` is set. */
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
 */
export function evaluateGof(terms: readonly string[], sim: StatSummary, emp: StatSummary, weights?: Readonly<Record<string, number>>): GofEvaluation {
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
