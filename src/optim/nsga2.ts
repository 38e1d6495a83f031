// NSGA-II (Deb et al. 2002): fast non-dominated sort, crowding distance, binary crowded
// tournament, simulated binary crossover (SBX) and polynomial mutation with bounds.

import { type BaseState, decodeOptions, initialBaseState, OptimizerBase, parseOptimizerJSON } from "./base.ts";
import { OptimizerOptionError, Space } from "./space.ts";
import type { CommonOptions, OptimizerJSON } from "./types.ts";

export interface NSGA2Options extends CommonOptions {
  /** Number of objectives (>= 2 is the usual case; 1 works too). Required. */
  objectives: number;
  /** Population size (even). Default 100. */
  popsize?: number;
  /** Probability that a pair undergoes SBX. Default 0.9. */
  crossoverProb?: number;
  /** SBX distribution index. Default 15. */
  etaCrossover?: number;
  /** Per-variable mutation probability. Default 1/dim. */
  mutationProb?: number;
  /** Polynomial mutation distribution index. Default 20. */
  etaMutation?: number;
}

interface Member {
  x: number[];
  f: number[];
}

interface NSGA2State extends BaseState {
  population: Member[];
}

/**
 * One point of a Pareto front: parameters (user space) and objective values.
 *
 * @example
 * ```ts
 * import { hypervolume, NSGA2, type ParetoPoint } from "brainfit/optim";
 * const opt = new NSGA2({ lower: [0], upper: [1], objectives: 2, seed: 1, maxIterations: 10 });
 * while (!opt.done) { const xs = opt.ask(); opt.tell(xs, xs.map(([a]) => [a!, 1 - a!])); }
 * const front: ParetoPoint[] = opt.paretoFront();
 * console.log(hypervolume(front.map((p) => p.f), [1.1, 1.1]));
 * ```
 */
export interface ParetoPoint {
  x: number[];
  f: number[];
}

/** a dominates b (minimisation). */
export function dominates(a: ArrayLike<number>, b: ArrayLike<number>): boolean {
  let strictly = false;
  for (let i = 0; i < a.length; i++) {
    if (a[i] > b[i]) return false;
    if (a[i] < b[i]) strictly = true;
  }
  return strictly;
}

const isValid = (f: number[]) => f.every(Number.isFinite);

/** Fast non-dominated sort. Members with a non-finite objective form the last front. */
export function nonDominatedSort(fs: number[][]): number[][] {
  const n = fs.length;
  const valid: number[] = [];
  const invalid: number[] = [];
  for (let i = 0; i < n; i++) (isValid(fs[i]) ? valid : invalid).push(i);
  const dominatedBy = new Array<number>(n).fill(0);
  const dominatesList: number[][] = Array.from({ length: n }, () => []);
  for (let a = 0; a < valid.length; a++) {
    for (let b = a + 1; b < valid.length; b++) {
      const i = valid[a], j = valid[b];
      if (dominates(fs[i], fs[j])) {
        dominatesList[i].push(j);
        dominatedBy[j]++;
      } else if (dominates(fs[j], fs[i])) {
        dominatesList[j].push(i);
        dominatedBy[i]++;
      }
    }
  }
  const fronts: number[][] = [];
  let current = valid.filter((i) => dominatedBy[i] === 0);
  while (current.length) {
    fronts.push(current);
    const next: number[] = [];
    for (const i of current) for (const j of dominatesList[i]) if (--dominatedBy[j] === 0) next.push(j);
    next.sort((a, b) => a - b);
    current = next;
  }
  if (invalid.length) fronts.push(invalid);
  return fronts;
}

/** Crowding distance of each member of one front (same order as `front`). */
export function crowdingDistance(fs: number[][], front: number[]): number[] {
  const k = front.length;
  const dist = new Array<number>(k).fill(0);
  if (k === 0) return dist;
  if (!isValid(fs[front[0]])) return dist;
  const m = fs[front[0]].length;
  for (let obj = 0; obj < m; obj++) {
    const order = Array.from({ length: k }, (_, i) => i).sort((a, b) => fs[front[a]][obj] - fs[front[b]][obj] || a - b);
    const lo = fs[front[order[0]]][obj];
    const hi = fs[front[order[k - 1]]][obj];
    dist[order[0]] = Infinity;
    dist[order[k - 1]] = Infinity;
    if (hi > lo) {
      for (let r = 1; r < k - 1; r++) {
        dist[order[r]] += (fs[front[order[r + 1]]][obj] - fs[front[order[r - 1]]][obj]) / (hi - lo);
      }
    }
  }
  return dist;
}

