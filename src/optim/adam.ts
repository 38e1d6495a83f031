// Adam (Kingma & Ba 2015) on told gradients, projected onto the bounds after each step.
// ask() returns the single current point; tell(..., { grads }) is required.

import { type BaseState, decodeOptions, initialBaseState, OptimizerBase, OptimizerUsageError, parseOptimizerJSON } from "./base.ts";
import { OptimizerOptionError, Space } from "./space.ts";
import type { CommonOptions, OptimizerJSON } from "./types.ts";

export interface AdamOptions extends CommonOptions {
  /** Start point (user space). Default: centre of finite bounds. */
  x0?: number[];
  /** Learning rate (internal-space step scale). Default 0.01. */
  learningRate?: number;
  beta1?: number;
  beta2?: number;
  epsilon?: number;
  /** Stop ("tolerance") when the projected gradient's max-norm is below gtol. Default 0 (never). */
  gtol?: number;
}

interface AdamState extends BaseState {
  x: number[];
  m: number[];
  v: number[];
  /** Number of Adam steps taken (bias correction). */
  t: number;
  /** Last point with a finite cost and gradient (fallback after a non-finite one). */
  lastGood: number[] | null;
}

/**
 * Adam (Kingma & Ba) with projection onto the bounds; needs gradients (tell's `grads`).
 *
 * @example
 * ```ts
 * import { Adam } from "brainfit/optim";
 * const opt = new Adam({ lower: [-1], upper: [1], x0: [0.9], learningRate: 0.05, maxIterations: 200 });
 * while (!opt.done) {
 *   const xs = opt.ask();
 *   opt.tell(xs, xs.map(([a]) => a! ** 2), { grads: xs.map(([a]) => [2 * a!]) });
 * }
 * ```
 */
export class Adam extends OptimizerBase<AdamOptions, AdamState> {
  readonly type = "adam" as const;

  constructor(options: AdamOptions) {
    const space = new Space(options, options.x0);
    const n = space.dim;
    const x0 = options.x0 ?? (space.bounded ? space.toUser(space.lo.map((l, i) => 0.5 * (l + space.hi[i]))) : undefined);
    if (x0 === undefined || x0.length !== n || !x0.every(Number.isFinite)) {
      throw new OptimizerOptionError(`adam: x0 (${n} finite numbers) is required when the bounds are not all finite`);
    }
    const resolved: AdamOptions = {
      ...options,
      dim: n,
      x0: x0.slice(),
      learningRate: options.learningRate ?? 0.01,
      beta1: options.beta1 ?? 0.9,
      beta2: options.beta2 ?? 0.999,
      epsilon: options.epsilon ?? 1e-8,
      gtol: options.gtol ?? 0,
      seed: options.seed ?? 0,
    };
    if (!(resolved.learningRate! > 0)) throw new OptimizerOptionError(`adam: learningRate must be > 0, got ${resolved.learningRate}`);
    super(resolved, space, {
      ...initialBaseState(resolved.seed ?? 0),
      x: space.clip(space.toInternal(x0)),
      m: new Array<number>(n).fill(0),
      v: new Array<number>(n).fill(0),
      t: 0,
      lastGood: null,
    });
  }

  static fromJSON(json: OptimizerJSON | string): Adam {
    const obj = parseOptimizerJSON(json, "adam");
    const opt = new Adam(decodeOptions<AdamOptions>(obj));
    opt.loadState(obj.state);
    return opt;
  }

  protected propose(): number[][] {
    return [this.st.x.slice()];
  }

  protected absorb(points: number[][], costs: number[], grads?: number[][]): void {
    if (grads === undefined) throw new OptimizerUsageError("adam.tell: pass { grads } (Adam needs the gradient of every told point)");
    const s = this.st;
    const g = grads[0];
    if (!Number.isFinite(costs[0]) || !g.every(Number.isFinite)) {
      // Diverged here: move halfway back to the last good point (or stay if none, and shrink
      // nothing else), so the next ask differs and the run cannot stall on one point.
      if (s.lastGood !== null) s.x = s.x.map((xi, i) => 0.5 * (xi + (s.lastGood as number[])[i]));
      else this.finish("failed");
      return;
    }
    s.lastGood = points[0].slice();
    const { lo, hi } = this.space;
    let pg = 0;
    for (let i = 0; i < this.dim; i++) pg = Math.max(pg, Math.abs(Math.min(hi[i], Math.max(lo[i], s.x[i] - g[i])) - s.x[i]));
    if (pg <= (this.options.gtol ?? 0)) {
      this.finish("tolerance");
      return;
    }
    const b1 = this.options.beta1 ?? 0.9, b2 = this.options.beta2 ?? 0.999, eps = this.options.epsilon ?? 1e-8;
    const lr = this.options.learningRate ?? 0.01;
    s.t++;
    const c1 = 1 - Math.pow(b1, s.t), c2 = 1 - Math.pow(b2, s.t);
    for (let i = 0; i < this.dim; i++) {
      s.m[i] = b1 * s.m[i] + (1 - b1) * g[i];
      s.v[i] = b2 * s.v[i] + (1 - b2) * g[i] * g[i];
      s.x[i] -= (lr * (s.m[i] / c1)) / (Math.sqrt(s.v[i] / c2) + eps);
    }
    this.space.clip(s.x);
  }
}
