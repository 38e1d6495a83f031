// Non-adaptive designs behind the ask/tell interface: grid, uniform random, Sobol
// (Joe–Kuo direction numbers, Gray-code order, optional random digital shift) and Latin
// hypercube sampling. All sample the internal box (so "log" parameters are log-uniform).

import { type BaseState, decodeOptions, initialBaseState, OptimizerBase, parseOptimizerJSON } from "./base.ts";
import { SOBOL_DIRECTION_TABLE, SOBOL_MAX_DIM } from "./sobol-directions.ts";
import { OptimizerOptionError, Space } from "./space.ts";
import type { CommonOptions, OptimizerJSON } from "./types.ts";

export interface SamplerOptions extends CommonOptions {
  /** Candidates per ask(). Default 10 (grid: 100; Latin hypercube: the whole design). */
  batchSize?: number;
}

function checkBatch(who: string, b: number): void {
  if (!Number.isInteger(b) || b < 1) throw new OptimizerOptionError(`${who}: batchSize must be an integer >= 1, got ${b}`);
}

interface CountState extends BaseState {
  produced: number;
}

// ---------------------------------------------------------------- random

/**
 * Uniform random samples within the bounds (log-uniform on log-scaled dimensions).
 *
 * @example
 * ```ts
 * import { RandomSearch } from "brainfit/optim";
 * const rs = new RandomSearch({ lower: [0], upper: [1], seed: 1, batchSize: 8, maxEvaluations: 64 });
 * while (!rs.done) { const xs = rs.ask(); rs.tell(xs, xs.map(([a]) => Math.abs(a! - 0.42))); }
 * ```
 */
export class RandomSearch extends OptimizerBase<SamplerOptions, CountState> {
  readonly type = "random" as const;

  constructor(options: SamplerOptions) {
    const space = new Space(options);
    space.requireBounded("random");
    const resolved: SamplerOptions = { ...options, dim: space.dim, batchSize: options.batchSize ?? 10, seed: options.seed ?? 0 };
    checkBatch("random", resolved.batchSize!);
    super(resolved, space, { ...initialBaseState(resolved.seed ?? 0), produced: 0 });
  }

  static fromJSON(json: OptimizerJSON | string): RandomSearch {
    const obj = parseOptimizerJSON(json, "random");
    const opt = new RandomSearch(decodeOptions<SamplerOptions>(obj));
    opt.loadState(obj.state);
    return opt;
  }

  protected propose(): number[][] {
    const { lo, hi } = this.space;
    const b = this.options.batchSize ?? 10;
    this.st.produced += b;
    return Array.from({ length: b }, () => lo.map((l, i) => this.rng.uniformIn(l, hi[i])));
  }

  protected absorb(): void {}
}

// ---------------------------------------------------------------- grid

export interface GridOptions extends SamplerOptions {
  /** Grid points per parameter (one number for all, or one per parameter; >= 1; 1 means
   *  the box centre). Default 10. Points include both bounds. */
  points?: number | number[];
}

/**
 * A full grid over the bounds (points per dimension), asked in batches; done when exhausted.
 *
 * @example
 * ```ts
 * import { GridSearch } from "brainfit/optim";
 * const grid = new GridSearch({ lower: [0, 0], upper: [1, 1], points: [5, 3], batchSize: 15 });
 * const xs = grid.ask(); // all 15 grid points
 * grid.tell(xs, xs.map(([a, b]) => a! + b!));
 * ```
 */
export class GridSearch extends OptimizerBase<GridOptions, CountState> {
  readonly type = "grid" as const;

  constructor(options: GridOptions) {
    const space = new Space(options);
    space.requireBounded("grid");
    const p = options.points ?? 10;
    const points = typeof p === "number" ? new Array<number>(space.dim).fill(p) : p.slice();
    if (points.length !== space.dim || !points.every((k) => Number.isInteger(k) && k >= 1)) {
      throw new OptimizerOptionError(`grid: points must be an integer >= 1 or ${space.dim} such integers`);
    }
    const resolved: GridOptions = { ...options, dim: space.dim, points, batchSize: options.batchSize ?? 100, seed: options.seed ?? 0 };
    checkBatch("grid", resolved.batchSize!);
    super(resolved, space, { ...initialBaseState(resolved.seed ?? 0), produced: 0 });
  }

  static fromJSON(json: OptimizerJSON | string): GridSearch {
    const obj = parseOptimizerJSON(json, "grid");
    const opt = new GridSearch(decodeOptions<GridOptions>(obj));
    opt.loadState(obj.state);
    return opt;
  }

