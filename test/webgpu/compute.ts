/// <reference types="@webgpu/types" />
// A tiny compute-shader runner for tests (no vitest import, so device scripts can bundle it).
import { getGpuContext } from "../../src/backends/webgpu/gpu.ts";
import { WGSL } from "../../src/generated/wgsl.ts";

/** |z_f32 − z_f64| <= NORMAL_TOLERANCE · (1 + |z|) for the kernel's normals (philox.test.ts checks it). */
export const NORMAL_TOLERANCE = 2e-6;

/** Run `entry` of `source` with one read-only u32 input (binding 0) and a u32 output (binding 1). */
export async function runCompute(
  source: string,
  entry: string,
  input: Uint32Array<ArrayBuffer>,
  outputWords: number,
  workgroups: number,
): Promise<Uint32Array> {
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

// Each invocation reads (c0, c1, c2, c3, k0, k1) and writes the four Philox words, then the
// four f32 normals (as bits) of philox_normals4 keyed the way the simulation kernel keys them.
export const PHILOX_TEST_SHADER = `${WGSL.philox}
@group(0) @binding(0) var<storage, read> inp: array<u32>;
@group(0) @binding(1) var<storage, read_write> outp: array<u32>;
@compute @workgroup_size(64)
fn main(@builtin(global_invocation_id) gid: vec3<u32>) {
  let q = gid.x;
  if (q >= arrayLength(&inp) / 6u) { return; }
  let b = 6u * q;
  let w = philox4x32_10(vec4<u32>(inp[b], inp[b + 1u], inp[b + 2u], inp[b + 3u]), vec2<u32>(inp[b + 4u], inp[b + 5u]));
  // normals4(seed = k0, stream = k1, node = c1, step = c0, block = c2); c3 = 0 as the kernel uses it
  let z = philox_normals4(inp[b + 4u], inp[b + 5u], inp[b + 1u], inp[b], inp[b + 2u]);
  for (var i = 0u; i < 4u; i++) {
    outp[8u * q + i] = w[i];
    outp[8u * q + 4u + i] = bitcast<u32>(z[i]);
  }
}
@compute @workgroup_size(64)
fn edges(@builtin(global_invocation_id) gid: vec3<u32>) {
  let q = gid.x;
  if (q >= arrayLength(&inp)) { return; }
  outp[2u * q] = bitcast<u32>(philox_log_uniform24(inp[q]));
  outp[2u * q + 1u] = bitcast<u32>(philox_centered_angle(inp[q]));
}`;
