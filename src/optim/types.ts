// The optimizer interface every algorithm in src/optim implements (ask/tell).

import type { JsonValue } from "./json.ts";

/**
 * The optimizers by name, as createOptimizer and fit configs take them.
 *
 * @example
 * ```ts
 * import { createOptimizer, type OptimizerType } from "brainfit/optim";
 * const name: OptimizerType = "nelder-mead";
 * const opt = createOptimizer(name, { lower: [0, 0], upper: [1, 1], x0: [0.5, 0.5] });
 * ```
 */
export type OptimizerType =
  | "cmaes"
  | "nsga2"
  | "de"
  | "pso"
  | "nelder-mead"
  | "lbfgsb"
  | "adam"
  | "bo"
  | "grid"
  | "random"
  | "sobol"
  | "lhs";

/** Why an optimizer stopped.
 *  - budget: maxEvaluations or maxIterations reached
 *  - tolerance: cost or step-size tolerances met (tolfun, tolx, gradient tolerance)
 *  - stagnation: no progress for the configured number of iterations
 *  - target: a cost <= targetCost was seen
 *  - exhausted: a finite design (grid, Latin hypercube) has been fully evaluated
 *  - stopped: stop() was called by the user
 *  - failed: a local method cannot continue (non-finite cost or gradient at its start
 *    point, or a line search that finds no decrease even along the steepest descent) */
export type StopReason = "budget" | "tolerance" | "stagnation" | "target" | "exhausted" | "stopped" | "failed";

export interface BestPoint {
  /** User-space parameter vector. */
  x: number[];
  /** Its (finite) cost. */
  cost: number;
  /** 1-based index of the evaluation that produced it. */
  evaluation: number;
}

export interface HistoryEntry {
  /** Iteration (tell) number, 1-based. */
  iteration: number;
  /** Evaluations so far, including this iteration's. */
  evaluations: number;
  /** Best finite cost so far (Infinity if none yet; first objective for multi-objective). */
  bestCost: number;
  /** Best finite cost among this iteration's candidates (Infinity if none). */
  iterationBestCost: number;
  /** How many of this iteration's costs were non-finite (NaN or ±Infinity). */
  invalid: number;
}

/** Per-parameter transform: the optimizer searches in an internal space (log10 of the
 *  value for "log") and ask() returns user-space values. */
export type ParamScale = "linear" | "log";

/** Options shared by every optimizer. */
export interface CommonOptions {
  /** Number of parameters; inferred from lower/upper/x0 if omitted. */
  dim?: number;
  /** User-space lower bounds (default -Infinity: unbounded, where the algorithm allows it). */
  lower?: number[];
  /** User-space upper bounds (default +Infinity). */
  upper?: number[];
  /** Per-parameter scale (default all "linear"); "log" needs lower > 0. */
  scale?: ParamScale[];
  /** Seed of the optimizer's own RNG (default 0). */
  seed?: number;
  /** Stop ("budget") once this many evaluations were told (checked after each tell;
   *  the last population is never truncated). */
  maxEvaluations?: number;
  /** Stop ("budget") after this many tells. */
  maxIterations?: number;
  /** Stop ("target") as soon as a cost <= targetCost is told. */
  targetCost?: number;
  /** Stop ("stagnation") when the best cost has not improved for this many tells. */
  maxStagnationIterations?: number;
}

/** Extra information told along with costs. */
export interface TellExtras {
  /** Gradients of the cost w.r.t. the user-space parameters, one per candidate
   *  (for "lbfgsb" with gradient: "supplied", and "adam"). */
  grads?: ArrayLike<number>[];
}

/** A cost: one number (single objective) or one number per objective. May be NaN or
 *  ±Infinity: every optimizer treats a non-finite cost as worse than every finite one. */
export type Cost = number | ArrayLike<number>;

/**
 * An optimizer's complete state as JSON ({ format, version, type, options, state }): restoring
 * it continues exactly where it stopped.
 *
 * @example
 * ```ts
 * import { createOptimizer, restoreOptimizer, type OptimizerJSON } from "brainfit/optim";
 * const opt = createOptimizer("de", { lower: [0], upper: [1], seed: 3 });
 * const saved: OptimizerJSON = opt.toJSON();
 * const again = restoreOptimizer(JSON.stringify(saved));
 * ```
 */
export interface OptimizerJSON {
  format: "brainfit.optimizer";
  version: 1;
  type: OptimizerType;
  options: JsonValue;
  state: JsonValue;
}

/**
 * The ask/tell interface every optimizer implements: ask() gives candidates (rows inside the
 * bounds, user space), tell() takes their costs; `done`, `stopReason`, `best`, `history`, and
 * toJSON() for a bit-identical resume (docs/optim.md).
 *
 * @example
 * ```ts
 * import { createOptimizer, type Optimizer } from "brainfit/optim";
 * const opt: Optimizer = createOptimizer("cmaes", { lower: [-5, -5], upper: [5, 5], seed: 1, maxEvaluations: 500 });
 * while (!opt.done) {
 *   const xs = opt.ask();
 *   opt.tell(xs, xs.map(([a, b]) => (a! - 1) ** 2 + (b! + 2) ** 2));
 * }
 * console.log(opt.stopReason, opt.best); // { x: ≈[1, -2], cost: ≈0, evaluation }
 * ```
 */
export interface Optimizer {
  readonly type: OptimizerType;
  /** Number of parameters. */
  readonly dim: number;
  /** Number of objectives (1 except NSGA-II). */
  readonly objectives: number;
  /** True once the optimizer has stopped; ask() then returns []. */
  readonly done: boolean;
  /** Why it stopped (null while running). */
  readonly stopReason: StopReason | null;
  /** Best finite single-objective point so far (null if none, and for NSGA-II). */
  readonly best: BestPoint | null;
  /** One entry per tell. */
  readonly history: readonly HistoryEntry[];
  /** Number of evaluations told so far. */
  readonly evaluations: number;
  /** Number of tells so far. */
  readonly iteration: number;
  /** Candidates to evaluate next: an array of rows (number[] of length dim), each inside
   *  the bounds, in user space. Calling ask() again before tell() returns the same
   *  candidates. Returns [] when done. */
  ask(): number[][];
  /** Report costs for the candidates of the last ask(), in the same order. */
  tell(candidates: ArrayLike<number>[], costs: ArrayLike<Cost>, extras?: TellExtras): void;
  /** Stop now (reason "stopped"). */
  stop(): void;
  /** Complete state as JSON-safe data; restoreOptimizer(json) continues bit-identically. */
  toJSON(): OptimizerJSON;
}
