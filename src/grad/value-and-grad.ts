// valueAndGradSimulation: loss and exact gradient (reverse mode) for a batch of lanes: any loss
// of the recorded observables, gradient with respect to every parameter (global: per lane;
// regional: lanes × nodes), on the float64 reference (grad/backward.ts), the WASM SIMD backend
// (grad/wasm.ts) or WebGPU (grad/webgpu.ts), both float32. The fit-level valueAndGrad(problem, candidates) is in
// fit/gradients.ts (fit/ sits above grad/).
import { prepareSimulation, type SimulationOptions } from "../batch/prepare.ts";
import {
  type BackwardOptions,
  type BatchLoss,
  type GradientResult,
  type LaneLoss,
  type LaneRecording,
  simulateGradient,
} from "./backward.ts";
import { hasWasmSimd } from "../backends/wasm/modules.ts";
import { simulateGradientWasm, type WasmBackwardOptions } from "./wasm.ts";
import { simulateGradientWebGPU, type WebGpuBackwardOptions } from "./webgpu.ts";

/**
 * Where a gradient runs: "reference" (float64, default), "wasm" (float32 WASM SIMD), "webgpu"
 * (float32 WGSL kernels), "auto" (wasm where WebAssembly SIMD runs, else reference).
 *
 * @example
 * ```ts
 * import type { GradientBackend } from "brainfit/sim";
 * const backend: GradientBackend = "wasm";
 * ```
 */
export type GradientBackend = "reference" | "wasm" | "webgpu" | "auto";

/**
 * Options of a gradient: the checkpoint interval, where it runs, WASM's worker threads and
 * WebGPU's workgroup knobs.
 *
 * @example
 * ```ts
 * import type { GradientOptions } from "brainfit/sim";
 * const options: GradientOptions = { backend: "webgpu", checkpointEvery: 1000 };
 * ```
 */
export interface GradientOptions extends BackwardOptions, WebGpuBackwardOptions, WasmBackwardOptions {
  /** Backend of the forward and adjoint passes (default "reference"; see GradientBackend). */
  backend?: GradientBackend;
}

export interface SimulationGradient {
  /** Loss per lane. */
  values: Float64Array;
  /** Per parameter: d loss / d value. Global parameters: one per lane; regional: lanes × nodes (lane-major). */
  grads: Record<string, Float64Array>;
  recorded: LaneRecording[];
  /** Which backend ran: "reference" (float64), "wasm" or "webgpu" (float32). */
  backend: "reference" | "wasm" | "webgpu";
  checkpointEvery: number;
  peakBytes: number;
  forwardMs: number;
  backwardMs: number;
}

/**
 * Loss of every lane's recording (float64, samples × nodes per observable) and its exact gradient
 * (the adjoint through the simulation, docs/gradients.md) with respect to the model's parameters.
 * `backward.backend` picks where it runs: "reference" (float64, the default), "wasm" (float32
 * WASM SIMD, four lanes per vector; several times faster), "webgpu" (float32 WGSL kernels) or
 * "auto" (wasm where WebAssembly SIMD runs). The simulation's own `backend` option is not used. Global parameters get one derivative
 * per lane, regional ones lanes × nodes.
 *
 * @example
 * ```ts
 * import { valueAndGradSimulation } from "brainfit/sim";
 * import { supHopf } from "brainfit/models";
 * const r = await valueAndGradSimulation(
 *   { model: supHopf, network: { weights: [0, 0.5, 0.5, 0] }, duration: 0.2, lanes: 1, record: { observables: ["x"], period: 1 } },
 *   (_lane, rec) => {
 *     // loss: mean of x² over samples and nodes; its gradient with respect to each sample
 *     const x = rec.x!;
 *     return { value: x.reduce((a, v) => a + v * v, 0) / x.length, grad: { x: x.map((v) => (2 * v) / x.length) } };
 *   },
 *   { backend: "wasm" },
 * );
 * console.log(r.values[0], r.grads.G![0], r.grads.a); // d loss / d G (global), d loss / d a (per node)
 * ```
 */
export async function valueAndGradSimulation(
  options: SimulationOptions,
  loss: LaneLoss | BatchLoss,
  backward: GradientOptions = {},
): Promise<SimulationGradient> {
  if (!options.record?.observables.length) {
    throw new Error("valueAndGradSimulation: record at least one observable (options.record); the loss reads the recording");
  }
  const requested = backward.backend ?? "reference";
  if (!["reference", "wasm", "webgpu", "auto"].includes(requested)) {
    throw new Error(`valueAndGradSimulation: backend must be "reference", "wasm", "webgpu" or "auto", got ${JSON.stringify(requested)}`);
  }
  const backend = requested === "auto" ? (hasWasmSimd() ? "wasm" : "reference") : requested;
  const sim = prepareSimulation(options);
  const r: GradientResult = backend === "wasm"
    ? await simulateGradientWasm(sim, loss, backward)
    : backend === "webgpu"
    ? await simulateGradientWebGPU(sim, loss, backward)
    : simulateGradient(sim, loss, backward);
  const m = sim.model;
  const { lanes, nNodes: n, nParams: P } = sim;
  const grads: Record<string, Float64Array> = {};
  m.spec.parameters.forEach((p, k) => {
    if (p.scope === "global") {
      const g = new Float64Array(lanes);
      for (let l = 0; l < lanes; l++) for (let i = 0; i < n; i++) g[l] += r.paramGrad[(l * n + i) * P + k]!;
      grads[p.name] = g;
    } else {
      const g = new Float64Array(lanes * n);
      for (let l = 0; l < lanes; l++) for (let i = 0; i < n; i++) g[l * n + i] = r.paramGrad[(l * n + i) * P + k]!;
      grads[p.name] = g;
    }
  });
  return {
    values: r.values,
    grads,
    recorded: r.recorded,
    backend,
    checkpointEvery: r.checkpointEvery,
    peakBytes: r.peakBytes,
    forwardMs: r.forwardMs,
    backwardMs: r.backwardMs,
  };
}
