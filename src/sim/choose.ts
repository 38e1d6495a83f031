// Backend choice for backend: "auto". A hardware WebGPU adapter wins; a software adapter
// (lavapipe, SwiftShader: isFallbackAdapter) is no speed-up — a WGSL Hopf kernel on lavapipe ran
// about 20× slower than plain C on the same cores — so WASM SIMD is preferred over it unless
// allowSoftwareGpu is set. Without WASM SIMD the float64 reference runs.
import type { BackendName } from "./prepare.ts";
import { canCompileWasm, providedWasmModuleCount } from "./wasm-modules.ts";

// (module (func (result v128) v128.const i32x4 0 0 0 0))
const SIMD_PROBE = new Uint8Array([
  0, 97, 115, 109, 1, 0, 0, 0, 1, 5, 1, 96, 0, 1, 123, 3, 2, 1, 0, 10, 22, 1, 20, 0, 253, 12,
  0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 11,
]);

// (module (func (param v128 v128 v128) (result v128) local.get 0 local.get 1 local.get 2 f32x4.relaxed_madd))
const RELAXED_SIMD_PROBE = new Uint8Array([
  0, 97, 115, 109, 1, 0, 0, 0, 1, 8, 1, 96, 3, 123, 123, 123, 1, 123, 3, 2, 1, 0, 10, 13, 1, 11, 0, 32, 0, 32, 1, 32, 2, 253,
  133, 2, 11,
]);

/** Relaxed SIMD (fused multiply-add): Deno, Bun and current browsers; not Node 20. */
export function hasRelaxedSimd(): boolean {
  try {
    return typeof WebAssembly === "object" && WebAssembly.validate(RELAXED_SIMD_PROBE);
  } catch {
    return false;
  }
}

export function hasWasmSimd(): boolean {
  try {
    return typeof WebAssembly === "object" && WebAssembly.validate(SIMD_PROBE);
  } catch {
    return false;
  }
}

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
    return { backend: "reference", reason: `${gpuNote}; this runtime does not compile WebAssembly and no kernel modules were provided (provideWasmModules)` };
  }
  if (hasWasmSimd()) return { backend: "wasm", reason: `${gpuNote}; WASM SIMD available` };
  return { backend: "reference", reason: `${gpuNote}; no WASM SIMD in this runtime` };
}
