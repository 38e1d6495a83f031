// brainfit optimizers: ask/tell, batched, serialisable. See docs/optim.md.
export type {
  BestPoint, CommonOptions, Cost, HistoryEntry, Optimizer, OptimizerJSON, OptimizerType, ParamScale, StopReason, TellExtras,
} from "./types.ts";
export { OptimizerUsageError } from "./base.ts";
export { OptimizerOptionError, Space } from "./space.ts";
export { Rng, seedRngState, type RngState } from "./rng.ts";
export { encodeJson, decodeJson, type JsonValue } from "./json.ts";
export { symmetricEigen, choleskyWithJitter } from "./linalg.ts";
export { CMAES, type CMAESOptions } from "./cmaes.ts";
export { NSGA2, dominates, nonDominatedSort, crowdingDistance, type NSGA2Options, type ParetoPoint } from "./nsga2.ts";
export { hypervolume } from "./hypervolume.ts";
export { DifferentialEvolution, type DEOptions, type DEStrategy } from "./de.ts";
export { ParticleSwarm, type PSOOptions } from "./pso.ts";
export { NelderMead, type NelderMeadOptions } from "./neldermead.ts";
export { LBFGSB, type LBFGSBOptions } from "./lbfgsb.ts";
export { Adam, type AdamOptions } from "./adam.ts";
export { BayesianOptimization, type BOOptions } from "./bo.ts";
export { GaussianProcess, expectedImprovement, type GPHyper } from "./gp.ts";
export {
  GridSearch, RandomSearch, SobolSearch, LatinHypercube,
  type GridOptions, type SamplerOptions, type SobolOptions, type LHSOptions,
} from "./sampling.ts";
export { BatchDriver, type BatchSlice, type BatchDriverJSON } from "./batch.ts";
export {
  createOptimizer, restoreOptimizer, OPTIMIZER_TYPES, type OptimizerOptionsByType, type OptimizerByType,
} from "./registry.ts";
