/// <reference types="@webgpu/types" />
// Access to WebGPU in every runtime: navigator.gpu in browsers and Deno; in Node and Bun the
// optional `webgpu` package (Dawn), imported lazily so bundles for browsers never see it.
// The adapter and device are requested once and shared by every simulation.

export interface AdapterDescription {
  /** Human-readable adapter name, e.g. "llvmpipe (LLVM 15.0.6, 256 bits)" or "NVIDIA H200". */
  name: string;
  /** True for software adapters (lavapipe/llvmpipe, SwiftShader, WARP). */
  isFallback: boolean;
}

export interface WebGpuProbe {
  available: boolean;
  adapter?: string;
  isFallback?: boolean;
  /** Why WebGPU is unavailable (when available is false). */
  reason?: string;
}

export class WebGpuUnavailableError extends Error {
  constructor(reason: string) {
    super(
      `backend webgpu: no WebGPU adapter is available (${reason}). ` +
        "In Node/Bun install the optional dependency 'webgpu' and a Vulkan driver; on a machine without a GPU " +
        "install lavapipe (Debian: `apt-get install -t bookworm-backports mesa-vulkan-drivers`), " +
        'or run with backend: "wasm" (or "auto").',
    );
    this.name = "WebGpuUnavailableError";
  }
}

interface GpuContext {
  gpu: GPU;
  adapter: GPUAdapter;
  device: GPUDevice;
  description: AdapterDescription;
}

let gpuPromise: Promise<GPU | null> | null = null;
let gpuFailure = "";
let contextPromise: Promise<GpuContext> | null = null;

async function loadGpu(): Promise<GPU | null> {
  const nav = (globalThis as { navigator?: { gpu?: GPU } }).navigator;
  if (nav?.gpu) return nav.gpu;
  const proc = (globalThis as { process?: { versions?: Record<string, string | undefined> } }).process;
  if (!proc?.versions?.node) {
    gpuFailure = "navigator.gpu is missing in this runtime";
    return null;
  }
  // Node or Bun: the optional `webgpu` package (Dawn). The specifier is a variable so that
  // bundlers for browsers do not try to resolve it.
  const specifier = "webgpu";
  try {
    const mod = (await import(/* @vite-ignore */ specifier)) as { create(options: string[]): GPU };
    return mod.create([]);
  } catch (err) {
    gpuFailure = `the optional package 'webgpu' could not be loaded: ${(err as Error).message.split("\n")[0]}`;
    return null;
  }
}

/** The runtime's GPU object, or null when this runtime has no WebGPU. Cached. */
export function getGpu(): Promise<GPU | null> {
  gpuPromise ??= loadGpu();
  return gpuPromise;
}

function describe(adapter: GPUAdapter): AdapterDescription {
  const info = (adapter as { info?: GPUAdapterInfo }).info;
  const parts = [info?.description, info?.device, info?.vendor].filter((s): s is string => !!s && s.length > 0);
  const name = parts[0] ?? "unknown adapter";
  const infoFallback = (info as { isFallbackAdapter?: boolean } | undefined)?.isFallbackAdapter;
  const adapterFallback = (adapter as { isFallbackAdapter?: boolean }).isFallbackAdapter;
  const softwareName = /llvmpipe|lavapipe|swiftshader|warp|software/i.test(`${name} ${info?.architecture ?? ""}`);
  return { name, isFallback: infoFallback ?? adapterFallback ?? softwareName };
}

async function createContext(): Promise<GpuContext> {
  const gpu = await getGpu();
  if (!gpu) throw new WebGpuUnavailableError(gpuFailure || "no GPU object");
  const adapter = await gpu.requestAdapter({ powerPreference: "high-performance" });
  if (!adapter) throw new WebGpuUnavailableError("requestAdapter() returned null: no Vulkan/Metal/D3D12 driver was found");
  // Ask for the adapter's own storage limits: rings of delayed states get large, and held states
  // (webgpu.holdStates) take workgroup memory.
  const want = [
    "maxStorageBufferBindingSize",
    "maxBufferSize",
    "maxStorageBuffersPerShaderStage",
    "maxComputeWorkgroupsPerDimension",
    "maxComputeWorkgroupStorageSize",
  ] as const;
  const requiredLimits: Record<string, number> = {};
  for (const k of want) requiredLimits[k] = adapter.limits[k];
  const device = await adapter.requestDevice({ requiredLimits });
  device.lost.then(() => {
    contextPromise = null; // a lost device is replaced on the next request
  });
  return { gpu, adapter, device, description: describe(adapter) };
}

/** The shared adapter, device and description. Throws WebGpuUnavailableError when there is none. */
export function getGpuContext(): Promise<GpuContext> {
  if (!contextPromise) {
    contextPromise = createContext();
    contextPromise.catch(() => {
      contextPromise = null;
    });
  }
  return contextPromise;
}

/** Name and software flag of the adapter simulations run on. */
export async function describeAdapter(): Promise<AdapterDescription> {
  return (await getGpuContext()).description;
}

/** Whether WebGPU works here (adapter and device), on what, or why not. Never throws. */
export async function probeWebGpu(): Promise<WebGpuProbe> {
  try {
    const { description } = await getGpuContext();
    return { available: true, adapter: description.name, isFallback: description.isFallback };
  } catch (err) {
    return { available: false, reason: (err as Error).message };
  }
}
