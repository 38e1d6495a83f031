// brainfit/sim: simulations on every backend (webgpu, wasm, reference), networks, noise, and the
// simulation-driven helpers (BOLD at TR, numerical FIC). Backends load lazily when chosen.
export { simulate, type SimulateOptions } from "./simulate.ts";
export {
  prepareSimulation,
  SimulationError,
  type BackendName,
  type Integrator,
  type PreparedSimulation,
  type RecordedChunk,
  type SimulationOptions,
  type SimulationResult,
} from "../batch/prepare.ts";
export { buildNetwork, normalizeMax, normalizeMean, NetworkError, type Network, type NetworkInput } from "../batch/network.ts";
export { chooseBackend, type BackendChoice } from "./choose.ts";
export { provideWasmModules, setWasmKernelBaseUrl, canCompileWasm, hasWasmSimd, KERNEL_KEY_SECTION } from "../backends/wasm/modules.ts";
export { simulateBold, type SimulateBoldOptions, type SimulateBoldResult } from "./bold.ts";
export { numericalFic, windowMeanIE, type NumericalFicOptions, type NumericalFicResult } from "./fic.ts";
export { philox4x32, normals4, uniform24 } from "../noise/philox.ts";