  /** Total number of grid points. */
  get size(): number {
    return (this.options.points as number[]).reduce((a, k) => a * k, 1);
  }

  protected propose(): number[][] {
    const counts = this.options.points as number[];
    const total = this.size;
    const { lo, hi } = this.space;
    const out: number[][] = [];
    const b = this.options.batchSize ?? 100;
    while (out.length < b && this.st.produced < total) {
      // Mixed-radix digits of the running index; the last parameter varies fastest.
      let idx = this.st.produced++;
      const x = new Array<number>(this.dim);
      for (let i = this.dim - 1; i >= 0; i--) {
        const k = counts[i];
        const j = idx % k;
        idx = Math.floor(idx / k);
        x[i] = k === 1 ? 0.5 * (lo[i] + hi[i]) : j === k - 1 ? hi[i] : lo[i] + ((hi[i] - lo[i]) * j) / (k - 1);
      }
      out.push(x);
    }
    return out;
  }

  protected absorb(): void {
    if (this.st.produced >= this.size) this.finish("exhausted");
  }
}

// ---------------------------------------------------------------- Sobol

const SOBOL_BITS = 32;
const directionCache = new Map<number, Uint32Array>();
let parsedTable: number[][] | null = null;

/** Direction integers v_1..v_32 (scaled to 32 bits) of Sobol dimension d (0-based). */
export function sobolDirections(d: number): Uint32Array {
  const cached = directionCache.get(d);
  if (cached) return cached;
  if (d < 0 || d >= SOBOL_MAX_DIM) throw new OptimizerOptionError(`sobol: supports up to ${SOBOL_MAX_DIM} dimensions`);
  parsedTable ??= SOBOL_DIRECTION_TABLE.split("\n").map((line) => line.trim().split(/\s+/).map(Number));
  const [poly, ...m] = parsedTable[d];
  const v = new Uint32Array(SOBOL_BITS + 1); // 1-based
  if (poly === 1) {
    for (let k = 1; k <= SOBOL_BITS; k++) v[k] = (1 << (SOBOL_BITS - k)) >>> 0;
  } else {
    const s = Math.floor(Math.log2(poly));
    for (let k = 1; k <= Math.min(s, SOBOL_BITS); k++) v[k] = (m[k - 1] << (SOBOL_BITS - k)) >>> 0;
    for (let k = s + 1; k <= SOBOL_BITS; k++) {
      let x = (v[k - s] ^ (v[k - s] >>> s)) >>> 0;
      for (let i = 1; i < s; i++) if ((poly >>> (s - i)) & 1) x = (x ^ v[k - i]) >>> 0;
      v[k] = x;
    }
  }
  directionCache.set(d, v);
  return v;
}

export interface SobolOptions extends SamplerOptions {
  /** Apply a random digital shift (XOR of each coordinate's bits with a seeded random
   *  word): keeps the net structure, removes the point at the origin. Default false. */
  scramble?: boolean;
  /** Points to skip at the start. Default 0. */
  skip?: number;
}

interface SobolState extends CountState {
  /** Current Gray-code integers per dimension, and the digital shift. */
  X: number[];
  shift: number[];
}

/**
 * Sobol low-discrepancy samples (optionally scrambled) within the bounds.
 *
 * @example
 * ```ts
 * import { SobolSearch } from "brainfit/optim";
 * const s = new SobolSearch({ lower: [0, 0], upper: [1, 1], scramble: true, seed: 1, batchSize: 16, maxEvaluations: 64 });
 * while (!s.done) { const xs = s.ask(); s.tell(xs, xs.map(([a, b]) => a! * b!)); }
 * ```
 */
export class SobolSearch extends OptimizerBase<SobolOptions, SobolState> {
  readonly type = "sobol" as const;

  constructor(options: SobolOptions) {
    const space = new Space(options);
    space.requireBounded("sobol");
    if (space.dim > SOBOL_MAX_DIM) throw new OptimizerOptionError(`sobol: dim must be <= ${SOBOL_MAX_DIM}, got ${space.dim}`);
    const resolved: SobolOptions = {
      ...options,
      dim: space.dim,
      batchSize: options.batchSize ?? 10,
      seed: options.seed ?? 0,
      scramble: options.scramble ?? false,
      skip: options.skip ?? 0,
    };
    checkBatch("sobol", resolved.batchSize!);
    const st: SobolState = { ...initialBaseState(resolved.seed ?? 0), produced: 0, X: new Array<number>(space.dim).fill(0), shift: [] };
    super(resolved, space, st);
    this.st.shift = resolved.scramble
      ? Array.from({ length: space.dim }, () => this.rng.nextUint32())
      : new Array<number>(space.dim).fill(0);
    for (let k = 0; k < (resolved.skip ?? 0); k++) this.nextUnit();
  }

