/// <reference types="@webgpu/types" />
// A tiny compute-shader runner for tests (no vitest import, so device scripts can bundle it).
import { getGpuContext } from "../../src/backends/webgpu/gpu.ts";

/** |z_f32 − z_f64| <= NORMAL_TOLERANCE · (1 + |z|) for the kernel's normals (philox.test.ts checks it). */
export const NORMAL_TOLERANCE = 2e-6;

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

