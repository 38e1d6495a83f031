// simulate(): the one entry point. Picks a backend (or uses the one asked for), says which
// and why, and runs the prepared batch on it.
import { simulateReference } from "../backends/reference.ts";
import { type BackendName, prepareSimulation, type SimulationOptions, type SimulationResult } from "../batch/prepare.ts";
import type { WebGpuRunOptions } from "../backends/webgpu/driver.ts";

/**
 * simulate()'s options: the SimulationOptions plus the backend and its settings.
 *
 * @example
 * ```ts
 * import { simulate, type SimulateOptions } from "brainfit/sim";
 * import { rww } from "brainfit/models";
 * const opts: SimulateOptions = { model: rww, network: { weights: [0, 0.02, 0.02, 0] }, duration: 2, averages: ["r_E"], backend: "wasm", threads: 2 };
 * const r = await simulate(opts);
 * ```
 */
export interface SimulateOptions extends SimulationOptions {
  backend?: BackendName;
  /** For auto: accept a software WebGPU adapter (lavapipe, SwiftShader). Default false. */
  allowSoftwareGpu?: boolean;
  /** wasm backend: worker threads (default: all cores). */
  threads?: number;
  /** webgpu backend: invocations per workgroup (one workgroup per lane). */
  workgroupSize?: number;
  /** webgpu backend: tuning and testing knobs (chunking, coupling path, workgroup shape); results are bit-identical whatever their values. */
  webgpu?: WebGpuRunOptions["webgpu"];
}

type BackendRunner = (sim: ReturnType<typeof prepareSimulation>, opts: SimulateOptions) => Promise<SimulationResult>;

const runners: Partial<Record<Exclude<BackendName, "auto">, () => Promise<BackendRunner>>> = {
  reference: async () => async (sim) => simulateReference(sim),
  wasm: async () => (await import("../backends/wasm/driver.ts")).simulateWasm,
  webgpu: async () => (await import("../backends/webgpu/driver.ts")).simulateWebGpu,
};

/**
 * Run a batch of simulations (lanes) of one model on one network, on the backend asked for or
 * the best available ("auto"). All validation happens first; errors name the field and the fix.
 *
 * @example
 * ```ts
 * import { simulate } from "brainfit/sim";
 * import { supHopf } from "brainfit/models";
 * const r = await simulate({
 *   model: supHopf,
 *   network: { weights: [0, 1, 1, 0], lengths: [0, 30, 30, 0], speed: 6 },
 *   lanes: 2,
 *   params: { G: [0.1, 0.3], a: -0.05 },
 *   duration: 5,
 *   record: { observables: ["x"], period: 10 },
 * });
 * console.log(r.backendInfo, r.recorded["x"]);
 * ```
 */
export async function simulate(opts: SimulateOptions): Promise<SimulationResult> {
  const sim = prepareSimulation(opts);
  const wanted = opts.backend ?? "auto";
  if (wanted === "auto") {
    const { chooseBackend } = await import("./choose.ts");
    const choice = await chooseBackend(opts.allowSoftwareGpu ?? false);
    const run = await runners[choice.backend]!();
    const result = await run(sim, opts);
    result.backendInfo = `${result.backendInfo} (auto: ${choice.reason})`;
    return result;
  }
  const load = runners[wanted];
  if (!load) throw new Error(`simulation.backend: unknown backend '${wanted}'; use auto, webgpu, wasm or reference`);
  return (await load())(sim, opts);
}
