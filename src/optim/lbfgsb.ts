// Bounded quasi-Newton: projected L-BFGS with backtracking (Armijo) line search along the
// projection path. This is the simpler correct variant, not Byrd–Lu–Nocedal's generalized
// Cauchy point + subspace minimisation: variables at a bound whose gradient points out of
// the box are held fixed, the two-loop recursion acts on the remaining (free) gradient,
// and trial points are projected into the box. Gradients are told (gradient: "supplied")
// or estimated by central (default) or forward (scipy's choice) finite differences (one-sided
// at a bound) from points ask() returns.

import { OptimizerBase, OptimizerUsageError, decodeOptions, initialBaseState, parseOptimizerJSON, type BaseState } from "./base.ts";
import { OptimizerOptionError, Space } from "./space.ts";
import type { CommonOptions, OptimizerJSON } from "./types.ts";

export interface LBFGSBOptions extends CommonOptions {
  /** Start point (user space). Default: centre of finite bounds. */
  x0?: number[];
  /** "supplied": tell(..., { grads }) gives exact gradients. Otherwise ask() also returns
   *  neighbour points and the gradient is estimated: "central" differences (2·dim points;
   *  the default, under its older name "finite-difference") or "forward" (dim points, as
   *  scipy's default "2-point": half the evaluations, less robust to noisy costs). One-sided
   *  at a bound either way. */
  gradient?: "supplied" | "forward" | "central" | "finite-difference";
  /** Number of stored correction pairs. Default 10. */
  memory?: number;
  /** Relative finite-difference step: h_i = fdStep·max(1, |x_i|). Default √ε ≈ 1.49e-8 for
   *  forward differences (scipy's), 1e-6 for central. */
  fdStep?: number;
  /** Stop ("tolerance") when the projected gradient's max-norm is below pgtol. Default 1e-8. */
  pgtol?: number;
  /** Stop ("tolerance") when the relative decrease (f_k − f_{k+1})/max(|f_k|, |f_{k+1}|, 1)
   *  falls below ftol. Default 2.2e-9 (scipy's factr·eps). */
  ftol?: number;
  /** Armijo constant. Default 1e-4. */
  c1?: number;
  /** Backtracking steps per line search before giving up on the direction. Default 30. */
  maxLineSearch?: number;
}

type Phase = "start" | "trial" | "gradient";

interface FdPlan { i: number; h: number; kind: "central" | "forward" | "backward" }

interface LBFGSBState extends BaseState {
  phase: Phase;
  x: number[];
  f: number;
  g: number[];
  d: number[];
  t: number;
  lsIter: number;
  S: number[][];
  Y: number[][];
  /** Accepted-but-gradient-pending trial point (finite-difference mode). */
  trialX: number[];
  trialF: number;
  fdPlan: FdPlan[];
}

function dot(a: number[], b: number[]): number {
  let s = 0;
  for (let i = 0; i < a.length; i++) s += a[i] * b[i];
  return s;
}

/**
 * L-BFGS-B (bounded quasi-Newton) with supplied or finite-difference gradients.
 *
 * @example
 * ```ts
 * import { LBFGSB } from "brainfit/optim";
 * const opt = new LBFGSB({ lower: [-1, -1], upper: [1, 1], x0: [0.5, 0.5], gradient: "supplied" });
 * while (!opt.done) {
 *   const xs = opt.ask();
 *   opt.tell(xs, xs.map(([a, b]) => a! ** 2 + b! ** 2), { grads: xs.map(([a, b]) => [2 * a!, 2 * b!]) });
 * }
 * ```
 */
export class LBFGSB extends OptimizerBase<LBFGSBOptions, LBFGSBState> {
  readonly type = "lbfgsb" as const;

