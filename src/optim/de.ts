// Differential evolution (Storn & Price): rand/1/bin and current-to-best/1/bin with greedy
// one-to-one selection. Out-of-bounds mutant components are set halfway between the
// target's component and the violated bound, so trials stay inside without piling up on it.

import { OptimizerBase, decodeOptions, initialBaseState, parseOptimizerJSON, type BaseState } from "./base.ts";
import { OptimizerOptionError, Space, rankableCost } from "./space.ts";
import type { CommonOptions, OptimizerJSON } from "./types.ts";

export type DEStrategy = "rand/1/bin" | "current-to-best/1/bin";

export interface DEOptions extends CommonOptions {
  /** Population size (>= 4). Default max(20, 10·dim). */
  popsize?: number;
  /** Differential weight F. Default 0.6 (rand/1/bin) or 0.7 (current-to-best/1/bin). */
  F?: number;
  /** Crossover rate CR. Default 0.9. */
  CR?: number;
  /** Mutation strategy. Default "rand/1/bin". */
  strategy?: DEStrategy;
  /** Stop ("tolerance") when max − min population cost < tolfun (all finite). Default 1e-12. */
  tolfun?: number;
}

interface DEState extends BaseState {
  /** Population (internal space) and its costs (non-finite stored as Infinity). */
  pop: number[][];
  costs: number[];
}

export class DifferentialEvolution extends OptimizerBase<DEOptions, DEState> {
  readonly type = "de" as const;

  constructor(options: DEOptions) {
    const space = new Space(options);
    space.requireBounded("de");
    const strategy = options.strategy ?? "rand/1/bin";
    if (strategy !== "rand/1/bin" && strategy !== "current-to-best/1/bin") {
      throw new OptimizerOptionError(`de: strategy must be "rand/1/bin" or "current-to-best/1/bin", got ${String(strategy)}`);
    }
    const popsize = options.popsize ?? Math.max(20, 10 * space.dim);
    if (!Number.isInteger(popsize) || popsize < 4) throw new OptimizerOptionError(`de: popsize must be an integer >= 4, got ${popsize}`);
    const resolved: DEOptions = {
      ...options, dim: space.dim, popsize, strategy, seed: options.seed ?? 0,
      F: options.F ?? (strategy === "rand/1/bin" ? 0.6 : 0.7), CR: options.CR ?? 0.9, tolfun: options.tolfun ?? 1e-12,
    };
    super(resolved, space, { ...initialBaseState(resolved.seed ?? 0), pop: [], costs: [] });
  }

  static fromJSON(json: OptimizerJSON | string): DifferentialEvolution {
    const obj = parseOptimizerJSON(json, "de");
    const opt = new DifferentialEvolution(decodeOptions<DEOptions>(obj));
    opt.loadState(obj.state);
    return opt;
  }

  protected propose(): number[][] {
    const NP = this.options.popsize ?? 10;
    const { lo, hi } = this.space;
    const n = this.dim;
    if (this.st.pop.length === 0) return Array.from({ length: NP }, () => lo.map((l, i) => this.rng.uniformIn(l, hi[i])));
    const pop = this.st.pop;
    const F = this.options.F ?? 0.5;
    const CR = this.options.CR ?? 0.9;
    let bestIdx = 0;
    for (let i = 1; i < NP; i++) if (this.st.costs[i] < this.st.costs[bestIdx]) bestIdx = i;
    const pick = (exclude: number[]): number => {
      for (;;) {
        const r = this.rng.int(NP);
        if (!exclude.includes(r)) return r;
      }
    };
    const trials: number[][] = [];
    for (let i = 0; i < NP; i++) {
      const x = pop[i];
      let v: number[];
      if (this.options.strategy === "current-to-best/1/bin") {
        const r1 = pick([i]);
        const r2 = pick([i, r1]);
        const b = pop[bestIdx];
        v = x.map((xi, j) => xi + F * (b[j] - xi) + F * (pop[r1][j] - pop[r2][j]));
      } else {
        const r1 = pick([i]);
        const r2 = pick([i, r1]);
        const r3 = pick([i, r1, r2]);
        v = pop[r1].map((a, j) => a + F * (pop[r2][j] - pop[r3][j]));
      }
      const jrand = this.rng.int(n);
      const u = new Array<number>(n);
      for (let j = 0; j < n; j++) {
        let val = this.rng.uniform() < CR || j === jrand ? v[j] : x[j];
        if (val < lo[j]) val = 0.5 * (x[j] + lo[j]);
        else if (val > hi[j]) val = 0.5 * (x[j] + hi[j]);
        u[j] = val;
      }
      trials.push(u);
    }
    return trials;
  }

  protected absorb(points: number[][], costs: number[]): void {
    const c = costs.map(rankableCost);
    if (this.st.pop.length === 0) {
      this.st.pop = points;
      this.st.costs = c;
    } else {
      for (let i = 0; i < points.length; i++) {
        // Trial wins ties, so a population stuck on equal (or all non-finite) costs keeps moving.
        if (c[i] <= this.st.costs[i]) {
          this.st.pop[i] = points[i];
          this.st.costs[i] = c[i];
        }
      }
    }
    const cs = this.st.costs;
    const mx = Math.max(...cs), mn = Math.min(...cs);
    if (Number.isFinite(mx) && mx - mn < (this.options.tolfun ?? 0)) this.finish("tolerance");
  }
}
