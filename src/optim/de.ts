// Differential evolution (Storn & Price) as scipy.optimize.differential_evolution runs it with
// updating="deferred" (a whole generation is proposed, then selected, which is what batched
// simulation needs): scipy's strategies (best1bin by default), the mutation factor dithered
// per generation in [0.5, 1), crossover 0.7, a Latin-hypercube initial population of 15·dim,
// out-of-bounds trial components redrawn uniformly in the box, greedy one-to-one selection and
// scipy's convergence test std(costs) <= atol + tol·|mean(costs)|, and scipy's polish: once
// converged, an L-BFGS-B run (forward differences, scipy's gtol) from the best member, inside the
// same ask/tell loop, counted in the evaluations and cut off by the budget.

import { type BaseState, decodeOptions, initialBaseState, OptimizerBase, parseOptimizerJSON } from "./base.ts";
import { LBFGSB } from "./lbfgsb.ts";
import { DE_STRATEGIES } from "./options.ts";
import { OptimizerOptionError, rankableCost, Space } from "./space.ts";
import type { CommonOptions, OptimizerJSON } from "./types.ts";

/** scipy's strategy names; "rand/1/bin" and "current-to-best/1/bin" are older aliases of rand1bin and currenttobest1bin. */
export type DEStrategy = (typeof DE_STRATEGIES)[number];

export interface DEOptions extends CommonOptions {
  /** Population size, total (scipy's popsize × dim). Default 15·dim, scipy's. */
  popsize?: number;
  /** Mutation factor F: a number, or a range [low, high) drawn anew each generation (dither).
   *  Default [0.5, 1], scipy's. */
  F?: number | [number, number];
  /** Crossover probability (scipy's recombination). Default 0.7. */
  CR?: number;
  /** Mutation strategy. Default "best1bin". */
  strategy?: DEStrategy;
  /** Initial population: "latinhypercube" (default, scipy's) or "random" (uniform). */
  init?: "latinhypercube" | "random";
  /** Stop ("tolerance") when std(costs) <= atol + tol·|mean(costs)| (all finite). Defaults 0.01 and 0, scipy's. */
  tol?: number;
  atol?: number;
  /** Stop ("tolerance") when max − min population cost < tolfun (all finite). Default 1e-12. */
  tolfun?: number;
  /** After converging (tol/tolfun), polish the best member with L-BFGS-B (forward differences,
   *  projected-gradient tolerance 1e-5), as scipy's polish=True. Its evaluations count; it never
   *  starts a batch past maxEvaluations and ends at maxIterations like any other round, so a run
   *  stopped by its budget is not polished. Default true, scipy's. */
  polish?: boolean;
}

interface DEState extends BaseState {
  /** Population (internal space) and its costs (non-finite stored as Infinity). */
  pop: number[][];
  costs: number[];
  /** The polishing L-BFGS-B (its own JSON; it works in DE's internal space), null before polishing. */
  polish: OptimizerJSON | null;
}

/** How each strategy builds the mutant, and how many distinct other members it draws. */
const BASES: Record<string, { samples: number }> = {
  best1: { samples: 2 },
  rand1: { samples: 3 },
  best2: { samples: 4 },
  rand2: { samples: 5 },
  currenttobest1: { samples: 2 },
  randtobest1: { samples: 3 },
};

function canonical(strategy: DEStrategy): { base: string; crossover: "bin" | "exp" } {
  if (strategy === "rand/1/bin") return { base: "rand1", crossover: "bin" };
  if (strategy === "current-to-best/1/bin") return { base: "currenttobest1", crossover: "bin" };
  return { base: strategy.slice(0, -3), crossover: strategy.slice(-3) as "bin" | "exp" };
}

/**
 * Differential evolution as scipy's differential_evolution (deferred updating, all 12
 * strategies, best1bin by default).
 *
 * @example
 * ```ts
 * import { DifferentialEvolution } from "brainfit/optim";
 * const opt = new DifferentialEvolution({ lower: [-2, -2], upper: [2, 2], strategy: "best1bin", seed: 1, maxIterations: 50 });
 * while (!opt.done) {
 *   const xs = opt.ask();
 *   opt.tell(xs, xs.map(([a, b]) => (1 - a!) ** 2 + 100 * (b! - a! ** 2) ** 2));
 * }
 * ```
 */
export class DifferentialEvolution extends OptimizerBase<DEOptions, DEState> {
  readonly type = "de" as const;

