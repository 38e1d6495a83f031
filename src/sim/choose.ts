// Backend choice for backend: "auto". A hardware WebGPU adapter wins; a software adapter
// (lavapipe, SwiftShader: isFallbackAdapter) is no speed-up — a WGSL Hopf kernel on lavapipe ran
// about 20× slower than plain C on the same cores — so WASM SIMD is preferred over it unless
// allowSoftwareGpu is set. Without WASM SIMD the float64 reference runs.
import type { BackendName } from "../batch/prepare.ts";
import { canCompileWasm, hasWasmSimd, providedWasmModuleCount } from "../backends/wasm/modules.ts";

export interface BackendChoice {
  backend: Exclude<BackendName, "auto">;
  reason: string;
}

export async function chooseBackend(allowSoftwareGpu: boolean): Promise<BackendChoice> {
  let gpuNote = "";
  try {
    const { probeWebGpu } = await import("../backends/webgpu/gpu.ts");
    const probe = await probeWebGpu();
    if (probe.available && (!probe.isFallback || allowSoftwareGpu)) {
      return { backend: "webgpu", reason: `WebGPU adapter '${probe.adapter}'${probe.isFallback ? " (software, allowed)" : ""}` };
    }
    gpuNote = probe.available
      ? `WebGPU adapter '${probe.adapter}' is a software fallback, slower than WASM SIMD (set allowSoftwareGpu to use it)`
      : `no WebGPU adapter${probe.reason ? ` (${probe.reason})` : ""}`;
  } catch (err) {
    gpuNote = `WebGPU unavailable (${err instanceof Error ? err.message.split("\n")[0] : String(err)})`;
  }
  // Edge runtimes (workerd) run only WebAssembly modules the host provided.
  if (hasWasmSimd() && !canCompileWasm() && providedWasmModuleCount() === 0) {
    return {
      backend: "reference",
      reason: `${gpuNote}; this runtime does not compile WebAssembly and no kernel modules were provided (provideWasmModules)`,
    };
  }
  if (hasWasmSimd()) return { backend: "wasm", reason: `${gpuNote}; WASM SIMD available` };
  return { backend: "reference", reason: `${gpuNote}; no WASM SIMD in this runtime` };
}
