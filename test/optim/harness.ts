// Shared helpers for the cross-optimizer property tests.
import { createOptimizer, type OptimizerOptionsByType } from "../../src/optim/registry.ts";
import type { CommonOptions, Optimizer, OptimizerType, ParamScale } from "../../src/optim/types.ts";

export interface Box {
  lower: number[];
  upper: number[];
  scale?: ParamScale[];
}

/** Small, fast configurations of every optimizer type on a box. */
export function makeOptimizer(kind: string, box: Box, seed: number): Optimizer {
  const base: CommonOptions = { lower: box.lower, upper: box.upper, scale: box.scale, seed };
  const n = box.lower.length;
  const make = <K extends OptimizerType>(k: K, o: OptimizerOptionsByType[K]) => createOptimizer(k, o);
  switch (kind) {
    case "cmaes":
      return make("cmaes", { ...base, popsize: 6 });
    case "nsga2":
      return make("nsga2", { ...base, objectives: 2, popsize: 8 });
    case "de":
      return make("de", { ...base, popsize: 8 });
    case "de-ctb":
      return make("de", { ...base, popsize: 8, strategy: "current-to-best/1/bin" });
    case "pso":
      return make("pso", { ...base, popsize: 8 });
    case "pso-ring":
      return make("pso", { ...base, popsize: 8, topology: "ring" });
    case "nelder-mead":
      return make("nelder-mead", base);
    case "lbfgsb":
      return make("lbfgsb", base);
    case "lbfgsb-grad":
      return make("lbfgsb", { ...base, gradient: "supplied" });
    case "adam":
      return make("adam", { ...base, learningRate: 0.05 });
    case "bo":
      return make("bo", { ...base, initialPoints: 4, batchSize: 2, candidates: 64, refine: 1, hyperRestarts: 1 });
    case "grid":
      return make("grid", { ...base, points: 3, batchSize: 5 });
    case "random":
      return make("random", { ...base, batchSize: 4 });
    case "sobol":
      return make("sobol", { ...base, batchSize: 4, scramble: seed % 2 === 1 });
    case "lhs":
      return make("lhs", { ...base, samples: 4 * n + 3, batchSize: 3 });
    default:
      throw new Error(`unknown kind ${kind}`);
  }
}

export const KINDS = [
  "cmaes",
  "nsga2",
  "de",
  "de-ctb",
  "pso",
  "pso-ring",
  "nelder-mead",
  "lbfgsb",
  "lbfgsb-grad",
  "adam",
  "bo",
  "grid",
  "random",
  "sobol",
  "lhs",
];

export const needsGrads = (kind: string) => kind === "adam" || kind === "lbfgsb-grad";

/** Test cost: shifted sphere in the box's normalised coordinates, with non-finite values
 *  where `invalid(x)` says so. Multi-objective: [f, f2]. */
export function evaluate(opt: Optimizer, box: Box, xs: number[][], invalid: (x: number[], k: number) => number | null) {
  const n = box.lower.length;
  const centre = box.lower.map((l, i) => (box.scale?.[i] === "log" ? Math.sqrt(l * box.upper[i]) : l + 0.3 * (box.upper[i] - l)));
  const width = box.lower.map((l, i) => (box.scale?.[i] === "log" ? Math.log(box.upper[i] / l) : box.upper[i] - l));
  const f = (x: number[]) => {
    let s = 0;
    for (let i = 0; i < n; i++) {
      const t = box.scale?.[i] === "log" ? Math.log(x[i] / centre[i]) / width[i] : (x[i] - centre[i]) / width[i];
      s += t * t;
    }
    return s;
  };
  const grad = (x: number[]) =>
    x.map((xi, i) => {
      if (box.scale?.[i] === "log") return (2 * Math.log(xi / centre[i])) / (width[i] * width[i] * xi);
      return (2 * (xi - centre[i])) / (width[i] * width[i]);
    });
  const costs = xs.map((x, k) => {
    const bad = invalid(x, k);
    const v = bad ?? f(x);
    return opt.objectives > 1 ? [v, bad ?? 1 - Math.sqrt(Math.min(1, f(x)))] : v;
  });
  const grads = xs.map((x, k) => (invalid(x, k) !== null ? x.map(() => NaN) : grad(x)));
  return { costs, grads };
}

export function step(opt: Optimizer, kind: string, box: Box, invalid: (x: number[], k: number) => number | null = () => null): number[][] {
  const xs = opt.ask();
  if (xs.length === 0) return xs;
  const { costs, grads } = evaluate(opt, box, xs, invalid);
  opt.tell(xs, costs, needsGrads(kind) ? { grads } : undefined);
  return xs;
}