/**
 * NSGA-II (Deb et al. 2002): multi-objective, a cost is one number per objective; read the
 * result with paretoFront().
 *
 * @example
 * ```ts
 * import { NSGA2 } from "brainfit/optim";
 * const opt = new NSGA2({ lower: [0, 0], upper: [1, 1], objectives: 2, popsize: 20, maxIterations: 30, seed: 1 });
 * while (!opt.done) {
 *   const xs = opt.ask();
 *   opt.tell(xs, xs.map(([a, b]) => [a!, (1 + b!) * (1 - Math.sqrt(a! / (1 + b!)))]));
 * }
 * console.log(opt.paretoFront()); // [{ x, f }, …]
 * ```
 */
export class NSGA2 extends OptimizerBase<NSGA2Options, NSGA2State> {
  readonly type = "nsga2" as const;

  constructor(options: NSGA2Options) {
    const space = new Space(options);
    space.requireBounded("nsga2");
    const m = options.objectives;
    if (!Number.isInteger(m) || m < 1) throw new OptimizerOptionError(`nsga2: objectives must be an integer >= 1, got ${m}`);
    const popsize = options.popsize ?? 100;
    if (!Number.isInteger(popsize) || popsize < 4 || popsize % 2) {
      throw new OptimizerOptionError(`nsga2: popsize must be an even integer >= 4, got ${popsize}`);
    }
    const resolved: NSGA2Options = {
      ...options,
      dim: space.dim,
      popsize,
      seed: options.seed ?? 0,
      crossoverProb: options.crossoverProb ?? 0.9,
      etaCrossover: options.etaCrossover ?? 15,
      mutationProb: options.mutationProb ?? 1 / space.dim,
      etaMutation: options.etaMutation ?? 20,
    };
    super(resolved, space, { ...initialBaseState(resolved.seed ?? 0), population: [] });
  }

  static fromJSON(json: OptimizerJSON | string): NSGA2 {
    const obj = parseOptimizerJSON(json, "nsga2");
    const opt = new NSGA2(decodeOptions<NSGA2Options>(obj));
    opt.loadState(obj.state);
    return opt;
  }

  override get objectives(): number {
    return this.options.objectives;
  }

  /** Non-dominated members of the current population (user-space x), sorted by f[0]. */
  paretoFront(): ParetoPoint[] {
    const pop = this.st.population;
    if (pop.length === 0) return [];
    const fronts = nonDominatedSort(pop.map((p) => p.f));
    if (!fronts.length || !isValid(pop[fronts[0][0]].f)) return [];
    return fronts[0]
      .map((i) => ({ x: this.space.toUser(pop[i].x), f: pop[i].f.slice() }))
      .sort((a, b) => a.f[0] - b.f[0]);
  }

  /** Current population (user-space x and objective vectors). */
  get population(): ParetoPoint[] {
    return this.st.population.map((p) => ({ x: this.space.toUser(p.x), f: p.f.slice() }));
  }

  protected propose(): number[][] {
    const N = this.options.popsize ?? 100;
    const { lo, hi } = this.space;
    if (this.st.population.length === 0) {
      return Array.from({ length: N }, () => lo.map((l, i) => this.rng.uniformIn(l, hi[i])));
    }
    const pop = this.st.population;
    const fs = pop.map((p) => p.f);
    const rank = new Array<number>(pop.length);
    const crowd = new Array<number>(pop.length);
    nonDominatedSort(fs).forEach((front, r) => {
      const cd = crowdingDistance(fs, front);
      front.forEach((i, k) => {
        rank[i] = r;
        crowd[i] = cd[k];
      });
    });
    const tournament = (): number => {
      const a = this.rng.int(pop.length);
      const b = this.rng.int(pop.length);
      if (rank[a] !== rank[b]) return rank[a] < rank[b] ? a : b;
      if (crowd[a] !== crowd[b]) return crowd[a] > crowd[b] ? a : b;
      return this.rng.uniform() < 0.5 ? a : b;
    };
    const out: number[][] = [];
    while (out.length < N) {
      const p1 = pop[tournament()].x;
      const p2 = pop[tournament()].x;
      const [c1, c2] = this.sbx(p1, p2);
      out.push(this.mutate(c1));
      if (out.length < N) out.push(this.mutate(c2));
    }
    return out;
  }