  constructor(options: LBFGSBOptions) {
    const space = new Space(options, options.x0);
    const n = space.dim;
    const x0 = options.x0 ?? (space.bounded ? space.toUser(space.lo.map((l, i) => 0.5 * (l + space.hi[i]))) : undefined);
    if (x0 === undefined || x0.length !== n || !x0.every(Number.isFinite)) {
      throw new OptimizerOptionError(`lbfgsb: x0 (${n} finite numbers) is required when the bounds are not all finite`);
    }
    const gradient = options.gradient ?? "finite-difference";
    if (gradient !== "supplied" && gradient !== "forward" && gradient !== "central" && gradient !== "finite-difference") {
      throw new OptimizerOptionError(`lbfgsb: gradient must be "supplied", "forward" or "central", got ${String(gradient)}`);
    }
    const resolved: LBFGSBOptions = {
      ...options, dim: n, x0: x0.slice(), gradient, memory: options.memory ?? 10, fdStep: options.fdStep ?? (gradient === "forward" ? Math.sqrt(Number.EPSILON) : 1e-6),
      pgtol: options.pgtol ?? 1e-8, ftol: options.ftol ?? 2.2e-9, c1: options.c1 ?? 1e-4,
      maxLineSearch: options.maxLineSearch ?? 30, seed: options.seed ?? 0,
    };
    const st: LBFGSBState = {
      ...initialBaseState(resolved.seed ?? 0), phase: "start", x: space.clip(space.toInternal(x0)), f: NaN,
      g: [], d: [], t: 1, lsIter: 0, S: [], Y: [], trialX: [], trialF: NaN, fdPlan: [],
    };
    super(resolved, space, st);
  }

  static fromJSON(json: OptimizerJSON | string): LBFGSB {
    const obj = parseOptimizerJSON(json, "lbfgsb");
    const opt = new LBFGSB(decodeOptions<LBFGSBOptions>(obj));
    opt.loadState(obj.state);
    return opt;
  }

  private get fd(): boolean { return this.options.gradient !== "supplied"; }

  private fdPoints(x: number[]): number[][] {
    const { lo, hi } = this.space;
    const plan: FdPlan[] = [];
    const pts: number[][] = [];
    for (let i = 0; i < this.dim; i++) {
      const h = Math.min((this.options.fdStep ?? 1e-6) * Math.max(1, Math.abs(x[i])), 0.5 * (hi[i] - lo[i]));
      const up = x[i] + h <= hi[i];
      const down = x[i] - h >= lo[i];
      const kind = up && down && this.options.gradient !== "forward" ? "central" : up ? "forward" : "backward";
      plan.push({ i, h, kind });
      if (kind !== "backward") { const p = x.slice(); p[i] = x[i] + h; pts.push(p); }
      if (kind !== "forward") { const p = x.slice(); p[i] = x[i] - h; pts.push(p); }
    }
    this.st.fdPlan = plan;
    return pts;
  }

  private fdGradient(f0: number, costs: number[]): number[] {
    const g = new Array<number>(this.dim);
    let k = 0;
    for (const { i, h, kind } of this.st.fdPlan) {
      if (kind === "central") { g[i] = (costs[k] - costs[k + 1]) / (2 * h); k += 2; }
      else if (kind === "forward") { g[i] = (costs[k] - f0) / h; k += 1; }
      else { g[i] = (f0 - costs[k]) / h; k += 1; }
    }
    return g;
  }

  protected propose(): number[][] {
    const s = this.st;
    switch (s.phase) {
      case "start": return this.fd ? [s.x.slice(), ...this.fdPoints(s.x)] : [s.x.slice()];
      case "trial": return [this.trialPoint()];
      case "gradient": return this.fdPoints(s.trialX);
    }
  }

  private trialPoint(): number[] {
    const s = this.st;
    return this.space.clip(s.x.map((xi, i) => xi + s.t * s.d[i]));
  }

  protected absorb(points: number[][], costs: number[], grads?: number[][]): void {
    const s = this.st;
    if (!this.fd && grads === undefined) throw new OptimizerUsageError('lbfgsb.tell: gradient is "supplied", so pass { grads } with the costs');
    switch (s.phase) {
      case "start": {
        const f = costs[0];
        const g = this.fd ? this.fdGradient(f, costs.slice(1)) : (grads as number[][])[0];
        if (!Number.isFinite(f) || !g.every(Number.isFinite)) { this.finish("failed"); return; }
        s.f = f;
        s.g = g;
        if (this.projectedGradientNorm(s.x, g) <= (this.options.pgtol ?? 1e-8)) { this.finish("tolerance"); return; }
        this.newDirection();
        return;
      }
      case "trial": {
        const xt = points[0];
        const ft = costs[0];
        let dec = 0;
        for (let i = 0; i < this.dim; i++) dec += s.g[i] * (xt[i] - s.x[i]);
        if (!Number.isFinite(ft) || ft > s.f + (this.options.c1 ?? 1e-4) * dec) { this.backtrack(); return; }
        if (this.fd) { s.trialX = xt; s.trialF = ft; s.phase = "gradient"; return; }
        const gt = (grads as number[][])[0];
        if (!gt.every(Number.isFinite)) { this.backtrack(); return; }
        this.accept(xt, ft, gt);
        return;
      }
      case "gradient": {
        const gt = this.fdGradient(s.trialF, costs);
        if (!gt.every(Number.isFinite)) { s.phase = "trial"; this.backtrack(); return; }
        this.accept(s.trialX, s.trialF, gt);
        return;
      }
    }
  }

