// L-BFGS-B after Byrd, Lu, Nocedal & Zhu (1995), with the subspace step of version 3.0 (Morales &
// Nocedal 2011), as scipy runs it. Each iteration:
//   1. generalized Cauchy point (GCP): the first local minimiser of the quadratic model
//      m(x) = f + gᵀ(x − x_k) + ½(x − x_k)ᵀB(x − x_k) along the projected steepest-descent path
//      x_k − t·g, walked breakpoint by breakpoint, with B the compact limited-memory BFGS matrix
//      B = θI − W M Wᵀ (W = [Y, θS], M the inverse of [[−D, Lᵀ], [L, θSᵀS]]);
//   2. subspace minimisation over the variables the GCP left free (direct primal method, the
//      reduced B inverted by Sherman–Morrison–Woodbury); the minimiser is projected into the box,
//      or, when that is no descent direction, cut back to it;
//   3. a line search along d = x̄ − x_k satisfying the strong Wolfe conditions (Moré & Thuente
//      1994, MINPACK-2's dcsrch/dcstep, re-entrant here), steps capped to stay feasible.
// Gradients are told (gradient: "supplied") or estimated by finite differences from points ask()
// returns with each trial point: forward (scipy's "2-point", one-sided away from a bound) or
// central. The whole state (memory pairs, line-search bracket) is plain JSON, so a fit can stop
// and resume at any ask.

import { type BaseState, decodeOptions, initialBaseState, OptimizerBase, OptimizerUsageError, parseOptimizerJSON } from "./base.ts";
import { OptimizerOptionError, Space } from "./space.ts";
import type { CommonOptions, OptimizerJSON } from "./types.ts";

export interface LBFGSBOptions extends CommonOptions {
  /** Start point (user space; projected into the box). Default: centre of finite bounds. */
  x0?: number[];
  /** "supplied": tell(..., { grads }) gives exact gradients. Otherwise ask() returns each trial
   *  point with its neighbours and the gradient is estimated: "central" differences (2·dim
   *  points; the default, under its older name "finite-difference") or "forward" (dim points, as
   *  scipy's default "2-point": half the evaluations, less robust to noisy costs). One-sided
   *  at a bound either way. */
  gradient?: "supplied" | "forward" | "central" | "finite-difference";
  /** Number of stored correction pairs (scipy's maxcor). Default 10. */
  memory?: number;
  /** Relative finite-difference step: h_i = fdStep·max(1, |x_i|). Default √ε ≈ 1.49e-8 for
   *  forward differences (scipy's), 1e-6 for central. */
  fdStep?: number;
  /** Stop ("tolerance") when the projected gradient's max-norm is below pgtol (scipy's gtol,
   *  whose default is 1e-5). Default 1e-8. */
  pgtol?: number;
  /** Stop ("tolerance") when the relative decrease (f_k − f_{k+1})/max(|f_k|, |f_{k+1}|, 1)
   *  falls below ftol. Default 2.2e-9 (scipy's factr·eps). */
  ftol?: number;
  /** Sufficient-decrease constant of the line search. Default 1e-3 (L-BFGS-B's). */
  c1?: number;
  /** Curvature constant of the strong Wolfe condition |g(x+αd)ᵀd| ≤ c2·|gᵀd|. Default 0.9. */
  c2?: number;
  /** Trial points per line search before the search counts as failed (scipy's maxls). Default 20.
   *  A failed search restarts from steepest descent with an empty memory; failing again stops. */
  maxLineSearch?: number;
}

interface FdPlan {
  i: number;
  h: number;
  kind: "central" | "forward" | "backward";
}

/** Moré–Thuente line-search state (MINPACK-2 dcsrch's saved variables). */
interface WolfeSearch {
  stp: number;
  stpmax: number;
  brackt: boolean;
  stage: 1 | 2;
  finit: number;
  ginit: number;
  gtest: number;
  width: number;
  width1: number;
  stx: number;
  fx: number;
  gx: number;
  sty: number;
  fy: number;
  gy: number;
  stmin: number;
  stmax: number;
  /** Trial points evaluated so far in this search. */
  trials: number;
  /** After a trial without a finite value: plain backtracking (halving towards stx) to the first
   *  point with sufficient decrease, as the cubic model has nothing to fit there. */
  backtrack: boolean;
}

