// Gradients through the simulation (docs/gradients.md): symbolic derivatives of the model
// expressions, the adjoint of the integration step, a checkpointed reverse pass on the float64
// reference, differentiable observations with VJPs, and valueAndGrad for simulations and problems.
export { diff } from "./diff.ts";
export { reverseLets, stepAdjoint, elementaryLets, flatStep, type LetBlock, type StepVariant } from "./adjoint.ts";
export { simulateGradient, checkpointSizes, type BackwardOptions, type GradientResult, type LaneLoss, type LaneRecording } from "./backward.ts";
export { fcTrilWithVjp, pearsonWithGrad, rmseWithGrad, maeWithGrad, meanDiffWithGrad, softPeaksWithVjp, NotDifferentiableError, type PsdPeakOptions } from "./losses.ts";
export {
  valueAndGrad, valueAndGradSimulation, whyNotDifferentiable, DIFFERENTIABLE_TERMS,
  type ProblemGradient, type ProblemGradientOptions, type SimulationGradient,
} from "./value-and-grad.ts";
export { resolveGradient, needsGradients, setGradientMode, type GradientMode } from "./fit.ts";
