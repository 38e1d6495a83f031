// brainfit/fit: fitting problems, batched evaluation, runs with results on disk, JSON configs.
// Public surface: every name here is documented with an example (test/layout/public-api.test.ts).
export { FitConfigError } from "../schema/validate.ts";
export { defineProblem, FitProblem, type FitProblemSpec } from "./problem.ts";
export { type EvalRequest, type EvalResult, evaluateBatch } from "./evaluate.ts";
export { batchOptimize, FitRunError, optimize, type OptimizeOptions, type ProgressInfo, type RunResult } from "./run.ts";
export {
  type ConfigContext,
  type ConfiguredRun,
  type DataRef,
  type FitConfig,
  problemsFromConfig,
  runsFromConfig,
  validateConfig,
} from "./config.ts";
export { QUICKSTART_CONFIG } from "./quickstart.ts";
export { fitFromConfig, type FitFromConfigOptions } from "./from-config.ts";
export { summarize } from "./summary.ts";
export { valueAndGrad, valueAndGradRequests } from "./gradients.ts";
export { NotDifferentiableError } from "../grad/losses.ts";