interface LBFGSBState extends BaseState {
  phase: "start" | "search";
  x: number[];
  f: number;
  g: number[];
  /** Correction pairs s = x_{k+1} − x_k, y = g_{k+1} − g_k, oldest first. */
  S: number[][];
  Y: number[][];
  theta: number;
  /** Completed iterations. */
  iter: number;
  /** Search direction x̄ − x. */
  d: number[];
  ls: WolfeSearch | null;
  fdPlan: FdPlan[];
}

const EPS = Number.EPSILON;

function dot(a: ArrayLike<number>, b: ArrayLike<number>): number {
  let s = 0;
  for (let i = 0; i < a.length; i++) s += a[i] * b[i];
  return s;
}

/** Solve A x = b (small dense, Gaussian elimination with partial pivoting); null if singular. */
function solveDense(A: number[][], b: number[]): number[] | null {
  const n = b.length;
  const a = A.map((r, i) => [...r, b[i]]);
  for (let c = 0; c < n; c++) {
    let p = c;
    for (let r = c + 1; r < n; r++) if (Math.abs(a[r][c]) > Math.abs(a[p][c])) p = r;
    if (!(Math.abs(a[p][c]) > 0)) return null;
    [a[c], a[p]] = [a[p], a[c]];
    for (let r = c + 1; r < n; r++) {
      const m = a[r][c] / a[c][c];
      if (m !== 0) { for (let k = c; k <= n; k++) a[r][k] -= m * a[c][k]; }
    }
  }
  const x = new Array<number>(n);
  for (let r = n - 1; r >= 0; r--) {
    let s = a[r][n];
    for (let k = r + 1; k < n; k++) s -= a[r][k] * x[k];
    x[r] = s / a[r][r];
  }
  return x.every(Number.isFinite) ? x : null;
}

/** The inverse of a small dense matrix (column by column); null if singular. */
function inverse(A: number[][]): number[][] | null {
  const n = A.length;
  const cols: number[][] = [];
  for (let j = 0; j < n; j++) {
    const e = new Array<number>(n).fill(0);
    e[j] = 1;
    const c = solveDense(A, e);
    if (!c) return null;
    cols.push(c);
  }
  return Array.from({ length: n }, (_, i) => cols.map((c) => c[i]));
}

function matVec(M: number[][], v: number[]): number[] {
  return M.map((r) => dot(r, v));
}

/**
 * One step of Moré–Thuente's safeguarded cubic/quadratic interval update (MINPACK-2 dcstep):
 * moves the best step (stx) and the other end (sty) and returns the next trial step.
 */
