// Gradients through the simulation (docs/gradients.md): symbolic derivatives of the model
// expressions, the adjoint of the integration step, a checkpointed reverse pass on the float64
// reference and its float32 WASM kernel (asm.ts, wasm.ts), and differentiable observations with VJPs. Internal: the public names are
// valueAndGradSimulation (brainfit/sim) and valueAndGrad, NotDifferentiableError (brainfit/fit);
// the fit-level gradients live in fit/gradients.ts.
export { diff } from "./diff.ts";
export { elementaryLets, flatStep, type LetBlock, reverseLets, stepAdjoint, type StepVariant } from "./adjoint.ts";
export {
  type BackwardOptions,
  checkpointSizes,
  type GradientResult,
  type LaneLoss,
  type LaneRecording,
  simulateGradient,
} from "./backward.ts";
export {
  fcTrilWithVjp,
  maeWithGrad,
  meanDiffWithGrad,
  NotDifferentiableError,
  pearsonWithGrad,
  type PsdPeakOptions,
  rmseWithGrad,
  softPeaksWithVjp,
} from "./losses.ts";
export { type GradientBackend, type GradientOptions, type SimulationGradient, valueAndGradSimulation } from "./value-and-grad.ts";
export { emitAsmGradKernel } from "./asm.ts";
export { simulateGradientWasm } from "./wasm.ts";
export { simulateGradientWebGPU } from "./webgpu.ts";
