// Search space: user-space bounds plus per-parameter transforms. Optimizers work in the
// internal space (log10 for "log" parameters) and hand user-space values out.

import type { CommonOptions, ParamScale } from "./types.ts";

/**
 * Thrown for an unusable optimizer option (unknown name, wrong type, bounds out of order); the
 * message names the option.
 *
 * @example
 * ```ts
 * import { createOptimizer, OptimizerOptionError } from "brainfit/optim";
 * try {
 *   createOptimizer("cmaes", { lower: [1], upper: [0] });
 * } catch (err) {
 *   if (err instanceof OptimizerOptionError) console.error(err.message);
 * }
 * ```
 */
export class OptimizerOptionError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "OptimizerOptionError";
  }
}

export class Space {
  readonly dim: number;
  /** User-space bounds. */
  readonly lower: number[];
  readonly upper: number[];
  readonly scale: ParamScale[];
  /** Internal-space bounds. */
  readonly lo: number[];
  readonly hi: number[];

  constructor(opts: CommonOptions, x0?: ArrayLike<number>) {
    const dim = opts.dim ?? opts.lower?.length ?? opts.upper?.length ?? x0?.length ?? opts.scale?.length;
    if (dim === undefined || !Number.isInteger(dim) || dim < 1) {
      throw new OptimizerOptionError("dim: give dim, lower/upper bounds or x0 so the number of parameters is known (>= 1)");
    }
    this.dim = dim;
    const check = (name: string, arr: ArrayLike<unknown> | undefined) => {
      if (arr !== undefined && arr.length !== dim) {
        throw new OptimizerOptionError(`${name}: expected ${dim} entries, got ${arr.length}`);
      }
    };
    check("lower", opts.lower);
    check("upper", opts.upper);
    check("scale", opts.scale);
    this.lower = Array.from({ length: dim }, (_, i) => opts.lower?.[i] ?? -Infinity);
    this.upper = Array.from({ length: dim }, (_, i) => opts.upper?.[i] ?? Infinity);
    this.scale = Array.from({ length: dim }, (_, i) => opts.scale?.[i] ?? "linear");
    for (let i = 0; i < dim; i++) {
      const l = this.lower[i], u = this.upper[i];
      if (Number.isNaN(l) || Number.isNaN(u) || !(l < u)) {
        throw new OptimizerOptionError(`lower/upper[${i}]: need lower < upper, got [${l}, ${u}]`);
      }
      if (this.scale[i] === "log" && !(l > 0)) {
        throw new OptimizerOptionError(`scale[${i}] is "log": lower[${i}] must be > 0, got ${l}`);
      }
      if (this.scale[i] !== "log" && this.scale[i] !== "linear") {
        throw new OptimizerOptionError(`scale[${i}]: expected "linear" or "log", got ${String(this.scale[i])}`);
      }
    }
    this.lo = this.lower.map((l, i) => (this.scale[i] === "log" ? Math.log10(l) : l));
    this.hi = this.upper.map((u, i) => (this.scale[i] === "log" ? Math.log10(u) : u));
  }

  /** True when every internal bound is finite. */
  get bounded(): boolean {
    return this.lo.every(Number.isFinite) && this.hi.every(Number.isFinite);
  }

  requireBounded(who: string): void {
    if (!this.bounded) {
      throw new OptimizerOptionError(`${who}: lower and upper must be finite for every parameter (this optimizer samples the whole box)`);
    }
  }

  /** Internal → user, clamped into the user bounds (so log round-off never leaves them). */
  toUser(u: ArrayLike<number>): number[] {
    const x = new Array<number>(this.dim);
    for (let i = 0; i < this.dim; i++) {
      let v = this.scale[i] === "log" ? Math.pow(10, u[i]) : u[i];
      if (v < this.lower[i]) v = this.lower[i];
      else if (v > this.upper[i]) v = this.upper[i];
      x[i] = v;
    }
    return x;
  }

  /** User → internal. */
  toInternal(x: ArrayLike<number>): number[] {
    const u = new Array<number>(this.dim);
    for (let i = 0; i < this.dim; i++) u[i] = this.scale[i] === "log" ? Math.log10(x[i]) : x[i];
    return u;
  }

  /** Gradient w.r.t. user-space x → gradient w.r.t. internal u (chain rule). */
  gradToInternal(x: ArrayLike<number>, g: ArrayLike<number>): number[] {
    const out = new Array<number>(this.dim);
    for (let i = 0; i < this.dim; i++) out[i] = this.scale[i] === "log" ? g[i] * x[i] * Math.LN10 : g[i];
    return out;
  }

  /** Clip an internal point into the internal bounds (in place) and return it. */
  clip(u: number[]): number[] {
    for (let i = 0; i < this.dim; i++) {
      if (u[i] < this.lo[i]) u[i] = this.lo[i];
      else if (u[i] > this.hi[i]) u[i] = this.hi[i];
    }
    return u;
  }

  /** Internal-space width of parameter i (Infinity when unbounded). */
  width(i: number): number {
    return this.hi[i] - this.lo[i];
  }
}

/** Non-finite costs (NaN, ±Infinity) rank after every finite cost. */
export function rankableCost(c: number): number {
  return Number.isFinite(c) ? c : Infinity;
}

/** Indices sorted by cost, non-finite last, ties broken by index (deterministic). */
export function argsortCosts(costs: ArrayLike<number>): number[] {
  const idx = Array.from({ length: costs.length }, (_, i) => i);
  const key = Array.from(costs, rankableCost);
  idx.sort((a, b) => (key[a] < key[b] ? -1 : key[a] > key[b] ? 1 : a - b));
  return idx;
}

/** a is strictly better than b (non-finite treated as worst; NaN never better). */
export function better(a: number, b: number): boolean {
  return rankableCost(a) < rankableCost(b);
}