function wolfeStep(
  w: WolfeSearch,
  vals: { fx: number; gx: number; fy: number; gy: number },
  stp: number,
  fp: number,
  dp: number,
  stpmin: number,
  stpmax: number,
): number {
  const { stx, sty } = w;
  const { fx, gx: dx, fy, gy: dy } = vals;
  const sgnd = dp * Math.sign(dx);
  let stpf: number;
  if (fp > fx) {
    // Higher value: the minimum is bracketed; cubic or the quadratic through fx, dx, fp.
    const theta = (3 * (fx - fp)) / (stp - stx) + dx + dp;
    const s = Math.max(Math.abs(theta), Math.abs(dx), Math.abs(dp));
    let gamma = s * Math.sqrt(Math.max(0, (theta / s) ** 2 - (dx / s) * (dp / s)));
    if (stp < stx) gamma = -gamma;
    const p = gamma - dx + theta;
    const q = gamma - dx + gamma + dp;
    const stpc = stx + (p / q) * (stp - stx);
    const stpq = stx + (dx / ((fx - fp) / (stp - stx) + dx) / 2) * (stp - stx);
    stpf = Math.abs(stpc - stx) < Math.abs(stpq - stx) ? stpc : stpc + (stpq - stpc) / 2;
    w.brackt = true;
  } else if (sgnd < 0) {
    // Derivatives of opposite sign: bracketed; cubic or secant step.
    const theta = (3 * (fx - fp)) / (stp - stx) + dx + dp;
    const s = Math.max(Math.abs(theta), Math.abs(dx), Math.abs(dp));
    let gamma = s * Math.sqrt(Math.max(0, (theta / s) ** 2 - (dx / s) * (dp / s)));
    if (stp > stx) gamma = -gamma;
    const p = gamma - dp + theta;
    const q = gamma - dp + gamma + dx;
    const stpc = stp + (p / q) * (stx - stp);
    const stpq = stp + (dp / (dp - dx)) * (stx - stp);
    stpf = Math.abs(stpc - stp) > Math.abs(stpq - stp) ? stpc : stpq;
    w.brackt = true;
  } else if (Math.abs(dp) < Math.abs(dx)) {
    // Same sign, derivative decreasing in magnitude: cubic only if it tends to infinity in the step's direction.
    const theta = (3 * (fx - fp)) / (stp - stx) + dx + dp;
    const s = Math.max(Math.abs(theta), Math.abs(dx), Math.abs(dp));
    let gamma = s * Math.sqrt(Math.max(0, (theta / s) ** 2 - (dx / s) * (dp / s)));
    if (stp > stx) gamma = -gamma;
    const p = gamma - dp + theta;
    const q = gamma + (dx - dp) + gamma;
    const r = p / q;
    const stpc = r < 0 && gamma !== 0 ? stp + r * (stx - stp) : stp > stx ? stpmax : stpmin;
    const stpq = stp + (dp / (dp - dx)) * (stx - stp);
    if (w.brackt) {
      stpf = Math.abs(stpc - stp) < Math.abs(stpq - stp) ? stpc : stpq;
      stpf = stp > stx ? Math.min(stp + 0.66 * (sty - stp), stpf) : Math.max(stp + 0.66 * (sty - stp), stpf);
    } else {
      stpf = Math.abs(stpc - stp) > Math.abs(stpq - stp) ? stpc : stpq;
      stpf = Math.max(stpmin, Math.min(stpmax, stpf));
    }
  } else if (w.brackt) {
    // Same sign, derivative not decreasing: cubic through the other end.
    const theta = (3 * (fp - fy)) / (sty - stp) + dy + dp;
    const s = Math.max(Math.abs(theta), Math.abs(dy), Math.abs(dp));
    let gamma = s * Math.sqrt(Math.max(0, (theta / s) ** 2 - (dy / s) * (dp / s)));
    if (stp > sty) gamma = -gamma;
    const p = gamma - dp + theta;
    const q = gamma - dp + gamma + dy;
    stpf = stp + (p / q) * (sty - stp);
  } else {
    stpf = stp > stx ? stpmax : stpmin;
  }
  // Update the interval.
  if (fp > fx) {
    w.sty = stp;
    vals.fy = fp;
    vals.gy = dp;
  } else {
    if (sgnd < 0) {
      w.sty = stx;
      vals.fy = fx;
      vals.gy = dx;
    }
    w.stx = stp;
    vals.fx = fp;
    vals.gx = dp;
  }
  return stpf;
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
      ...options,
      dim: n,
      x0: x0.slice(),
      gradient,
      memory: options.memory ?? 10,
      fdStep: options.fdStep ?? (gradient === "forward" ? Math.sqrt(EPS) : 1e-6),
      pgtol: options.pgtol ?? 1e-8,
      ftol: options.ftol ?? 2.2e-9,
      c1: options.c1 ?? 1e-3,
      c2: options.c2 ?? 0.9,
      maxLineSearch: options.maxLineSearch ?? 20,
      seed: options.seed ?? 0,
    };
    if (!(resolved.c1! < resolved.c2! && resolved.c2! < 1)) {
      throw new OptimizerOptionError(`lbfgsb: need 0 < c1 < c2 < 1, got c1 = ${resolved.c1}, c2 = ${resolved.c2}`);
    }
    const st: LBFGSBState = {
      ...initialBaseState(resolved.seed ?? 0),
      phase: "start",
      x: space.clip(space.toInternal(x0)),
      f: NaN,
      g: [],
      S: [],
      Y: [],
      theta: 1,
      iter: 0,
      d: [],
      ls: null,
      fdPlan: [],
    };
    super(resolved, space, st);
  }

  static fromJSON(json: OptimizerJSON | string): LBFGSB {
    const obj = parseOptimizerJSON(json, "lbfgsb");
    const opt = new LBFGSB(decodeOptions<LBFGSBOptions>(obj));
    const state = obj.state as { phase?: unknown } | null;
    // Checkpoints of the earlier projected L-BFGS (phases "trial"/"gradient") hold no Cauchy-point state.
    if (state === null || typeof state !== "object" || (state.phase !== "start" && state.phase !== "search")) {
      throw new OptimizerUsageError(
        "restore: this lbfgsb checkpoint was written by the earlier projected L-BFGS (before the full L-BFGS-B); start the run again (or resume it with the brainfit version that wrote it)",
      );
    }
    opt.loadState(obj.state);
    return opt;
  }

  private get fd(): boolean {
    return this.options.gradient !== "supplied";
  }

  // ---- finite differences -------------------------------------------------------------------

  /** Neighbours of x for the gradient (and the plan to read them back). Forward differences step
   *  the way scipy's do: h_i = fdStep·max(1, |x_i|) signed like x_i, flipped at a bound. */
  private fdPoints(x: number[]): number[][] {
    const { lo, hi } = this.space;
    const plan: FdPlan[] = [];
    const pts: number[][] = [];
    const forwardOnly = this.options.gradient === "forward";
    for (let i = 0; i < this.dim; i++) {
      const h = Math.min((this.options.fdStep ?? 1e-6) * Math.max(1, Math.abs(x[i])), 0.5 * (hi[i] - lo[i]));
      const up = x[i] + h <= hi[i];
      const down = x[i] - h >= lo[i];
      let kind: FdPlan["kind"];
      if (!forwardOnly && up && down) kind = "central";
      else if (forwardOnly) kind = (x[i] >= 0 ? up : !down) ? "forward" : "backward";
      else kind = up ? "forward" : "backward";
      // The step actually taken (x + h rounds), as scipy divides by it.
      const hp = kind === "backward" ? x[i] - (x[i] - h) : x[i] + h - x[i];
      plan.push({ i, h: hp, kind });
      if (kind !== "backward") {
        const p = x.slice();
        p[i] = x[i] + hp;
        pts.push(p);
      }
      if (kind !== "forward") {
        const p = x.slice();
        p[i] = x[i] - hp;
        pts.push(p);
      }
    }
    this.st.fdPlan = plan;
    return pts;
  }

  private fdGradient(f0: number, costs: number[]): number[] {
    const g = new Array<number>(this.dim);
    let k = 0;
    for (const { i, h, kind } of this.st.fdPlan) {
      if (kind === "central") {
        g[i] = (costs[k] - costs[k + 1]) / (2 * h);
        k += 2;
      } else if (kind === "forward") {
        g[i] = (costs[k] - f0) / h;
        k += 1;
      } else {
        g[i] = (f0 - costs[k]) / h;
        k += 1;
      }
    }
    return g;
  }

  // ---- ask / tell ---------------------------------------------------------------------------

  protected propose(): number[][] {
    const s = this.st;
    const p = s.phase === "start" ? s.x.slice() : this.trialPoint();
    return this.fd ? [p, ...this.fdPoints(p)] : [p];
  }

  private trialPoint(): number[] {
    const s = this.st;
    const stp = s.ls!.stp;
    return this.space.clip(s.x.map((xi, i) => xi + stp * s.d[i]));
  }

  protected absorb(points: number[][], costs: number[], grads?: number[][]): void {
    const s = this.st;
    if (!this.fd && grads === undefined) {
      throw new OptimizerUsageError('lbfgsb.tell: gradient is "supplied", so pass { grads } with the costs');
    }
    const f = costs[0];
    const g = this.fd ? this.fdGradient(f, costs.slice(1)) : (grads as number[][])[0];
    if (s.phase === "start") {
      if (!Number.isFinite(f) || !g.every(Number.isFinite)) {
        this.finish("failed");
        return;
      }
      s.f = f;
      s.g = g;
      if (this.projectedGradientNorm(s.x, g) <= (this.options.pgtol ?? 1e-8)) {
        this.finish("tolerance");
        return;
      }
      this.newIteration();
      return;
    }
    this.searchStep(points[0], f, g);
  }

  // ---- line search (Moré–Thuente) ------------------------------------------------------------

  private searchStep(xt: number[], ft: number, gt: number[]): void {
    const s = this.st;
    const w = s.ls!;
    w.trials++;
    const finite = Number.isFinite(ft) && gt.every(Number.isFinite);
    const ftest = w.finit + w.stp * w.gtest;
    if (!finite || w.backtrack) {
      // No value here (or since): back off towards the best step until the value decreases enough.
      if (finite && ft <= ftest && ft < s.f) {
        this.accept(xt, ft, gt, w.stp);
        return;
      }
      w.backtrack = true;
      w.stpmax = Math.min(w.stpmax, w.stp);
      const next = w.stx + 0.5 * (w.stp - w.stx);
      w.stp = next;
      if (w.trials >= (this.options.maxLineSearch ?? 20) || !(next > 0)) this.searchFailed();
      return;
    }
    const gd = dot(gt, s.d);
    const gtol = this.options.c2 ?? 0.9, xtol = 0.1;
    if (w.stage === 1 && ft <= ftest && gd >= 0) w.stage = 2;
    let stop = false;
    if (w.brackt && (w.stp <= w.stmin || w.stp >= w.stmax)) stop = true; // rounding errors
    if (w.brackt && w.stmax - w.stmin <= xtol * w.stmax) stop = true; // interval below xtol
    if (w.stp === w.stpmax && ft <= ftest && gd <= w.gtest) stop = true; // at the largest feasible step
    if (w.stp === 0 && (ft > ftest || gd >= w.gtest)) stop = true;
    if (ft <= ftest && Math.abs(gd) <= gtol * -w.ginit) stop = true; // strong Wolfe: converged
    if (stop) {
      if (ft <= s.f) this.accept(xt, ft, gt, w.stp);
      else this.searchFailed();
      return;
    }
    // Next step: on the modified function ψ(α) = f(α) − f(0) − α·ftol·g(0)ᵀd while in stage 1
    // and f has decreased only a little (as dcsrch does).
    const vals = { fx: w.fx, gx: w.gx, fy: w.fy, gy: w.gy };
    let next: number;
    if (w.stage === 1 && ft <= w.fx && ft > ftest) {
      const mod = { fx: w.fx - w.stx * w.gtest, gx: w.gx - w.gtest, fy: w.fy - w.sty * w.gtest, gy: w.gy - w.gtest };
      next = wolfeStep(w, mod, w.stp, ft - w.stp * w.gtest, gd - w.gtest, w.stmin, w.stmax);
      w.fx = mod.fx + w.stx * w.gtest;
      w.fy = mod.fy + w.sty * w.gtest;
      w.gx = mod.gx + w.gtest;
      w.gy = mod.gy + w.gtest;
    } else {
      next = wolfeStep(w, vals, w.stp, ft, gd, w.stmin, w.stmax);
      w.fx = vals.fx;
      w.gx = vals.gx;
      w.fy = vals.fy;
      w.gy = vals.gy;
    }
    if (w.brackt) {
      if (Math.abs(w.sty - w.stx) >= 0.66 * w.width1) next = w.stx + 0.5 * (w.sty - w.stx);
      w.width1 = w.width;
      w.width = Math.abs(w.sty - w.stx);
      w.stmin = Math.min(w.stx, w.sty);
      w.stmax = Math.max(w.stx, w.sty);
    } else {
      w.stmin = next + 1.1 * (next - w.stx);
      w.stmax = next + 4 * (next - w.stx);
    }
    this.continueSearch(next);
  }

  private continueSearch(next: number): void {
    const w = this.st.ls!;
    let stp = Math.min(Math.max(next, 0), w.stpmax);
    if ((w.brackt && (stp <= w.stmin || stp >= w.stmax)) || (w.brackt && w.stmax - w.stmin <= 0.1 * w.stmax)) stp = w.stx;
    w.stp = stp;
    // L-BFGS-B gives a search maxLineSearch trial points; the best step (stx) was one of them.
    if (w.trials >= (this.options.maxLineSearch ?? 20) || !(stp > 0)) {
      this.searchFailed();
      return;
    }
  }

  /** The search found no acceptable step: forget the memory and try steepest descent; fail if it already was. */
  private searchFailed(): void {
    const s = this.st;
    if (s.S.length === 0) {
      this.finish("failed");
      return;
    }
    s.S = [];
    s.Y = [];
    s.theta = 1;
    this.newIteration();
  }

  private accept(xt: number[], ft: number, gt: number[], stp: number): void {
    const s = this.st;
    const fOld = s.f;
    const sv = xt.map((v, i) => v - s.x[i]);
    const yv = gt.map((v, i) => v - s.g[i]);
    s.x = xt;
    s.f = ft;
    s.g = gt;
    s.iter++;
    if (this.projectedGradientNorm(xt, gt) <= (this.options.pgtol ?? 1e-8)) {
      this.finish("tolerance");
      return;
    }
    if ((fOld - ft) / Math.max(Math.abs(fOld), Math.abs(ft), 1) <= (this.options.ftol ?? 2.2e-9)) {
      this.finish("tolerance");
      return;
    }
    // Keep the pair only with enough curvature (sᵀy > ε·(−gᵀs)), as L-BFGS-B does.
    const sy = dot(sv, yv);
    if (sy > EPS * -s.ls!.ginit * stp) {
      s.S.push(sv);
      s.Y.push(yv);
      if (s.S.length > (this.options.memory ?? 10)) {
        s.S.shift();
        s.Y.shift();
      }
      s.theta = dot(yv, yv) / sy;
    }
    this.newIteration();
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

  // ---- one iteration: GCP, subspace minimisation, line-search start ---------------------------

  private newIteration(): void {
    const s = this.st;
    const n = this.dim;
    const { lo, hi } = this.space;
    const { W, M } = this.compactB();
    const constrained = lo.some(Number.isFinite) || hi.some(Number.isFinite);
    let xc: number[];
    let c: number[];
    let free: boolean[];
    if (!constrained && s.S.length > 0) {
      // No bounds: the Cauchy point is x itself and every variable is free.
      xc = s.x.slice();
      c = new Array<number>(W.length ? W[0].length : 0).fill(0);
      free = new Array<boolean>(n).fill(true);
    } else {
      ({ xc, c, free } = this.cauchyPoint(W, M));
    }
    const xbar = this.subspaceMinimum(xc, c, free, W, M);
    const d = xbar.map((v, i) => v - s.x[i]);
    const gd = dot(s.g, d);
    if (!(gd < 0) || !d.every(Number.isFinite)) {
      // Not a descent direction (rounding, or a poor memory): start over from steepest descent.
      if (s.S.length > 0) {
        s.S = [];
        s.Y = [];
        s.theta = 1;
        this.newIteration();
      } else this.finish(gd === 0 ? "tolerance" : "failed");
      return;
    }
    // Largest feasible step along d (1 on the first iteration of a constrained problem).
    let stpmax = 1e10;
    if (constrained) {
      if (s.iter === 0) stpmax = 1;
      else {
        for (let i = 0; i < n; i++) {
          if (d[i] < 0 && Number.isFinite(lo[i])) {
            const a = lo[i] - s.x[i];
            if (a >= 0) stpmax = 0;
            else if (d[i] * stpmax < a) stpmax = a / d[i];
          } else if (d[i] > 0 && Number.isFinite(hi[i])) {
            const a = hi[i] - s.x[i];
            if (a <= 0) stpmax = 0;
            else if (d[i] * stpmax > a) stpmax = a / d[i];
          }
        }
      }
    }
    const boxed = lo.every(Number.isFinite) && hi.every(Number.isFinite);
    const stp = s.iter === 0 && !boxed ? Math.min(1 / Math.sqrt(dot(d, d)), stpmax) : 1;
    if (!(stpmax > 0)) {
      if (s.S.length > 0) {
        s.S = [];
        s.Y = [];
        s.theta = 1;
        this.newIteration();
      } else this.finish("failed");
      return;
    }
    const ftol = this.options.c1 ?? 1e-3;
    const stp0 = Math.min(stp, stpmax);
    s.d = d;
    s.ls = {
      stp: stp0,
      stpmax,
      brackt: false,
      stage: 1,
      finit: s.f,
      ginit: gd,
      gtest: ftol * gd,
      width: stpmax,
      width1: 2 * stpmax,
      stx: 0,
      fx: s.f,
      gx: gd,
      sty: 0,
      fy: s.f,
      gy: gd,
      stmin: 0,
      stmax: stp0 + 4 * stp0,
      trials: 0,
      backtrack: false,
    };
    s.phase = "search";
  }

  /** W = [Y, θS] (n × 2m) and M = [[−D, Lᵀ], [L, θSᵀS]]⁻¹ (2m × 2m): B = θI − W M Wᵀ. */
  private compactB(): { W: number[][]; M: number[][] } {
    const { S, Y, theta } = this.st;
    const k = S.length;
    const n = this.dim;
    if (k === 0) return { W: Array.from({ length: n }, () => []), M: [] };
    const W = Array.from({ length: n }, (_, i) => [...Y.map((y) => y[i]), ...S.map((sv) => theta * sv[i])]);
    const A: number[][] = Array.from({ length: 2 * k }, () => new Array<number>(2 * k).fill(0));
    for (let i = 0; i < k; i++) {
      A[i][i] = -dot(S[i], Y[i]);
      for (let j = 0; j < k; j++) {
        if (i > j) {
          const l = dot(S[i], Y[j]);
          A[k + i][j] = l;
          A[j][k + i] = l;
        }
        A[k + i][k + j] = theta * dot(S[i], S[j]);
      }
    }
    const M = inverse(A);
    if (!M) {
      // A singular middle matrix (near-dependent pairs): fall back to B = θI.
      this.st.S = [];
      this.st.Y = [];
      this.st.theta = 1;
      return { W: Array.from({ length: n }, () => []), M: [] };
    }
    return { W, M };
  }

  /**
   * Generalized Cauchy point (Byrd et al. 1995, section 4): walk the projected path x − t·g
   * segment by segment, minimising the quadratic model on each; stop in the first segment whose
   * minimiser lies inside it. Returns x^c, c = Wᵀ(x^c − x) and which variables stayed free.
   */
  private cauchyPoint(W: number[][], M: number[][]): { xc: number[]; c: number[]; free: boolean[] } {
    const s = this.st;
    const n = this.dim;
    const { lo, hi } = this.space;
    const { x, g, theta } = s;
    const m2 = M.length;
    const xc = x.slice();
    const d = new Array<number>(n).fill(0);
    const tBreak = new Array<number>(n).fill(Infinity);
    const free = new Array<boolean>(n).fill(true);
    for (let i = 0; i < n; i++) {
      if (g[i] < 0) tBreak[i] = Number.isFinite(hi[i]) ? (x[i] - hi[i]) / g[i] : Infinity;
      else if (g[i] > 0) tBreak[i] = Number.isFinite(lo[i]) ? (x[i] - lo[i]) / g[i] : Infinity;
      if (tBreak[i] <= 0) {
        free[i] = false;
        tBreak[i] = 0;
      } // at a bound, pointing out
      else if (g[i] === 0 && (x[i] <= lo[i] || x[i] >= hi[i])) free[i] = false;
      else d[i] = -g[i];
    }
    const p = new Array<number>(m2).fill(0);
    for (let i = 0; i < n; i++) if (d[i] !== 0) { for (let j = 0; j < m2; j++) p[j] += W[i][j] * d[i]; }
    const c = new Array<number>(m2).fill(0);
    let f1 = -dot(d, d);
    let f2 = -theta * f1 - (m2 ? dot(p, matVec(M, p)) : 0);
    const f2org = f2;
    let dtMin = f2 > 0 ? -f1 / f2 : Infinity;
    let tOld = 0;
    const order = [...Array(n).keys()].filter((i) => free[i] && tBreak[i] > 0 && Number.isFinite(tBreak[i])).sort((a, b) =>
      tBreak[a] - tBreak[b]
    );
    let k = 0;
    while (k < order.length) {
      const b = order[k];
      const dt = tBreak[b] - tOld;
      if (dtMin < dt) break;
      // Move to breakpoint b; x_b reaches its bound and leaves the free set.
      xc[b] = d[b] > 0 ? hi[b] : lo[b];
      const zb = xc[b] - x[b];
      const gb = g[b];
      for (let j = 0; j < m2; j++) c[j] += dt * p[j];
      const wb = W[b];
      const Mc = m2 ? matVec(M, c) : [];
      const Mp = m2 ? matVec(M, p) : [];
      const Mw = m2 ? matVec(M, wb) : [];
      f1 += dt * f2 + gb * gb + theta * gb * zb - gb * (m2 ? dot(wb, Mc) : 0);
      f2 -= theta * gb * gb + 2 * gb * (m2 ? dot(wb, Mp) : 0) + gb * gb * (m2 ? dot(wb, Mw) : 0);
      f2 = Math.max(EPS * f2org, f2);
      for (let j = 0; j < m2; j++) p[j] += gb * wb[j];
      d[b] = 0;
      free[b] = false;
      tOld = tBreak[b];
      dtMin = f2 > 0 ? -f1 / f2 : Infinity;
      k++;
      if (f1 >= 0) {
        dtMin = 0;
        break;
      } // the model stops decreasing at this breakpoint
    }
    // Every free variable reached its bound: the path ends at the last breakpoint.
    if (!Number.isFinite(dtMin) || !d.some((v) => v !== 0)) dtMin = 0;
    dtMin = Math.max(dtMin, 0);
    tOld += dtMin;
    for (let i = 0; i < n; i++) if (d[i] !== 0) xc[i] = Math.min(hi[i], Math.max(lo[i], x[i] + tOld * d[i]));
    for (let j = 0; j < m2; j++) c[j] += dtMin * p[j];
    return { xc, c, free };
  }

  /**
   * Minimise the model over the free variables from x^c (direct primal method): the reduced
   * gradient r = Zᵀ(g + θ(x^c − x) − W M c), the Newton step −B̂⁻¹r with
   * B̂⁻¹ = (1/θ)I + (1/θ²) ZᵀW (I − (1/θ) M WᵀZZᵀW)⁻¹ M WᵀZ; the result is projected into the box
   * (version 3.0) unless that gives no descent, in which case the step is cut at the box.
   */
  private subspaceMinimum(xc: number[], c: number[], free: boolean[], W: number[][], M: number[][]): number[] {
    const s = this.st;
    const { lo, hi } = this.space;
    const { x, g, theta } = s;
    const idx = free.map((f, i) => (f ? i : -1)).filter((i) => i >= 0);
    const m2 = M.length;
    if (idx.length === 0 || m2 === 0) return xc;
    const Mc = matVec(M, c);
    const r = idx.map((i) => g[i] + theta * (xc[i] - x[i]) - dot(W[i], Mc));
    // v = M Wᵀ Z r; N = I − (1/θ) M (WᵀZ ZᵀW)
    const wr = new Array<number>(m2).fill(0);
    const WZW: number[][] = Array.from({ length: m2 }, () => new Array<number>(m2).fill(0));
    idx.forEach((i, a) => {
      const wi = W[i];
      for (let j = 0; j < m2; j++) {
        wr[j] += wi[j] * r[a];
        for (let l = 0; l < m2; l++) WZW[j][l] += wi[j] * wi[l];
      }
    });
    const v = matVec(M, wr);
    const MA = M.map((row) => WZW[0].map((_, l) => row.reduce((acc, mjk, k) => acc + mjk * WZW[k][l], 0)));
    const N = MA.map((row, j) => row.map((val, l) => (j === l ? 1 : 0) - val / theta));
    const u = solveDense(N, v);
    if (!u) return xc;
    const du = idx.map((i, a) => -r[a] / theta - dot(W[i], u) / (theta * theta));
    // Version 3.0: project x^c + d^u into the box; keep it if it is a descent direction from x.
    const xbar = xc.slice();
    let hit = false;
    idx.forEach((i, a) => {
      const v2 = Math.min(hi[i], Math.max(lo[i], xc[i] + du[a]));
      if (v2 === lo[i] || v2 === hi[i]) hit = true;
      xbar[i] = v2;
    });
    if (!hit) return xbar;
    let dd = 0;
    for (let i = 0; i < xbar.length; i++) dd += (xbar[i] - x[i]) * g[i];
    if (dd <= 0) return xbar;
    // Otherwise the original rule: the longest step α ≤ 1 along d^u that stays in the box.
    let alpha = 1;
    let hitAt = -1;
    idx.forEach((i, a) => {
      const dk = du[a];
      let t = alpha;
      if (dk < 0 && Number.isFinite(lo[i])) {
        const room = lo[i] - xc[i];
        if (room >= 0) t = 0;
        else if (dk * alpha < room) t = room / dk;
      } else if (dk > 0 && Number.isFinite(hi[i])) {
        const room = hi[i] - xc[i];
        if (room <= 0) t = 0;
        else if (dk * alpha > room) t = room / dk;
      }
      if (t < alpha) {
        alpha = t;
        hitAt = a;
      }
    });
    const out = xc.slice();
    idx.forEach((i, a) => (out[i] = xc[i] + alpha * du[a]));
    if (alpha < 1 && hitAt >= 0) {
      const i = idx[hitAt];
      out[i] = du[hitAt] > 0 ? hi[i] : lo[i];
    }
    return out;
  }
}
