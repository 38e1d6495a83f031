// Shared ask/tell plumbing: pending candidates, validation, best/history bookkeeping,
// budget/target/stagnation stops, and JSON (de)serialisation of the plain state.

import { decodeJson, encodeJson, type JsonValue } from "./json.ts";
import { Rng, seedRngState } from "./rng.ts";
import { OptimizerOptionError, Space } from "./space.ts";
import type {
  BestPoint,
  CommonOptions,
  Cost,
  HistoryEntry,
  Optimizer,
  OptimizerJSON,
  OptimizerType,
  StopReason,
  TellExtras,
} from "./types.ts";

/**
 * Thrown when an optimizer is driven wrongly, e.g. tell() with rows that are not the last ask()'s.
 *
 * @example
 * ```ts
 * import { CMAES, OptimizerUsageError } from "brainfit/optim";
 * const opt = new CMAES({ lower: [0], upper: [1], seed: 1 });
 * opt.ask();
 * try {
 *   opt.tell([[0.5]], [1]);
 * } catch (err) {
 *   if (err instanceof OptimizerUsageError) console.error(err.message);
 * }
 * ```
 */
export class OptimizerUsageError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "OptimizerUsageError";
  }
}

/** State every optimizer keeps; subclasses extend it. All plain JSON-able data. */
export interface BaseState {
  rng: number[];
  evaluations: number;
  iteration: number;
  best: BestPoint | null;
  history: HistoryEntry[];
  stopReason: StopReason | null;
  /** Internal-space candidates of the outstanding ask (null when none). */
  pending: number[][] | null;
  /** Iteration at which best last improved. */
  lastImprovement: number;
}

export function initialBaseState(seed: number): BaseState {
  return {
    rng: seedRngState(seed),
    evaluations: 0,
    iteration: 0,
    best: null,
    history: [],
    stopReason: null,
    pending: null,
    lastImprovement: 0,
  };
}

export abstract class OptimizerBase<O extends CommonOptions, S extends BaseState> implements Optimizer {
  abstract readonly type: OptimizerType;
  /** Resolved options (constructor input with defaults filled in); plain data. */
  readonly options: O;
  readonly space: Space;
  protected st: S;
  protected rng: Rng;

  protected constructor(options: O, space: Space, state: S) {
    this.options = options;
    this.space = space;
    this.st = state;
    this.rng = new Rng(state.rng);
    const budget = options.maxEvaluations;
    if (budget !== undefined && !(budget >= 1)) throw new OptimizerOptionError(`maxEvaluations must be >= 1, got ${budget}`);
  }

  get dim(): number {
    return this.space.dim;
  }
  get objectives(): number {
    return 1;
  }
  get done(): boolean {
    return this.st.stopReason !== null;
  }
  get stopReason(): StopReason | null {
    return this.st.stopReason;
  }
  get best(): BestPoint | null {
    return this.st.best;
  }
  get history(): readonly HistoryEntry[] {
    return this.st.history;
  }
  get evaluations(): number {
    return this.st.evaluations;
  }
  get iteration(): number {
    return this.st.iteration;
  }

  /** Produce the next internal-space candidates (non-empty), or call finish() and return []. */
  protected abstract propose(): number[][];
  /** Absorb costs of the pending internal-space candidates. Multi-objective optimizers get
   *  number[][] costs. grads (internal space) only when told. */
  protected abstract absorb(points: number[][], costs: number[] | number[][], grads?: number[][]): void;

  ask(): number[][] {
    if (this.st.stopReason !== null) return [];
    if (this.st.pending === null) {
      const pts = this.propose();
      if (this.st.stopReason !== null || pts.length === 0) {
        if (this.st.stopReason === null) this.finish("exhausted");
        return [];
      }
      this.st.pending = pts;
    }
    return this.st.pending.map((p) => this.space.toUser(p));
  }

