// brainfit/sim: simulations on every backend (webgpu, wasm, reference), chosen per run, and the
// simulation-driven helpers (BOLD at TR, numerical FIC). Backends load lazily when chosen.
// Public surface: every name here is documented with an example (test/layout/public-api.test.ts).
export { simulate, type SimulateOptions } from "./simulate.ts";
export { type BackendName, type RecordedChunk, SimulationError, type SimulationOptions, type SimulationResult } from "../batch/prepare.ts";
export { NetworkError, type NetworkInput, normalizeMax, normalizeMean } from "../batch/network.ts";
export { provideWasmModules, setWasmKernelBaseUrl } from "../backends/wasm/modules.ts";
export { simulateBold, type SimulateBoldOptions, type SimulateBoldResult } from "./bold.ts";
export { numericalFic, type NumericalFicOptions, type NumericalFicResult } from "./fic.ts";
export { type GradientBackend, type GradientOptions, valueAndGradSimulation } from "../grad/value-and-grad.ts";
