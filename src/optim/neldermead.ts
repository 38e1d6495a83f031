// Nelder–Mead simplex search with adaptive coefficients (Gao & Han 2012; the classic
// 1, 2, 0.5, 0.5 for n = 2) and bounds handled by clipping every proposed point into the
// box. Runs as an ask/tell state machine: the initial simplex (n+1 points), then one point
// per step (reflection, expansion or contraction), or n points for a shrink.

import { type BaseState, decodeOptions, initialBaseState, OptimizerBase, parseOptimizerJSON } from "./base.ts";
import { OptimizerOptionError, rankableCost, Space } from "./space.ts";
import type { CommonOptions, OptimizerJSON } from "./types.ts";

export interface NelderMeadOptions extends CommonOptions {
  /** Start point (user space). Default: centre of finite bounds. */
  x0?: number[];
  /** Initial simplex edge per coordinate (internal space). Default 0.1 × box width when
   *  bounded, else max(0.05·|x0_i|, 0.00025) as in scipy. */
  initialStep?: number[];
  /** Stop ("tolerance") when all vertices are within xtol of the best (max-norm) and all
   *  costs within ftol of the best. Defaults 1e-8 and 1e-10. */
  xtol?: number;
  ftol?: number;
  /** Use dimension-adaptive coefficients. Default true. */
  adaptive?: boolean;
}

type Phase = "init" | "reflect" | "expand" | "contract-out" | "contract-in" | "shrink";

interface NMState extends BaseState {
  simplex: number[][];
  fvals: number[];
  phase: Phase;
  /** Reflection point and its cost while deciding expansion/contraction. */
  xr: number[];
  fr: number;
}

/**
 * Nelder–Mead simplex (scipy's, optionally adaptive), kept inside the bounds: a local method
 * for a few parameters.
 *
 * @example
 * ```ts
 * import { NelderMead } from "brainfit/optim";
 * const opt = new NelderMead({ lower: [0, 0], upper: [1, 1], x0: [0.5, 0.5], maxEvaluations: 200 });
 * while (!opt.done) {
 *   const xs = opt.ask();
 *   opt.tell(xs, xs.map(([a, b]) => (a! - 0.2) ** 2 + (b! - 0.8) ** 2));
 * }
 * ```
 */
export class NelderMead extends OptimizerBase<NelderMeadOptions, NMState> {
  readonly type = "nelder-mead" as const;

  constructor(options: NelderMeadOptions) {
    const space = new Space(options, options.x0);
    const n = space.dim;
    const x0 = options.x0 ?? (space.bounded ? space.toUser(space.lo.map((l, i) => 0.5 * (l + space.hi[i]))) : undefined);
    if (x0 === undefined || x0.length !== n || !x0.every(Number.isFinite)) {
      throw new OptimizerOptionError(`nelder-mead: x0 (${n} finite numbers) is required when the bounds are not all finite`);
    }
    const x0i = space.toInternal(x0);
    const initialStep = options.initialStep ??
      x0i.map((v, i) => space.bounded ? 0.1 * (space.hi[i] - space.lo[i]) : v !== 0 ? 0.05 * Math.abs(v) : 0.00025);
    if (initialStep.length !== n || !initialStep.every((v) => v > 0 && Number.isFinite(v))) {
      throw new OptimizerOptionError(`nelder-mead: initialStep must hold ${n} positive numbers`);
    }
    const resolved: NelderMeadOptions = {
      ...options,
      dim: n,
      x0: x0.slice(),
      initialStep,
      xtol: options.xtol ?? 1e-8,
      ftol: options.ftol ?? 1e-10,
      adaptive: options.adaptive ?? true,
      seed: options.seed ?? 0,
    };
    super(resolved, space, { ...initialBaseState(resolved.seed ?? 0), simplex: [], fvals: [], phase: "init", xr: [], fr: Infinity });
  }

  static fromJSON(json: OptimizerJSON | string): NelderMead {
    const obj = parseOptimizerJSON(json, "nelder-mead");
    const opt = new NelderMead(decodeOptions<NelderMeadOptions>(obj));
    opt.loadState(obj.state);
    return opt;
  }

  private coefficients(): { alpha: number; gamma: number; rho: number; sigma: number } {
    const n = this.dim;
    if (this.options.adaptive === false) return { alpha: 1, gamma: 2, rho: 0.5, sigma: 0.5 };
    return { alpha: 1, gamma: 1 + 2 / n, rho: 0.75 - 1 / (2 * n), sigma: 1 - 1 / n };
  }

