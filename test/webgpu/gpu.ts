/// <reference types="@webgpu/types" />
// Shared test plumbing: the adapter check (a missing adapter FAILS the suite unless
// BRAINFIT_NO_WEBGPU=1 is set on purpose) and a tiny compute-shader runner.
import { expect, it } from "vitest";
import { getGpuContext, probeWebGpu } from "../../src/backends/webgpu/gpu.ts";

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

/** Run `entry` of `source` with one read-only u32 input (binding 0) and a u32 output (binding 1). */
export async function runCompute(source: string, entry: string, input: Uint32Array<ArrayBuffer>, outputWords: number, workgroups: number): Promise<Uint32Array> {
  const { device } = await getGpuContext();
  device.pushErrorScope("validation");
  const module = device.createShaderModule({ code: source });
  const pipeline = await device.createComputePipelineAsync({ layout: "auto", compute: { module, entryPoint: entry } });
  const inBuf = device.createBuffer({ size: Math.max(16, input.byteLength), usage: 128 | 8 }); // STORAGE | COPY_DST
  const outBuf = device.createBuffer({ size: outputWords * 4, usage: 128 | 4 }); // STORAGE | COPY_SRC
  const readBuf = device.createBuffer({ size: outputWords * 4, usage: 1 | 8 }); // MAP_READ | COPY_DST
  device.queue.writeBuffer(inBuf, 0, input);
  const bind = device.createBindGroup({
    layout: pipeline.getBindGroupLayout(0),
    entries: [
      { binding: 0, resource: { buffer: inBuf } },
      { binding: 1, resource: { buffer: outBuf } },
    ],
  });
  const enc = device.createCommandEncoder();
  const pass = enc.beginComputePass();
  pass.setPipeline(pipeline);
  pass.setBindGroup(0, bind);
  pass.dispatchWorkgroups(workgroups);
  pass.end();
  enc.copyBufferToBuffer(outBuf, 0, readBuf, 0, outputWords * 4);
  device.queue.submit([enc.finish()]);
  const err = await device.popErrorScope();
  if (err) throw new Error(`compute test shader: ${err.message}`);
  await readBuf.mapAsync(1);
  const out = new Uint32Array(readBuf.getMappedRange().slice(0));
  readBuf.unmap();
  for (const b of [inBuf, outBuf, readBuf]) b.destroy();
  return out;
}

/** |z_f32 − z_f64| <= NORMAL_TOLERANCE · (1 + |z|) for the kernel's normals (philox.test.ts checks it). */
export const NORMAL_TOLERANCE = 2e-6;
