// brainfit public API. The folders follow the data flow: io → models/codegen → sim/backends →
// stats → optim → fit. Each area is also available as a namespace (stats, optim, io, datasets).
export { VERSION } from "./version.ts";

// Models and the expression language
export * from "./models/index.ts";
// Simulation
export { simulate, type SimulateOptions } from "./sim/simulate.ts";
export {
  prepareSimulation,
  SimulationError,
  type BackendName,
  type Integrator,
  type PreparedSimulation,
  type RecordedChunk,
  type SimulationOptions,
  type SimulationResult,
} from "./sim/prepare.ts";
export { buildNetwork, normalizeMax, normalizeMean, NetworkError, type Network, type NetworkInput } from "./sim/network.ts";
export { chooseBackend, hasWasmSimd, type BackendChoice } from "./sim/choose.ts";
export { provideWasmModules, setWasmKernelBaseUrl, canCompileWasm, KERNEL_KEY_SECTION } from "./sim/wasm-modules.ts";
export { simulateBold, type SimulateBoldOptions, type SimulateBoldResult } from "./sim/bold.ts";
export { numericalFic, windowMeanIE, type NumericalFicOptions, type NumericalFicResult } from "./sim/fic.ts";
export { philox4x32, normals4, uniform24 } from "./noise/philox.ts";
export { simulateReference } from "./backends/reference.ts";
export { simulateWebGpu, planWebGpuRun, defaultWorkgroupSize, WebGpuSimulationError, type WebGpuRunOptions, type WebGpuRunPlan } from "./backends/webgpu/driver.ts";
export { getGpu, describeAdapter, probeWebGpu, WebGpuUnavailableError, type WebGpuProbe } from "./backends/webgpu/gpu.ts";
export { generateSimulationKernel, emitModelWgsl, KernelSourceError } from "./codegen/wgsl.ts";
export { simulateWasm, type WasmOptions } from "../fallback/driver.ts";
// Gradients through the simulation (float64 reference, reverse mode with checkpointing)
export * from "./grad/index.ts";
// Code generation (for inspecting what runs)
export { emitExpr } from "./codegen/emit.ts";
export { emitAsmKernel } from "./codegen/asm.ts";
export { emitTsSource } from "./codegen/ts.ts";

// Statistics, optimizers, data I/O and bundled datasets
export * as stats from "./stats/index.ts";
export * as optim from "./optim/index.ts";
export * as io from "./io/index.ts";
export * as datasets from "./datasets/index.ts";
export * from "./stats/index.ts";
export { createWasmStatsBackend } from "./stats/wasm.ts";
export { createWebGpuStatsBackend, type WebGpuStatsOptions } from "./stats/webgpu.ts";
export * from "./optim/index.ts";
export * from "./io/index.ts";
export * from "./datasets/index.ts";
// Fitting: problems, batched evaluation, runs on disk
export * as fit from "./fit/index.ts";
export * from "./fit/index.ts";
