// Name → class registry: createOptimizer(name, options) for configs, restoreOptimizer(json).

import { Adam, type AdamOptions } from "./adam.ts";
import { OptimizerUsageError, parseOptimizerJSON } from "./base.ts";
import { checkOptions } from "./options.ts";
import { BayesianOptimization, type BOOptions } from "./bo.ts";
import { CMAES, type CMAESOptions } from "./cmaes.ts";
import { type DEOptions, DifferentialEvolution } from "./de.ts";
import { LBFGSB, type LBFGSBOptions } from "./lbfgsb.ts";
import { NelderMead, type NelderMeadOptions } from "./neldermead.ts";
import { NSGA2, type NSGA2Options } from "./nsga2.ts";
import { ParticleSwarm, type PSOOptions } from "./pso.ts";
import {
  type GridOptions,
  GridSearch,
  LatinHypercube,
  type LHSOptions,
  RandomSearch,
  type SamplerOptions,
  type SobolOptions,
  SobolSearch,
} from "./sampling.ts";
import type { Optimizer, OptimizerJSON, OptimizerType } from "./types.ts";

/**
 * The options of each optimizer, by name: the type createOptimizer checks its second argument against.
 *
 * @example
 * ```ts
 * import { createOptimizer, type OptimizerOptionsByType } from "brainfit/optim";
 * const opts: OptimizerOptionsByType["bo"] = { lower: [0, 0], upper: [1, 1], batchSize: 4, maxEvaluations: 40 };
 * const bo = createOptimizer("bo", opts);
 * ```
 */
export interface OptimizerOptionsByType {
  cmaes: CMAESOptions;
  nsga2: NSGA2Options;
  de: DEOptions;
  pso: PSOOptions;
  "nelder-mead": NelderMeadOptions;
  lbfgsb: LBFGSBOptions;
  adam: AdamOptions;
  bo: BOOptions;
  grid: GridOptions;
  random: SamplerOptions;
  sobol: SobolOptions;
  lhs: LHSOptions;
}

export interface OptimizerByType {
  cmaes: CMAES;
  nsga2: NSGA2;
  de: DifferentialEvolution;
  pso: ParticleSwarm;
  "nelder-mead": NelderMead;
  lbfgsb: LBFGSB;
  adam: Adam;
  bo: BayesianOptimization;
  grid: GridSearch;
  random: RandomSearch;
  sobol: SobolSearch;
  lhs: LatinHypercube;
}

type Entry<K extends OptimizerType> = {
  create: (o: OptimizerOptionsByType[K]) => OptimizerByType[K];
  restore: (j: OptimizerJSON) => OptimizerByType[K];
};

const REGISTRY: { [K in OptimizerType]: Entry<K> } = {
  cmaes: { create: (o) => new CMAES(o), restore: (j) => CMAES.fromJSON(j) },
  nsga2: { create: (o) => new NSGA2(o), restore: (j) => NSGA2.fromJSON(j) },
  de: { create: (o) => new DifferentialEvolution(o), restore: (j) => DifferentialEvolution.fromJSON(j) },
  pso: { create: (o) => new ParticleSwarm(o), restore: (j) => ParticleSwarm.fromJSON(j) },
  "nelder-mead": { create: (o) => new NelderMead(o), restore: (j) => NelderMead.fromJSON(j) },
  lbfgsb: { create: (o) => new LBFGSB(o), restore: (j) => LBFGSB.fromJSON(j) },
  adam: { create: (o) => new Adam(o), restore: (j) => Adam.fromJSON(j) },
  bo: { create: (o) => new BayesianOptimization(o), restore: (j) => BayesianOptimization.fromJSON(j) },
  grid: { create: (o) => new GridSearch(o), restore: (j) => GridSearch.fromJSON(j) },
  random: { create: (o) => new RandomSearch(o), restore: (j) => RandomSearch.fromJSON(j) },
  sobol: { create: (o) => new SobolSearch(o), restore: (j) => SobolSearch.fromJSON(j) },
  lhs: { create: (o) => new LatinHypercube(o), restore: (j) => LatinHypercube.fromJSON(j) },
};

/**
 * Every optimizer name createOptimizer accepts.
 *
 * @example
 * ```ts
 * import { OPTIMIZER_TYPES } from "brainfit/optim";
 * console.log(OPTIMIZER_TYPES); // ["cmaes", "nsga2", "de", "pso", "nelder-mead", "lbfgsb", "adam", "bo", "grid", "random", "sobol", "lhs"]
 * ```
 */
export const OPTIMIZER_TYPES = Object.keys(REGISTRY) as OptimizerType[];

/**
 * Create an optimizer by name (as in a config file). Unknown option names throw.
 *
 * @example
 * ```ts
 * import { createOptimizer } from "brainfit/optim";
 * const opt = createOptimizer("cmaes", { lower: [0, 1e-3], upper: [5, 10], scale: ["linear", "log"], seed: 1, maxEvaluations: 2000 });
 * ```
 */
export function createOptimizer<K extends OptimizerType>(name: K, options: OptimizerOptionsByType[K]): OptimizerByType[K];
export function createOptimizer(name: string, options: Record<string, unknown>): Optimizer;
export function createOptimizer(name: string, options: Record<string, unknown> | OptimizerOptionsByType[OptimizerType]): Optimizer {
  const entry = (REGISTRY as Record<string, Entry<OptimizerType> | undefined>)[name];
  if (entry === undefined) {
    throw new OptimizerUsageError(`createOptimizer: unknown optimizer "${String(name)}"; use one of ${OPTIMIZER_TYPES.join(", ")}`);
  }
  // Every option's type and range, and unknown names (with a "did you mean"), from one table.
  checkOptions(name as OptimizerType, options);
  return entry.create(options as never);
}

/**
 * Restore any optimizer from its toJSON() output (object or JSON string).
 *
 * @example
 * ```ts
 * import { createOptimizer, restoreOptimizer } from "brainfit/optim";
 * const opt = createOptimizer("pso", { lower: [0, 0], upper: [1, 1], seed: 2 });
 * opt.tell(opt.ask(), opt.ask().map(([a, b]) => a! + b!));
 * const again = restoreOptimizer(JSON.stringify(opt.toJSON())); // asks what opt would ask next
 * ```
 */
export function restoreOptimizer(json: OptimizerJSON | string): Optimizer {
  const obj = parseOptimizerJSON(json);
  const entry = REGISTRY[obj.type] as Entry<OptimizerType> | undefined;
  if (entry === undefined) throw new OptimizerUsageError(`restoreOptimizer: unknown optimizer type "${String(obj.type)}"`);
  return entry.restore(obj);
}