  private centroid(): number[] {
    const n = this.dim;
    const c = new Array<number>(n).fill(0);
    for (let k = 0; k < n; k++) for (let i = 0; i < n; i++) c[i] += this.st.simplex[k][i] / n;
    return c;
  }

  /** c + t (p - c), clipped into the box. */
  private along(c: number[], p: number[], t: number): number[] {
    return this.space.clip(c.map((ci, i) => ci + t * (p[i] - ci)));
  }

  protected propose(): number[][] {
    const s = this.st;
    const n = this.dim;
    const { alpha, gamma, rho, sigma } = this.coefficients();
    switch (s.phase) {
      case "init": {
        const x0 = this.space.toInternal(this.options.x0 ?? []);
        const step = this.options.initialStep ?? [];
        const pts = [this.space.clip(x0.slice())];
        for (let i = 0; i < n; i++) {
          const p = x0.slice();
          p[i] = x0[i] + step[i] > this.space.hi[i] ? x0[i] - step[i] : x0[i] + step[i];
          pts.push(this.space.clip(p));
        }
        return pts;
      }
      case "reflect":
        return [this.along(this.centroid(), s.simplex[n], -alpha)];
      case "expand":
        return [this.along(this.centroid(), s.xr, gamma)];
      case "contract-out":
        return [this.along(this.centroid(), s.xr, rho)];
      case "contract-in":
        return [this.along(this.centroid(), s.simplex[n], rho)];
      case "shrink": {
        const b = s.simplex[0];
        return s.simplex.slice(1).map((p) => this.along(b, p, sigma));
      }
    }
  }

  private sortSimplex(): void {
    const s = this.st;
    const idx = s.fvals.map((_, i) => i).sort((a, b) => s.fvals[a] - s.fvals[b] || a - b);
    s.simplex = idx.map((i) => s.simplex[i]);
    s.fvals = idx.map((i) => s.fvals[i]);
  }

  private replaceWorst(x: number[], f: number): void {
    const n = this.dim;
    this.st.simplex[n] = x;
    this.st.fvals[n] = f;
  }

  protected absorb(points: number[][], costs: number[]): void {
    const s = this.st;
    const n = this.dim;
    const c = costs.map(rankableCost);
    switch (s.phase) {
      case "init":
        s.simplex = points.map((p) => p.slice());
        s.fvals = c;
        break;
      case "reflect": {
        const fr = c[0];
        if (fr < s.fvals[0]) {
          s.xr = points[0];
          s.fr = fr;
          s.phase = "expand";
          return;
        }
        if (fr < s.fvals[n - 1]) {
          this.replaceWorst(points[0], fr);
          break;
        }
        s.xr = points[0];
        s.fr = fr;
        s.phase = fr < s.fvals[n] ? "contract-out" : "contract-in";
        return;
      }
      case "expand":
        if (c[0] < s.fr) this.replaceWorst(points[0], c[0]);
        else this.replaceWorst(s.xr, s.fr);
        break;
      case "contract-out":
        if (c[0] <= s.fr) this.replaceWorst(points[0], c[0]);
        else {
          s.phase = "shrink";
          return;
        }
        break;
      case "contract-in":
        if (c[0] < s.fvals[n]) this.replaceWorst(points[0], c[0]);
        else {
          s.phase = "shrink";
          return;
        }
        break;
      case "shrink":
        for (let k = 0; k < n; k++) {
          s.simplex[k + 1] = points[k];
          s.fvals[k + 1] = c[k];
        }
        break;
    }
    s.phase = "reflect";
    s.xr = [];
    s.fr = Infinity;
    this.sortSimplex();
    this.checkConvergence();
  }

  private checkConvergence(): void {
    const s = this.st;
    const b = s.simplex[0];
    let dx = 0;
    let df = 0;
    for (let k = 1; k < s.simplex.length; k++) {
      for (let i = 0; i < this.dim; i++) dx = Math.max(dx, Math.abs(s.simplex[k][i] - b[i]));
      df = Math.max(df, Math.abs(s.fvals[k] - s.fvals[0]));
    }
    if (Number.isFinite(s.fvals[0]) && dx <= (this.options.xtol ?? 1e-8) && df <= (this.options.ftol ?? 1e-10)) this.finish("tolerance");
    else if (dx === 0) this.finish("tolerance"); // degenerate simplex: nothing left to explore
  }
}
