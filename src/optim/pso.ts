// Particle swarm optimisation with constriction coefficients (Clerc & Kennedy 2002:
// w = 0.7298, c1 = c2 = 1.49618), global-best or ring (lbest) topology, velocity clamping
// to a fraction of the box, and absorbing bounds (a particle leaving the box is put on
// the bound and that velocity component is zeroed).

import { type BaseState, decodeOptions, initialBaseState, OptimizerBase, parseOptimizerJSON } from "./base.ts";
import { OptimizerOptionError, rankableCost, Space } from "./space.ts";
import type { CommonOptions, OptimizerJSON } from "./types.ts";

export interface PSOOptions extends CommonOptions {
  /** Swarm size. Default 40. */
  popsize?: number;
  /** Inertia weight. Default 0.7298. */
  inertia?: number;
  /** Cognitive (personal best) coefficient. Default 1.49618. */
  cognitive?: number;
  /** Social (neighbourhood best) coefficient. Default 1.49618. */
  social?: number;
  /** "global" (gbest) or "ring" (each particle sees itself and its two neighbours). Default "global". */
  topology?: "global" | "ring";
  /** Velocity clamp as a fraction of each box width. Default 0.5. */
  maxVelocity?: number;
}

interface PSOState extends BaseState {
  x: number[][];
  v: number[][];
  pbest: number[][];
  pbestCost: number[];
}

/**
 * Particle swarm optimisation (global or ring topology).
 *
 * @example
 * ```ts
 * import { ParticleSwarm } from "brainfit/optim";
 * const opt = new ParticleSwarm({ lower: [0, 0], upper: [1, 1], popsize: 16, topology: "ring", seed: 1, maxIterations: 40 });
 * while (!opt.done) {
 *   const xs = opt.ask();
 *   opt.tell(xs, xs.map(([a, b]) => (a! - 0.3) ** 2 + (b! - 0.7) ** 2));
 * }
 * ```
 */
export class ParticleSwarm extends OptimizerBase<PSOOptions, PSOState> {
  readonly type = "pso" as const;

  constructor(options: PSOOptions) {
    const space = new Space(options);
    space.requireBounded("pso");
    const popsize = options.popsize ?? 40;
    if (!Number.isInteger(popsize) || popsize < 2) throw new OptimizerOptionError(`pso: popsize must be an integer >= 2, got ${popsize}`);
    const topology = options.topology ?? "global";
    if (topology !== "global" && topology !== "ring") {
      throw new OptimizerOptionError(`pso: topology must be "global" or "ring", got ${String(topology)}`);
    }
    const resolved: PSOOptions = {
      ...options,
      dim: space.dim,
      popsize,
      topology,
      seed: options.seed ?? 0,
      inertia: options.inertia ?? 0.7298,
      cognitive: options.cognitive ?? 1.49618,
      social: options.social ?? 1.49618,
      maxVelocity: options.maxVelocity ?? 0.5,
    };
    super(resolved, space, { ...initialBaseState(resolved.seed ?? 0), x: [], v: [], pbest: [], pbestCost: [] });
  }

  static fromJSON(json: OptimizerJSON | string): ParticleSwarm {
    const obj = parseOptimizerJSON(json, "pso");
    const opt = new ParticleSwarm(decodeOptions<PSOOptions>(obj));
    opt.loadState(obj.state);
    return opt;
  }

  protected propose(): number[][] {
    const s = this.st;
    const { lo, hi } = this.space;
    const n = this.dim;
    const N = this.options.popsize ?? 40;
    if (s.x.length === 0) {
      s.x = Array.from({ length: N }, () => lo.map((l, i) => this.rng.uniformIn(l, hi[i])));
      s.v = s.x.map((x) => x.map((xi, i) => 0.5 * (this.rng.uniformIn(lo[i], hi[i]) - xi)));
      return s.x.map((x) => x.slice());
    }
    const w = this.options.inertia ?? 0.7298;
    const c1 = this.options.cognitive ?? 1.49618;
    const c2 = this.options.social ?? 1.49618;
    const vmaxFrac = this.options.maxVelocity ?? 0.5;
    let gbest = 0;
    for (let k = 1; k < N; k++) if (s.pbestCost[k] < s.pbestCost[gbest]) gbest = k;
    for (let k = 0; k < N; k++) {
      let nb = gbest;
      if (this.options.topology === "ring") {
        const l = (k + N - 1) % N, r = (k + 1) % N;
        nb = k;
        if (s.pbestCost[l] < s.pbestCost[nb]) nb = l;
        if (s.pbestCost[r] < s.pbestCost[nb]) nb = r;
      }
      const x = s.x[k], v = s.v[k], p = s.pbest[k], g = s.pbest[nb];
      for (let i = 0; i < n; i++) {
        const vmax = vmaxFrac * (hi[i] - lo[i]);
        let vi = w * v[i] + c1 * this.rng.uniform() * (p[i] - x[i]) + c2 * this.rng.uniform() * (g[i] - x[i]);
        if (vi > vmax) vi = vmax;
        else if (vi < -vmax) vi = -vmax;
        let xi = x[i] + vi;
        if (xi < lo[i]) {
          xi = lo[i];
          vi = 0;
        } else if (xi > hi[i]) {
          xi = hi[i];
          vi = 0;
        }
        x[i] = xi;
        v[i] = vi;
      }
    }
    return s.x.map((x) => x.slice());
  }

  protected absorb(points: number[][], costs: number[]): void {
    const s = this.st;
    const first = s.pbest.length === 0;
    for (let k = 0; k < points.length; k++) {
      const c = rankableCost(costs[k]);
      if (first) {
        s.pbest.push(points[k].slice());
        s.pbestCost.push(c);
      } else if (c < s.pbestCost[k]) {
        s.pbest[k] = points[k].slice();
        s.pbestCost[k] = c;
      }
    }
  }
}