  constructor(options: DEOptions) {
    const space = new Space(options);
    space.requireBounded("de");
    const strategy = options.strategy ?? "best1bin";
    if (!(DE_STRATEGIES as readonly string[]).includes(strategy)) {
      throw new OptimizerOptionError(`de: strategy must be one of ${DE_STRATEGIES.join(", ")}; got ${String(strategy)}`);
    }
    const need = BASES[canonical(strategy).base]!.samples + 1;
    const popsize = options.popsize ?? 15 * space.dim;
    if (!Number.isInteger(popsize) || popsize < Math.max(4, need)) {
      throw new OptimizerOptionError(`de: popsize must be an integer >= ${Math.max(4, need)} for ${strategy}, got ${popsize}`);
    }
    const F = options.F ?? [0.5, 1];
    if (Array.isArray(F) ? !(F.length === 2 && F[0] >= 0 && F[1] <= 2 && F[0] <= F[1]) : !(F >= 0 && F <= 2)) {
      throw new OptimizerOptionError(`de: F must be in [0, 2] or a range [low, high] within it, got ${JSON.stringify(F)}`);
    }
    const resolved: DEOptions = {
      ...options,
      dim: space.dim,
      popsize,
      strategy,
      seed: options.seed ?? 0,
      F: Array.isArray(F) ? [F[0], F[1]] : F,
      CR: options.CR ?? 0.7,
      init: options.init ?? "latinhypercube",
      tol: options.tol ?? 0.01,
      atol: options.atol ?? 0,
      tolfun: options.tolfun ?? 1e-12,
      polish: options.polish ?? true,
    };
    super(resolved, space, { ...initialBaseState(resolved.seed ?? 0), pop: [], costs: [], polish: null });
  }

  /** The live polisher, rebuilt from the state after a restore. */
  private polisher: LBFGSB | null = null;

  private get polishing(): LBFGSB | null {
    if (this.st.polish === null) return null;
    this.polisher ??= LBFGSB.fromJSON(this.st.polish);
    return this.polisher;
  }

  override toJSON(): OptimizerJSON {
    if (this.polisher) this.st.polish = this.polisher.toJSON();
    return super.toJSON();
  }

  /** Converged: polish the best member, or stop. */
  private converged(): void {
    if (!this.options.polish) {
      this.finish("tolerance");
      return;
    }
    let b = 0;
    for (let i = 1; i < this.st.costs.length; i++) if (this.st.costs[i]! < this.st.costs[b]!) b = i;
    const { lo, hi } = this.space;
    this.polisher = new LBFGSB({ lower: lo.slice(), upper: hi.slice(), x0: this.st.pop[b]!.slice(), gradient: "forward", pgtol: 1e-5 });
    this.st.polish = this.polisher.toJSON();
  }

  static fromJSON(json: OptimizerJSON | string): DifferentialEvolution {
    const obj = parseOptimizerJSON(json, "de");
    const opt = new DifferentialEvolution(decodeOptions<DEOptions>(obj));
    opt.loadState(obj.state);
    return opt;
  }

  /** scipy's init_population_lhs: one point per stratum of each axis, strata shuffled per axis. */
  private latinHypercube(NP: number): number[][] {
    const { lo, hi } = this.space;
    const n = this.dim;
    const unit = Array.from({ length: NP }, (_, i) => Array.from({ length: n }, () => (i + this.rng.uniform()) / NP));
    for (let j = 0; j < n; j++) {
      for (let i = NP - 1; i > 0; i--) {
        const k = this.rng.int(i + 1);
        const t = unit[i]![j]!;
        unit[i]![j] = unit[k]![j]!;
        unit[k]![j] = t;
      }
    }
    return unit.map((u) => u.map((v, j) => lo[j]! + v * (hi[j]! - lo[j]!)));
  }

