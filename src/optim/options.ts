// The type of every optimizer option, as data: createOptimizer checks options against it (so
// `maxIterations: {}` is refused naming the field), and the config JSON Schema
// (`brainfit schema`) is generated from the same table, so editors check what the code checks.
import { FitConfigError, type Schema, validate } from "../schema/validate.ts";
import { OptimizerOptionError } from "./space.ts";
import type { OptimizerType } from "./types.ts";

const num = (doc?: string): Schema => ({ type: "number", doc });
const pos = (doc?: string): Schema => ({ type: "number", exclusiveMin: 0, doc });
const nonneg = (doc?: string): Schema => ({ type: "number", min: 0, doc });
const int = (min: number, doc?: string): Schema => ({ type: "number", integer: true, min, doc });
const prob = (doc?: string): Schema => ({ type: "number", min: 0, max: 1, doc });
const bool = (doc?: string): Schema => ({ type: "boolean", doc });
const vec = (doc?: string): Schema => ({ type: "array", items: { type: "number", infinite: true }, doc });
const oneOf = (values: readonly string[], doc?: string): Schema => ({ type: "string", enum: values, doc });

/** Options every optimizer takes. */
export const COMMON_OPTIONS: Record<string, Schema> = {
  dim: int(1, "number of parameters (from the problem in a config)"),
  lower: vec("user-space lower bounds"),
  upper: vec("user-space upper bounds"),
  scale: { type: "array", items: oneOf(["linear", "log"]), doc: "per-parameter scale" },
  seed: int(0, "seed of the optimizer's RNG"),
  maxEvaluations: int(1, "stop after this many evaluations"),
  maxIterations: int(1, "stop after this many generations (ask/tell rounds)"),
  targetCost: { type: "number", infinite: true, doc: "stop once a cost <= targetCost is seen" },
  maxStagnationIterations: int(1, "stop after this many generations without improvement"),
};

/** DE mutation strategies (scipy.optimize.differential_evolution's names). */
export const DE_STRATEGIES = [
  "best1bin",
  "best1exp",
  "rand1bin",
  "rand1exp",
  "rand2bin",
  "rand2exp",
  "best2bin",
  "best2exp",
  "currenttobest1bin",
  "currenttobest1exp",
  "randtobest1bin",
  "randtobest1exp",
  "rand/1/bin",
  "current-to-best/1/bin",
] as const;

/** Per optimizer, the options it takes besides the common ones. */
export const OPTIMIZER_OPTIONS: { [K in OptimizerType]: Record<string, Schema> } = {
  cmaes: {
    x0: vec("start point (default: the middle of the bounds)"),
    sigma0: pos("initial step size, internal units"),
    stds: vec("per-coordinate step-size factors"),
    popsize: int(2, "candidates per generation (default 4 + floor(3 ln dim))"),
    tolfun: nonneg(),
    tolx: nonneg(),
    tolconditioncov: pos(),
    stagnation: bool(),
    restarts: int(0, "number of restarts after a tolerance or stagnation stop"),
    incPopSize: { type: "number", min: 1, doc: "IPOP: popsize factor per restart" },
    restartStrategy: oneOf(["ipop", "bipop"], "how restarts size their populations"),
    activeCovariance: bool("active (negative-weight) covariance update, pycma's default (default true)"),
    maxResamples: int(0),
  },
  nsga2: {
    objectives: int(1),
    popsize: int(4),
    crossoverProb: prob(),
    etaCrossover: nonneg(),
    mutationProb: prob(),
    etaMutation: nonneg(),
  },
  de: {
    popsize: int(4, "population size, total (default 15·dim, scipy's popsize 15)"),
    F: {
      type: "union",
      doc: "a number in [0, 2] or a dither range [low, high] (default [0.5, 1])",
      options: [{ type: "number", min: 0, max: 2 }, { type: "array", items: { type: "number", min: 0, max: 2 }, minItems: 2, maxItems: 2 }],
    },
    CR: prob("crossover probability (scipy's recombination, default 0.7)"),
    strategy: oneOf(DE_STRATEGIES, "mutation strategy (default best1bin)"),
    init: oneOf(["latinhypercube", "random"], "initial population (default latinhypercube)"),
    tolfun: nonneg("absolute tolerance on the population's cost spread (default 1e-12)"),
    tol: nonneg("scipy's relative tolerance: stop when std(costs) <= atol + tol·|mean(costs)| (default 0.01)"),
    atol: nonneg("scipy's absolute tolerance (default 0)"),
    polish: bool(
      "after converging, polish the best member with L-BFGS-B (forward differences); its evaluations count and the budget cuts it off (default true, scipy's)",
    ),
  },
  pso: { popsize: int(2), inertia: num(), cognitive: num(), social: num(), topology: oneOf(["global", "ring"]), maxVelocity: pos() },
  "nelder-mead": { x0: vec(), initialStep: vec(), xtol: nonneg(), ftol: nonneg(), adaptive: bool() },
  lbfgsb: {
    x0: vec(),
    gradient: oneOf(
      ["supplied", "finite-difference", "forward", "central"],
      "gradient source: supplied, or central (default; alias finite-difference) or forward differences",
    ),
    memory: int(1, "correction pairs kept (scipy's maxcor, default 10)"),
    fdStep: pos("relative finite-difference step"),
    pgtol: nonneg("stop when the projected gradient's max-norm is below this (default 1e-8; scipy's gtol 1e-5)"),
    ftol: nonneg("stop when the relative decrease is below this (default 2.2e-9, scipy's factr·eps)"),
    c1: { type: "number", exclusiveMin: 0, max: 1, doc: "line search sufficient-decrease constant (default 1e-3)" },
    c2: { type: "number", exclusiveMin: 0, max: 1, doc: "strong Wolfe curvature constant (default 0.9)" },
    maxLineSearch: int(1, "trial points per line search (scipy's maxls, default 20)"),
  },
  adam: { x0: vec(), learningRate: pos(), beta1: prob(), beta2: prob(), epsilon: pos(), gtol: nonneg() },
  bo: { initialPoints: int(1), batchSize: int(1), hyperRestarts: int(0), candidates: int(1), refine: int(0), xi: nonneg() },
  grid: {
    batchSize: int(1),
    points: { type: "union", doc: "points per axis: an integer or one per parameter", options: [int(1), { type: "array", items: int(1) }] },
  },
  random: { batchSize: int(1) },
  sobol: { batchSize: int(1), scramble: bool(), skip: int(0) },
  lhs: { batchSize: int(1), samples: int(1), centered: bool() },
};

/** The schema of an optimizer's options object. */
export function optionsSchema(type: OptimizerType, opts: { withSpace?: boolean } = {}): Schema {
  const common = { ...COMMON_OPTIONS };
  if (opts.withSpace === false) { for (const k of ["dim", "lower", "upper", "scale"]) delete common[k]; }
  return { type: "object", fields: { ...common, ...OPTIMIZER_OPTIONS[type] } };
}

/** Checks option types and ranges; throws OptimizerOptionError naming the option. */
export function checkOptions(type: OptimizerType, options: unknown, path = "options"): void {
  try {
    validate(options, optionsSchema(type), path);
  } catch (e) {
    if (e instanceof FitConfigError) throw new OptimizerOptionError(`${type}: ${e.message}`);
    throw e;
  }
}