  private backtrack(): void {
    const s = this.st;
    s.lsIter++;
    s.t *= 0.5;
    if (s.lsIter > (this.options.maxLineSearch ?? 30)) {
      if (s.S.length > 0) { s.S = []; s.Y = []; this.newDirection(); }
      else this.finish("failed");
    }
  }

  private accept(xt: number[], ft: number, gt: number[]): void {
    const s = this.st;
    const sv = xt.map((v, i) => v - s.x[i]);
    const yv = gt.map((v, i) => v - s.g[i]);
    const sy = dot(sv, yv);
    if (sy > 1e-10 * dot(yv, yv)) {
      s.S.push(sv);
      s.Y.push(yv);
      if (s.S.length > (this.options.memory ?? 10)) { s.S.shift(); s.Y.shift(); }
    }
    const fOld = s.f;
    s.x = xt;
    s.f = ft;
    s.g = gt;
    if ((fOld - ft) / Math.max(Math.abs(fOld), Math.abs(ft), 1) <= (this.options.ftol ?? 2.2e-9)) { this.finish("tolerance"); return; }
    if (this.projectedGradientNorm(xt, gt) <= (this.options.pgtol ?? 1e-8)) { this.finish("tolerance"); return; }
    this.newDirection();
  }

  private projectedGradientNorm(x: number[], g: number[]): number {
    const { lo, hi } = this.space;
    let m = 0;
    for (let i = 0; i < this.dim; i++) {
      const p = Math.min(hi[i], Math.max(lo[i], x[i] - g[i])) - x[i];
      m = Math.max(m, Math.abs(p));
    }
    return m;
  }

  /** Two-loop recursion on the free variables → descent direction; resets the line search. */
  private newDirection(): void {
    const s = this.st;
    const n = this.dim;
    const { lo, hi } = this.space;
    const free = s.x.map((xi, i) => !((xi <= lo[i] && s.g[i] > 0) || (xi >= hi[i] && s.g[i] < 0)));
    const q = s.g.map((gi, i) => (free[i] ? gi : 0));
    const k = s.S.length;
    const alpha = new Array<number>(k);
    const mask = (v: number[]) => v.map((vi, i) => (free[i] ? vi : 0));
    const S = s.S.map(mask);
    const Y = s.Y.map(mask);
    const rho = S.map((sv, j) => 1 / dot(sv, Y[j]));
    for (let j = k - 1; j >= 0; j--) {
      if (!Number.isFinite(rho[j]) || rho[j] <= 0) { alpha[j] = 0; continue; }
      alpha[j] = rho[j] * dot(S[j], q);
      for (let i = 0; i < n; i++) q[i] -= alpha[j] * Y[j][i];
    }
    let gamma = 1;
    if (k > 0) {
      const yy = dot(Y[k - 1], Y[k - 1]);
      const sy = dot(S[k - 1], Y[k - 1]);
      if (yy > 0 && sy > 0) gamma = sy / yy;
    }
    for (let i = 0; i < n; i++) q[i] *= gamma;
    for (let j = 0; j < k; j++) {
      if (!Number.isFinite(rho[j]) || rho[j] <= 0) continue;
      const beta = rho[j] * dot(Y[j], q);
      for (let i = 0; i < n; i++) q[i] += S[j][i] * (alpha[j] - beta);
    }
    let d = q.map((v, i) => (free[i] ? -v : 0));
    const gFree = s.g.map((gi, i) => (free[i] ? gi : 0));
    let t = 1;
    if (!(dot(d, gFree) < 0) || !d.every(Number.isFinite)) {
      s.S = [];
      s.Y = [];
      d = gFree.map((v) => -v);
    }
    if (s.S.length === 0) {
      // Steepest descent: first step moves at most one unit in any coordinate.
      const gmax = Math.max(...d.map(Math.abs));
      t = gmax > 0 ? Math.min(1, 1 / gmax) : 1;
    }
    s.d = d;
    s.t = t;
    s.lsIter = 0;
    s.phase = "trial";
  }
}