  protected propose(): number[][] {
    const polisher = this.polishing;
    if (polisher) {
      const xs = polisher.ask();
      const budget = this.options.maxEvaluations;
      if (xs.length === 0) this.finish("tolerance");
      else if (budget !== undefined && this.st.evaluations + xs.length > budget) this.finish("budget");
      return xs;
    }
    const o = this.options;
    const NP = o.popsize ?? 15 * this.dim;
    const { lo, hi } = this.space;
    const n = this.dim;
    if (this.st.pop.length === 0) {
      return o.init === "latinhypercube"
        ? this.latinHypercube(NP)
        : Array.from({ length: NP }, () => lo.map((l, i) => this.rng.uniformIn(l, hi[i]!)));
    }
    const pop = this.st.pop;
    const F = Array.isArray(o.F) ? this.rng.uniformIn(o.F[0], o.F[1]) : (o.F ?? 0.5);
    const CR = o.CR ?? 0.7;
    const { base, crossover } = canonical(o.strategy ?? "best1bin");
    const nSamples = BASES[base]!.samples;
    let bestIdx = 0;
    for (let i = 1; i < NP; i++) if (this.st.costs[i]! < this.st.costs[bestIdx]!) bestIdx = i;
    const b = pop[bestIdx]!;
    const trials: number[][] = [];
    const others = new Array<number>(NP - 1);
    for (let i = 0; i < NP; i++) {
      // distinct members other than i, as scipy's _select_samples (a partial shuffle)
      for (let k = 0, m = 0; k < NP; k++) if (k !== i) others[m++] = k;
      for (let k = 0; k < nSamples; k++) {
        const j = k + this.rng.int(NP - 1 - k);
        const t = others[k]!;
        others[k] = others[j]!;
        others[j] = t;
      }
      const r = others.slice(0, nSamples).map((k) => pop[k]!);
      const x = pop[i]!;
      const v = new Array<number>(n);
      for (let j = 0; j < n; j++) {
        switch (base) {
          case "best1":
            v[j] = b[j]! + F * (r[0]![j]! - r[1]![j]!);
            break;
          case "rand1":
            v[j] = r[0]![j]! + F * (r[1]![j]! - r[2]![j]!);
            break;
          case "best2":
            v[j] = b[j]! + F * (r[0]![j]! + r[1]![j]! - r[2]![j]! - r[3]![j]!);
            break;
          case "rand2":
            v[j] = r[0]![j]! + F * (r[1]![j]! + r[2]![j]! - r[3]![j]! - r[4]![j]!);
            break;
          case "currenttobest1":
            v[j] = x[j]! + F * (b[j]! - x[j]! + r[0]![j]! - r[1]![j]!);
            break;
          default:
            v[j] = r[0]![j]! + F * (b[j]! - r[0]![j]! + r[1]![j]! - r[2]![j]!); // randtobest1
        }
      }
      const u = x.slice();
      if (crossover === "bin") {
        const fill = this.rng.int(n);
        for (let j = 0; j < n; j++) if (j === fill || this.rng.uniform() < CR) u[j] = v[j]!;
      } else {
        let j = this.rng.int(n);
        for (let k = 0; k < n; k++) {
          if (k > 0 && !(this.rng.uniform() < CR)) break;
          u[j] = v[j]!;
          j = (j + 1) % n;
        }
      }
      // scipy redraws an out-of-bounds component uniformly in the box
      for (let j = 0; j < n; j++) if (!(u[j]! >= lo[j]! && u[j]! <= hi[j]!)) u[j] = this.rng.uniformIn(lo[j]!, hi[j]!);
      trials.push(u);
    }
    return trials;
  }

  protected absorb(points: number[][], costs: number[]): void {
    const polisher = this.polishing;
    if (polisher) {
      polisher.tell(points, costs);
      if (polisher.done) {
        // The polished point replaces the best member when it is better (as scipy's result).
        const pb = polisher.best;
        let b = 0;
        for (let i = 1; i < this.st.costs.length; i++) if (this.st.costs[i]! < this.st.costs[b]!) b = i;
        if (pb && pb.cost < this.st.costs[b]!) {
          this.st.pop[b] = pb.x.slice();
          this.st.costs[b] = pb.cost;
        }
        this.st.polish = polisher.toJSON();
        this.finish("tolerance");
      }
      return;
    }
    const c = costs.map(rankableCost);
    if (this.st.pop.length === 0) {
      this.st.pop = points;
      this.st.costs = c;
    } else {
      for (let i = 0; i < points.length; i++) {
        // Trial wins ties, so a population stuck on equal (or all non-finite) costs keeps moving.
        if (c[i]! <= this.st.costs[i]!) {
          this.st.pop[i] = points[i]!;
          this.st.costs[i] = c[i]!;
        }
      }
    }
    const cs = this.st.costs;
    let mx = -Infinity, mn = Infinity, sum = 0;
    for (const v of cs) {
      mx = Math.max(mx, v);
      mn = Math.min(mn, v);
      sum += v;
    }
    if (!Number.isFinite(mx)) return;
    const mean = sum / cs.length;
    const sd = Math.sqrt(cs.reduce((a, v) => a + (v - mean) ** 2, 0) / cs.length);
    if (mx - mn < (this.options.tolfun ?? 0) || sd <= (this.options.atol ?? 0) + (this.options.tol ?? 0) * Math.abs(mean)) this.converged();
  }
}