  tell(candidates: ArrayLike<number>[], costs: ArrayLike<Cost>, extras?: TellExtras): void {
    const pending = this.st.pending;
    if (pending === null) throw new OptimizerUsageError(`${this.type}.tell: call ask() first (no candidates are outstanding)`);
    if (candidates.length !== pending.length || costs.length !== pending.length) {
      throw new OptimizerUsageError(
        `${this.type}.tell: expected ${pending.length} candidates and costs (as returned by ask()), got ${candidates.length} candidates and ${costs.length} costs`,
      );
    }
    const users = pending.map((p) => this.space.toUser(p));
    for (let k = 0; k < users.length; k++) {
      const c = candidates[k];
      if (c.length !== this.dim) {
        throw new OptimizerUsageError(`${this.type}.tell: candidate ${k} has ${c.length} entries, expected ${this.dim}`);
      }
      for (let i = 0; i < this.dim; i++) {
        if (c[i] !== users[k][i]) {
          throw new OptimizerUsageError(
            `${this.type}.tell: candidate ${k} differs from what ask() returned (tell the asked candidates, in order)`,
          );
        }
      }
    }
    const m = this.objectives;
    let scalar: number[];
    let multi: number[][] | null = null;
    if (m === 1) {
      scalar = Array.from(costs, (c, k) => {
        if (typeof c === "number") return c;
        if (c.length === 1) return c[0];
        throw new OptimizerUsageError(`${this.type}.tell: cost ${k} must be a number (single objective)`);
      });
    } else {
      multi = Array.from(costs, (c, k) => {
        if (typeof c === "number" || c.length !== m) {
          throw new OptimizerUsageError(`${this.type}.tell: cost ${k} must be an array of ${m} objective values`);
        }
        return Array.from(c);
      });
      scalar = multi.map((v) => (v.every(Number.isFinite) ? v[0] : NaN));
    }
    let grads: number[][] | undefined;
    if (extras?.grads !== undefined) {
      if (extras.grads.length !== pending.length) {
        throw new OptimizerUsageError(`${this.type}.tell: grads must have one gradient per candidate`);
      }
      grads = extras.grads.map((g, k) => {
        if (g.length !== this.dim) {
          throw new OptimizerUsageError(`${this.type}.tell: gradient ${k} has ${g.length} entries, expected ${this.dim}`);
        }
        return this.space.gradToInternal(users[k], g);
      });
    }
    this.st.pending = null;
    this.st.iteration++;
    let iterBest = Infinity;
    let invalid = 0;
    for (let k = 0; k < scalar.length; k++) {
      this.st.evaluations++;
      const f = scalar[k];
      if (!Number.isFinite(f)) {
        invalid++;
        continue;
      }
      if (f < iterBest) iterBest = f;
      if (m === 1 && (this.st.best === null || f < this.st.best.cost)) {
        this.st.best = { x: users[k], cost: f, evaluation: this.st.evaluations };
        this.st.lastImprovement = this.st.iteration;
      }
    }
    this.absorb(pending, multi ?? scalar, grads);
    const o = this.options;
    const bestCost = this.st.best?.cost ?? (m === 1 ? Infinity : iterBest);
    this.st.history.push({
      iteration: this.st.iteration,
      evaluations: this.st.evaluations,
      bestCost: m === 1 ? bestCost : this.historyBestCost(iterBest),
      iterationBestCost: iterBest,
      invalid,
    });
    if (m === 1 && o.targetCost !== undefined && this.st.best !== null && this.st.best.cost <= o.targetCost) {
      this.st.stopReason = "target";
    }
    if (this.st.stopReason === null) {
      if (o.maxEvaluations !== undefined && this.st.evaluations >= o.maxEvaluations) this.st.stopReason = "budget";
      else if (o.maxIterations !== undefined && this.st.iteration >= o.maxIterations) this.st.stopReason = "budget";
      else if (
        m === 1 && o.maxStagnationIterations !== undefined && this.st.iteration - this.st.lastImprovement >= o.maxStagnationIterations
      ) {
        this.st.stopReason = "stagnation";
      }
    }
  }

  /** For multi-objective history: best first objective seen so far. */
  protected historyBestCost(iterBest: number): number {
    const prev = this.st.history.length ? this.st.history[this.st.history.length - 1].bestCost : Infinity;
    return Math.min(prev, iterBest);
  }

  stop(): void {
    if (this.st.stopReason === null) this.st.stopReason = "stopped";
    this.st.pending = null;
  }

  /** Called by subclasses to stop with a reason (first reason wins). */
  protected finish(reason: StopReason): void {
    if (this.st.stopReason === null) this.st.stopReason = reason;
  }

  toJSON(): OptimizerJSON {
    return {
      format: "brainfit.optimizer",
      version: 1,
      type: this.type,
      options: encodeJson(this.options),
      state: encodeJson(this.st),
    };
  }

  /** Replace the state by a decoded one (used by fromJSON). */
  protected loadState(state: JsonValue): void {
    this.st = decodeJson(state) as S;
    this.rng = new Rng(this.st.rng);
  }
}

/** Parse/validate serialized optimizer JSON (object or string). */
export function parseOptimizerJSON(json: OptimizerJSON | string, expectType?: OptimizerType): OptimizerJSON {
  const obj = (typeof json === "string" ? JSON.parse(json) : json) as OptimizerJSON;
  if (obj === null || typeof obj !== "object" || obj.format !== "brainfit.optimizer") {
    throw new OptimizerUsageError('restore: not a serialized optimizer (format must be "brainfit.optimizer")');
  }
  if (obj.version !== 1) throw new OptimizerUsageError(`restore: unsupported version ${String(obj.version)} (this build reads version 1)`);
  if (expectType !== undefined && obj.type !== expectType) {
    throw new OptimizerUsageError(`restore: JSON holds a "${obj.type}" optimizer, not "${expectType}"`);
  }
  return obj;
}

/** Decode serialized options. */
export function decodeOptions<O>(obj: OptimizerJSON): O {
  return decodeJson(obj.options) as O;
}
