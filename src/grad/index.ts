// Gradients through the simulation (docs/gradients.md): symbolic derivatives of the model
// expressions, the adjoint of the integration step, a checkpointed reverse pass on the float64
// reference, and differentiable observations with VJPs. Internal: the public names are
// valueAndGradSimulation (brainfit/sim) and valueAndGrad, NotDifferentiableError (brainfit/fit);
// the fit-level gradients live in fit/gradients.ts.
export { diff } from "./diff.ts";
export { reverseLets, stepAdjoint, elementaryLets, flatStep, type LetBlock, type StepVariant } from "./adjoint.ts";
export { simulateGradient, checkpointSizes, type BackwardOptions, type GradientResult, type LaneLoss, type LaneRecording } from "./backward.ts";
export { fcTrilWithVjp, pearsonWithGrad, rmseWithGrad, maeWithGrad, meanDiffWithGrad, softPeaksWithVjp, NotDifferentiableError, type PsdPeakOptions } from "./losses.ts";
export { valueAndGradSimulation, type SimulationGradient } from "./value-and-grad.ts";
