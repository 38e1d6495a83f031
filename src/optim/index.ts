// brainfit/optim: optimizers with an ask/tell interface, batched and JSON-serialisable
// (docs/optim.md).
// Public surface: every name here is documented with an example (test/layout/public-api.test.ts).
export type { Optimizer, OptimizerJSON, OptimizerType } from "./types.ts";
export { OptimizerUsageError } from "./base.ts";
export { OptimizerOptionError } from "./space.ts";
export { createOptimizer, OPTIMIZER_TYPES, type OptimizerOptionsByType, restoreOptimizer } from "./registry.ts";
export { CMAES } from "./cmaes.ts";
export { NSGA2, type ParetoPoint } from "./nsga2.ts";
export { hypervolume } from "./hypervolume.ts";
export { DifferentialEvolution } from "./de.ts";
export { ParticleSwarm } from "./pso.ts";
export { NelderMead } from "./neldermead.ts";
export { LBFGSB } from "./lbfgsb.ts";
export { Adam } from "./adam.ts";
export { BayesianOptimization } from "./bo.ts";
export { GridSearch, LatinHypercube, RandomSearch, SobolSearch } from "./sampling.ts";
export { BatchDriver } from "./batch.ts";