  private sbx(p1: number[], p2: number[]): [number[], number[]] {
    const c1 = p1.slice();
    const c2 = p2.slice();
    if (this.rng.uniform() > (this.options.crossoverProb ?? 0.9)) return [c1, c2];
    const eta = this.options.etaCrossover ?? 15;
    const { lo, hi } = this.space;
    for (let i = 0; i < this.dim; i++) {
      if (this.rng.uniform() > 0.5) continue;
      if (Math.abs(p1[i] - p2[i]) <= 1e-14) continue;
      const y1 = Math.min(p1[i], p2[i]);
      const y2 = Math.max(p1[i], p2[i]);
      const yl = lo[i], yu = hi[i];
      const rand = this.rng.uniform();
      const betaq = (beta: number) => {
        const alpha = 2 - Math.pow(beta, -(eta + 1));
        return rand <= 1 / alpha ? Math.pow(rand * alpha, 1 / (eta + 1)) : Math.pow(1 / (2 - rand * alpha), 1 / (eta + 1));
      };
      let v1 = 0.5 * (y1 + y2 - betaq(1 + (2 * (y1 - yl)) / (y2 - y1)) * (y2 - y1));
      let v2 = 0.5 * (y1 + y2 + betaq(1 + (2 * (yu - y2)) / (y2 - y1)) * (y2 - y1));
      v1 = Math.min(yu, Math.max(yl, v1));
      v2 = Math.min(yu, Math.max(yl, v2));
      if (this.rng.uniform() <= 0.5) {
        c1[i] = v2;
        c2[i] = v1;
      } else {
        c1[i] = v1;
        c2[i] = v2;
      }
    }
    return [c1, c2];
  }

  private mutate(x: number[]): number[] {
    const pm = this.options.mutationProb ?? 1 / this.dim;
    const eta = this.options.etaMutation ?? 20;
    const { lo, hi } = this.space;
    for (let i = 0; i < this.dim; i++) {
      if (this.rng.uniform() > pm) continue;
      const yl = lo[i], yu = hi[i], y = x[i];
      const d1 = (y - yl) / (yu - yl);
      const d2 = (yu - y) / (yu - yl);
      const r = this.rng.uniform();
      const pow = 1 / (eta + 1);
      let dq: number;
      if (r < 0.5) {
        const val = 2 * r + (1 - 2 * r) * Math.pow(1 - d1, eta + 1);
        dq = Math.pow(val, pow) - 1;
      } else {
        const val = 2 * (1 - r) + 2 * (r - 0.5) * Math.pow(1 - d2, eta + 1);
        dq = 1 - Math.pow(val, pow);
      }
      x[i] = Math.min(yu, Math.max(yl, y + dq * (yu - yl)));
    }
    return x;
  }

  protected absorb(points: number[][], costs: number[][]): void {
    const N = this.options.popsize ?? 100;
    const combined: Member[] = this.st.population.concat(points.map((x, k) => ({ x, f: costs[k].slice() })));
    const fs = combined.map((p) => p.f);
    const next: Member[] = [];
    for (const front of nonDominatedSort(fs)) {
      if (next.length + front.length <= N) {
        for (const i of front) next.push(combined[i]);
        if (next.length === N) break;
        continue;
      }
      const cd = crowdingDistance(fs, front);
      const order = front.map((_, k) => k).sort((a, b) => cd[b] - cd[a] || front[a] - front[b]);
      for (const k of order) {
        if (next.length === N) break;
        next.push(combined[front[k]]);
      }
      break;
    }
    this.st.population = next;
  }
}
