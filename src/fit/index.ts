// brainfit fitting: problems, batched evaluation, runs with results on disk, JSON configs.
export { FitConfigError, validate, didYouMean, editDistance, type Schema, type FieldSchema } from "../schema/validate.ts";
export {
  FitProblem, defineProblem, averageRangePenalty, averageTargetPenalty,
  type FitProblemSpec, type FicSettings, type ResolvedFic, type FreeParameter, type FitTarget, type FitSimulationSettings, type Penalty, type LaneOutputs, type FitDimension,
} from "./problem.ts";
export { evaluateBatch, scoreLane, simulationGroupKey, type EvalRequest, type EvalResult, type EvalStatus, type EvaluateOptions, type EvaluationBatch } from "./evaluate.ts";
export { optimize, batchOptimize, runFolders, FitRunError, type OptimizeOptions, type RunResult, type BestRecord, type ProgressInfo } from "./run.ts";
export {
  validateConfig, problemsFromConfig, optimizersFor, runsFromConfig, deepMerge, DataLoader,
  type FitConfig, type DataRef, type ConfigContext, type ConfiguredRun, type LoadedArray,
} from "./config.ts";
export { QUICKSTART_CONFIG } from "./quickstart.ts";
export { fitFromConfig, type FitFromConfigOptions } from "./from-config.ts";
export { summarize } from "./summary.ts";
