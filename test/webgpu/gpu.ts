// Shared test plumbing: the adapter check (a missing adapter FAILS the suite unless
// BRAINFIT_NO_WEBGPU=1 is set on purpose); the compute-shader runner lives in compute.ts.
import { expect, it } from "vitest";
import { probeWebGpu } from "../../src/backends/webgpu/gpu.ts";
export { runCompute } from "./compute.ts";

/** Set only on machines that knowingly lack WebGPU; CI never sets it. */
export const WEBGPU_OPTED_OUT = process.env.BRAINFIT_NO_WEBGPU === "1";

/** A test that fails, with instructions, when no adapter is found. Call inside each describe. */
export function itHasAdapter(): void {
  it("finds a WebGPU adapter (set BRAINFIT_NO_WEBGPU=1 only where none can exist)", async () => {
    const probe = await probeWebGpu();
    if (!probe.available) {
      throw new Error(
        `WebGPU tests need an adapter but probeWebGpu() found none: ${probe.reason}\n` +
          "Install lavapipe (apt-get install -t bookworm-backports mesa-vulkan-drivers) and the optional npm package 'webgpu', " +
          "or set BRAINFIT_NO_WEBGPU=1 to skip these tests deliberately.",
      );
    }
    expect(probe.adapter).toBeTruthy();
    expect(typeof probe.isFallback).toBe("boolean");
  });
}

export { NORMAL_TOLERANCE } from "./compute.ts";
