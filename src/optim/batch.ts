// Drive many optimizer instances in lockstep: one combined population out (for one batched
// simulation), costs split back, each instance stopping on its own.

import { OptimizerUsageError } from "./base.ts";
import { restoreOptimizer } from "./registry.ts";
import type { Cost, Optimizer, OptimizerJSON, TellExtras } from "./types.ts";

/** Which rows of the combined population belong to which optimizer. */
export interface BatchSlice {
  /** Index into driver.optimizers. */
  optimizer: number;
  /** First row in the combined population. */
  start: number;
  /** Number of rows. */
  count: number;
}

export interface BatchDriverJSON {
  format: "brainfit.batch";
  version: 1;
  optimizers: OptimizerJSON[];
}

/**
 * Several optimizers in lockstep: one combined ask() (every running optimizer's candidates) and
 * one tell() with all the costs, split back; each sees what it would see alone.
 *
 * @example
 * ```ts
 * import { BatchDriver, createOptimizer } from "brainfit/optim";
 * const lower = [0, 0], upper = [1, 1];
 * const driver = new BatchDriver([
 *   createOptimizer("cmaes", { lower, upper, seed: 1, maxEvaluations: 200 }),
 *   createOptimizer("de", { lower, upper, seed: 2, maxEvaluations: 200 }),
 * ]);
 * await driver.run((xs) => xs.map(([a, b]) => (a! - 0.5) ** 2 + b! ** 2));
 * ```
 */
export class BatchDriver {
  readonly optimizers: Optimizer[];
  private lastSlices: BatchSlice[] | null = null;
  private lastCandidates: number[][] | null = null;

  constructor(optimizers: Optimizer[]) {
    if (optimizers.length === 0) throw new OptimizerUsageError("BatchDriver: give at least one optimizer");
    this.optimizers = optimizers;
  }

  /** True when every optimizer is done. */
  get done(): boolean {
    return this.optimizers.every((o) => o.done);
  }

  /** Row ownership of the last ask() (empty before the first). */
  get slices(): readonly BatchSlice[] {
    return this.lastSlices ?? [];
  }

  /** Combined candidates of all running optimizers, in optimizer order. Rows of an
   *  optimizer are contiguous; see slices. Optimizers that are done contribute nothing. */
  ask(): number[][] {
    const all: number[][] = [];
    const slices: BatchSlice[] = [];
    this.optimizers.forEach((o, i) => {
      if (o.done) return;
      const c = o.ask();
      if (c.length === 0) return;
      slices.push({ optimizer: i, start: all.length, count: c.length });
      for (const row of c) all.push(row);
    });
    this.lastSlices = slices;
    this.lastCandidates = all;
    return all;
  }

  /** Tell costs (and optional gradients) for the whole combined population of the last ask(). */
  tell(costs: ArrayLike<Cost>, extras?: TellExtras): void {
    const slices = this.lastSlices;
    const cands = this.lastCandidates;
    if (slices === null || cands === null) throw new OptimizerUsageError("BatchDriver.tell: call ask() first");
    if (costs.length !== cands.length) {
      throw new OptimizerUsageError(`BatchDriver.tell: expected ${cands.length} costs (one per combined candidate), got ${costs.length}`);
    }
    if (extras?.grads !== undefined && extras.grads.length !== cands.length) {
      throw new OptimizerUsageError(`BatchDriver.tell: expected ${cands.length} gradients, got ${extras.grads.length}`);
    }
    const costArr = Array.from(costs);
    for (const s of slices) {
      const part = cands.slice(s.start, s.start + s.count);
      const grads = extras?.grads?.slice(s.start, s.start + s.count);
      this.optimizers[s.optimizer].tell(part, costArr.slice(s.start, s.start + s.count), grads ? { grads } : undefined);
    }
    this.lastSlices = null;
    this.lastCandidates = null;
  }

  /** Ask/evaluate/tell until every optimizer is done or maxRounds rounds ran. */
  async run(evaluate: (candidates: number[][]) => Promise<ArrayLike<Cost>> | ArrayLike<Cost>, maxRounds = Infinity): Promise<void> {
    for (let round = 0; round < maxRounds && !this.done; round++) {
      const c = this.ask();
      if (c.length === 0) break;
      this.tell(await evaluate(c));
    }
  }

  /** Serialise every optimizer (an outstanding ask is kept by each optimizer, so asking again
   *  after restore returns the same combined population). */
  toJSON(): BatchDriverJSON {
    return { format: "brainfit.batch", version: 1, optimizers: this.optimizers.map((o) => o.toJSON()) };
  }

  static fromJSON(json: BatchDriverJSON | string): BatchDriver {
    const obj = (typeof json === "string" ? JSON.parse(json) : json) as BatchDriverJSON;
    if (obj?.format !== "brainfit.batch" || obj.version !== 1) {
      throw new OptimizerUsageError('BatchDriver.fromJSON: expected {format: "brainfit.batch", version: 1}');
    }
    return new BatchDriver(obj.optimizers.map((o) => restoreOptimizer(o)));
  }
}
