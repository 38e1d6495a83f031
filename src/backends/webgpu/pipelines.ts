/// <reference types="@webgpu/types" />
// Compiled compute pipelines, cached per device and WGSL source, for the simulation kernels
// (backends/webgpu/driver.ts) and the gradient kernels (grad/webgpu.ts). Kept apart from gpu.ts,
// which the backend chooser imports at start-up, so that only code that compiles kernels loads this.
import { KernelSourceError } from "../../codegen/wgsl.ts";

/** Compute pipelines of one WGSL module: its bind group layout and one pipeline per entry point. */
export interface ComputePipelines<E extends string> {
  layout: GPUBindGroupLayout;
  pipelines: Record<E, GPUComputePipeline>;
}

const pipelineCache = new WeakMap<GPUDevice, Map<string, Promise<ComputePipelines<string>>>>();

/**
 * Compile `source` once per device (cached by source; a failed compile is not remembered): a
 * bind group layout of buffer bindings 0, 1, … of the given types, and a compute pipeline per
 * entry point. Compile errors (with the offending lines) and validation errors throw
 * KernelSourceError naming `what` (e.g. "WGSL for SupHopf").
 */
export function computePipelines<E extends string>(
  device: GPUDevice,
  source: string,
  what: string,
  bindings: readonly GPUBufferBindingType[],
  entryPoints: readonly E[],
): Promise<ComputePipelines<E>> {
  let perDevice = pipelineCache.get(device);
  if (!perDevice) pipelineCache.set(device, perDevice = new Map());
  let p = perDevice.get(source);
  if (!p) {
    p = compile(device, source, what, bindings, entryPoints);
    perDevice.set(source, p);
    p.catch(() => perDevice!.delete(source));
  }
  return p as Promise<ComputePipelines<E>>;
}

async function compile<E extends string>(
  device: GPUDevice,
  source: string,
  what: string,
  bindings: readonly GPUBufferBindingType[],
  entryPoints: readonly E[],
): Promise<ComputePipelines<E>> {
  device.pushErrorScope("validation");
  const module = device.createShaderModule({ code: source, label: what });
  const info = await module.getCompilationInfo();
  const errors = info.messages.filter((msg) => msg.type === "error");
  if (errors.length) {
    const lines = source.split("\n");
    const detail = errors.map((msg) => `line ${msg.lineNum}: ${msg.message}\n    ${lines[msg.lineNum - 1]?.trim() ?? ""}`).join("\n");
    await device.popErrorScope();
    throw new KernelSourceError(`${what} does not compile:\n${detail}`);
  }
  const layout = device.createBindGroupLayout({
    label: what,
    entries: bindings.map((type, binding) => ({
      binding,
      visibility: 4, /* GPUShaderStage.COMPUTE: the global is missing in Node's `webgpu` package */
      buffer: { type },
    })),
  });
  const pipelineLayout = device.createPipelineLayout({ bindGroupLayouts: [layout] });
  const made = await Promise.all(
    entryPoints.map((entryPoint) =>
      device.createComputePipelineAsync({ layout: pipelineLayout, compute: { module, entryPoint }, label: `${what} ${entryPoint}` })
    ),
  );
  const err = await device.popErrorScope();
  if (err) throw new KernelSourceError(`pipelines of ${what} failed validation: ${err.message}`);
  return { layout, pipelines: Object.fromEntries(entryPoints.map((e, k) => [e, made[k]!])) as Record<E, GPUComputePipeline> };
}