  static fromJSON(json: OptimizerJSON | string): SobolSearch {
    const obj = parseOptimizerJSON(json, "sobol");
    const opt = new SobolSearch(decodeOptions<SobolOptions>(obj));
    opt.loadState(obj.state);
    return opt;
  }

  /** Next point of the sequence in [0,1)^dim (the first is the origin unless scrambled). */
  nextUnit(): number[] {
    const s = this.st;
    const out = s.X.map((x, d) => ((x ^ s.shift[d]) >>> 0) / 4294967296);
    // Gray code: flip the direction number of the lowest zero bit of the index.
    let n = s.produced;
    let c = 1;
    while (n & 1) {
      n = Math.floor(n / 2);
      c++;
    }
    if (c > SOBOL_BITS) throw new OptimizerOptionError("sobol: sequence exhausted (2^32 points)");
    for (let d = 0; d < this.dim; d++) s.X[d] = (s.X[d] ^ sobolDirections(d)[c]) >>> 0;
    s.produced++;
    return out;
  }

  protected propose(): number[][] {
    const { lo, hi } = this.space;
    return Array.from(
      { length: this.options.batchSize ?? 10 },
      () => this.nextUnit().map((u, i) => Math.min(hi[i], lo[i] + u * (hi[i] - lo[i]))),
    );
  }

  protected absorb(): void {}
}

// ---------------------------------------------------------------- Latin hypercube

export interface LHSOptions extends SamplerOptions {
  /** Design size. Default 10·dim. */
  samples?: number;
  /** Put each point at the centre of its stratum instead of uniformly inside it. Default false. */
  centered?: boolean;
}

interface LHSState extends CountState {
  design: number[][];
}

/**
 * A Latin hypercube design: `samples` points, one per stratum in every dimension.
 *
 * @example
 * ```ts
 * import { LatinHypercube } from "brainfit/optim";
 * const lhs = new LatinHypercube({ lower: [0, 0], upper: [1, 1], samples: 20, seed: 1, batchSize: 20 });
 * const xs = lhs.ask();
 * lhs.tell(xs, xs.map(([a, b]) => a! + b!));
 * ```
 */
export class LatinHypercube extends OptimizerBase<LHSOptions, LHSState> {
  readonly type = "lhs" as const;

  constructor(options: LHSOptions) {
    const space = new Space(options);
    space.requireBounded("lhs");
    const samples = options.samples ?? 10 * space.dim;
    if (!Number.isInteger(samples) || samples < 1) throw new OptimizerOptionError(`lhs: samples must be an integer >= 1, got ${samples}`);
    const resolved: LHSOptions = {
      ...options,
      dim: space.dim,
      samples,
      batchSize: options.batchSize ?? samples,
      seed: options.seed ?? 0,
      centered: options.centered ?? false,
    };
    checkBatch("lhs", resolved.batchSize!);
    super(resolved, space, { ...initialBaseState(resolved.seed ?? 0), produced: 0, design: [] });
  }

  static fromJSON(json: OptimizerJSON | string): LatinHypercube {
    const obj = parseOptimizerJSON(json, "lhs");
    const opt = new LatinHypercube(decodeOptions<LHSOptions>(obj));
    opt.loadState(obj.state);
    return opt;
  }

  protected propose(): number[][] {
    const N = this.options.samples ?? 1;
    const { lo, hi } = this.space;
    if (this.st.design.length === 0) {
      const cols = lo.map(() => this.rng.permutation(N));
      this.st.design = Array.from({ length: N }, (_, k) =>
        lo.map((l, i) => {
          const u = (cols[i][k] + (this.options.centered ? 0.5 : this.rng.uniform())) / N;
          return Math.min(hi[i], l + u * (hi[i] - l));
        }));
    }
    const b = this.options.batchSize ?? N;
    const out = this.st.design.slice(this.st.produced, this.st.produced + b);
    this.st.produced += out.length;
    return out;
  }

  protected absorb(): void {
    if (this.st.produced >= (this.options.samples ?? 0)) this.finish("exhausted");
  }
}
