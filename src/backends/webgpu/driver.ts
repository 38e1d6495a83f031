/// <reference types="@webgpu/types" />
// The WebGPU backend: runs a PreparedSimulation as WGSL compute kernels (f32), following the
// reference backend's step order. Memory is bounded by chunking: recorded samples are read
// back one chunk at a time and streamed into a RecordingSink; averages are summed in f32 on
// the GPU for at most SUM_STEPS steps, then added into float64 sums on the host. GPU arrays
// are lanes innermost (see kernels/simulate.wgsl); parameters are transposed into that layout
// on upload, samples and sums back into [lane][…][node] on read-back.
import { finishResult, type PreparedSimulation, RecordingSink, type SimulationResult } from "../../batch/prepare.ts";
import type { CompiledModel } from "../../models/spec.ts";
import { getGpuContext } from "./gpu.ts";
import { computePipelines } from "./pipelines.ts";
import {
  type CouplingPath,
  DENSE_TILE,
  generateSimulationKernel,
  kernelWorkgroupBytes,
  RUN_UNIFORM_BYTES,
  sharedNoiseMaxNodes,
} from "../../codegen/wgsl.ts";

/** Bytes of recorded samples held on the GPU per chunk (all lanes, all observables). */
const RECORD_CHUNK_BYTES = 32 << 20;
/** Most samples per chunk, so the first chunk reaches onChunk early. */
const MAX_CHUNK_SAMPLES = 1024;
/** Steps summed in f32 before the sums are moved to float64 (relative error <= SUM_STEPS · 2^-24). */
const SUM_STEPS = 2048;
/** Node-steps per dispatch: keeps each dispatch short (GPU watchdogs, responsiveness). */
const NODE_STEPS_PER_DISPATCH = 1 << 24;
/** Uniform slots (256-byte aligned) per submit: dispatches of one submit each get their own. */
const UNIFORM_SLOTS = 32;
const UNIFORM_STRIDE = 256;

// WebGPU's flag values (the GPUBufferUsage/GPUShaderStage/GPUMapMode globals are missing in
// Node's `webgpu` package unless installed globally, so the numbers are spelled out).
const USAGE = { MAP_READ: 1, COPY_SRC: 4, COPY_DST: 8, UNIFORM: 64, STORAGE: 128 } as const;
const MAP_MODE_READ = 1;

export class WebGpuSimulationError extends Error {
  constructor(message: string) {
    super(`backend webgpu: ${message}`);
    this.name = "WebGpuSimulationError";
  }
}

export interface WebGpuRunOptions {
  /**
   * Invocations per workgroup: lanes per workgroup (up to 32) × node slices per lane. Default:
   * software adapters 8…64 lanes × 1 slice, GPUs 32 lanes × 8 slices.
   */
  workgroupSize?: number;
  /** Tuning and testing knobs; results are bit-identical whatever their values. */
  webgpu?: {
    /** Steps per dispatch (default: 2^24 node-steps per dispatch). */
    stepsPerDispatch?: number;
    /** Recorded samples per chunk (default: 32 MiB of samples, at most 1024). */
    chunkSamples?: number;
    /** Lanes per lane group (default: as many as one storage binding holds). */
    lanesPerGroup?: number;
    /** Coupling path: "dense" (matrix product; only without delays) or "csr". Default: dense when no delays and >= 25 % of weights non-zero. */
    coupling?: CouplingPath;
    /** Node slices per workgroup (workgroupSize / nodeSlices lanes each); default 1 on software adapters, 8 on GPUs. */
    nodeSlices?: number;
    /**
     * Lanes each invocation integrates (one load of the network then serves them all). Default
     * 1 on GPUs; on software adapters 2, unless the wider workgroups' padding lanes would cost
     * more than it gains (bench/RESULTS.md: llvmpipe fetches uniform loads per invocation).
     */
    lanesPerInvocation?: number;
    /**
     * When every workgroup's lanes share one noise key, draw each step's normals once per
     * workgroup (two barriers per step) instead of per lane. Default: on GPUs, off on software
     * adapters (llvmpipe: 2.3× slower per node-step with the barriers; bench/RESULTS.md).
     */
    sharedNoise?: boolean;
    /**
     * Hold each invocation's fast states in workgroup memory for a whole dispatch (loaded at its
     * start, stored at its end) instead of reading and writing them in storage every step: on a
     * GPU half of rWW's memory traffic per node-step (docs/webgpu.md). Default: on GPUs when they
     * fit the adapter's workgroup memory (32 lanes × 100 nodes × 2 states: 25.6 KB), off on
     * software adapters.
     */
    holdStates?: boolean;
  };
}

/** Device limits the run plan respects. */
export interface WebGpuLimits {
  maxStorageBufferBindingSize: number;
  maxComputeWorkgroupsPerDimension: number;
}

export interface WebGpuRunPlan {
  ringLength: number;
  lanesPerGroup: number;
  chunkSamples: number;
  stepsPerDispatch: number;
  segments: Segment[];
  /** Largest single GPU buffer and all GPU buffers together, in bytes (read-back copies included). */
  largestBufferBytes: number;
  totalBufferBytes: number;
}

/**
 * How a simulation is cut into lane groups, chunks of samples, read-back segments and
 * dispatches. Pure: memory bounds can be checked without a GPU.
 */
export function planWebGpuRun(
  sim: PreparedSimulation,
  limits: WebGpuLimits,
  opts: WebGpuRunOptions = {},
  workgroupLanes = 1,
): WebGpuRunPlan {
  const { lanes, nNodes: n, nParams: P } = sim;
  const S = sim.model.stateNames.length;
  const K = Math.max(sim.model.coupling.length, 1);
  const R = sim.network.maxDelay + 2;
  const nRec = sim.recordIdx.length;
  const nAvg = sim.averageIdx.length;
  const maxBinding = limits.maxStorageBufferBindingSize;
  const LW = workgroupLanes; // lanes per workgroup × lanes per invocation
  const knobs = opts.webgpu ?? {};
  const dense = couplingPath(sim, knobs.coupling) === "dense";
  const ringNodes = dense ? Math.ceil(n / 4) * 4 : n; // the dense ring holds nodes in fours
  const perLaneBytes = Math.max(K * 2 * R * ringNodes * 4, P * n * 4, S * n * 4, nAvg * n * 4);
  if (perLaneBytes > maxBinding) {
    throw new WebGpuSimulationError(
      `one lane needs ${perLaneBytes} bytes in one buffer (delay ring of ${R} steps × ${n} nodes), more than this adapter's ` +
        `maxStorageBufferBindingSize (${maxBinding}); use fewer nodes, shorter delays (larger dt or speed) or backend "wasm"`,
    );
  }
  const positive = (v: number | undefined, name: string) => {
    if (v !== undefined && !(Number.isInteger(v) && v >= 1)) {
      throw new WebGpuSimulationError(`webgpu.${name} must be a positive integer, got ${v}`);
    }
    return v;
  };
  // Groups are padded to whole workgroups of LW lanes: keep the padded group within the limits.
  const fit = Math.min(limits.maxComputeWorkgroupsPerDimension * LW, Math.floor(maxBinding / perLaneBytes));
  const lanesPerGroup = Math.min(lanes, Math.max(1, Math.floor(fit / LW)) * LW, positive(knobs.lanesPerGroup, "lanesPerGroup") ?? Infinity);
  const padded = (count: number) => Math.ceil(count / LW) * LW;
  const sampleBytes = nRec * lanes * n * 4;
  const chunkSamples = nRec
    ? Math.max(
      1,
      Math.min(
        sim.nSamples,
        positive(knobs.chunkSamples, "chunkSamples") ?? MAX_CHUNK_SAMPLES,
        Math.floor(Math.min(RECORD_CHUNK_BYTES, maxBinding) / sampleBytes),
      ),
    )
    : 0;
  const stepsPerDispatch = positive(knobs.stepsPerDispatch, "stepsPerDispatch") ??
    Math.max(1, Math.floor(NODE_STEPS_PER_DISPATCH / (lanesPerGroup * n)));
  const groupBytes = (
    w: number,
  ) => [w * n * S * 4, w * K * 2 * R * ringNodes * 4, w * n * P * 4, w * 8, nRec * w * chunkSamples * n * 4, w * n * nAvg * 4];
  const groupSizes = [];
  let allPadded = 0;
  for (let first = 0; first < lanes; first += lanesPerGroup) {
    const w = padded(Math.min(lanesPerGroup, lanes - first));
    allPadded += w;
    groupSizes.push(...groupBytes(w));
  }
  const stagedSampleBytes = nRec * allPadded * n * 4;
  const shared = [
    Math.max(n + 2 + 2 * sim.network.source.length, (n + 4) * ringNodes) * 4,
    UNIFORM_SLOTS * UNIFORM_STRIDE,
    2 * stagedSampleBytes * chunkSamples,
    2 * allPadded * n * nAvg * 4,
  ];
  const all = [...groupSizes, ...shared];
  return {
    ringLength: R,
    lanesPerGroup,
    chunkSamples,
    stepsPerDispatch,
    segments: planSegments(sim, chunkSamples || 1, nAvg > 0),
    largestBufferBytes: Math.max(...all, stagedSampleBytes * chunkSamples),
    totalBufferBytes: all.reduce((a, b) => a + b, 0),
  };
}

/**
 * The network buffer shared by all lanes. CSR: rowStart (padded to even length), then per edge
 * (source − delay·n, weight bits). Dense: weights [row][source], rows padded to DENSE_TILE and
 * columns to a multiple of 4 (vec4 loads).
 */
function packNetwork(sim: PreparedSimulation, path: CouplingPath): Uint32Array<ArrayBuffer> {
  const net = sim.network;
  const n = sim.nNodes;
  const E = net.source.length;
  if (path === "dense") {
    const cols = Math.ceil(n / 4) * 4;
    const w = new Float32Array(Math.ceil(n / DENSE_TILE) * DENSE_TILE * cols);
    for (let i = 0; i < n; i++) {
      for (let e = net.rowStart[i]!; e < net.rowStart[i + 1]!; e++) w[i * cols + net.source[e]!] = net.weight[e]!;
    }
    return new Uint32Array(w.buffer);
  }
  const edgeOff = (n + 2) & ~1;
  const netWords = new Uint32Array(edgeOff + 2 * E);
  const netFloats = new Float32Array(netWords.buffer);
  netWords.set(net.rowStart, 0);
  for (let e = 0; e < E; e++) {
    netWords[edgeOff + 2 * e] = (net.source[e]! - net.delay[e]! * n) >>> 0;
    netFloats[edgeOff + 2 * e + 1] = net.weight[e]!;
  }
  return netWords;
}

/** A contiguous run of steps ending in a read-back (sums and/or one chunk of samples). */
export interface Segment {
  firstStep: number;
  nSteps: number;
  /** The record chunk whose samples these steps write (count 0: none). */
  chunkStart: number;
  chunkCount: number;
  /** Index of the record chunk completed by this segment (read it back), or -1. */
  completesChunk: number;
}

function planSegments(sim: PreparedSimulation, chunkSamples: number, averaging: boolean): Segment[] {
  const segs: Segment[] = [];
  const re = sim.recordEvery;
  let step = 0;
  while (step < sim.nSteps) {
    // The record chunk this step belongs to (samples are taken after step (k+1)·re − 1).
    const recording = sim.nSamples > 0 && step < sim.nSamples * re;
    const chunk = recording ? Math.floor(Math.floor(step / re) / chunkSamples) : -1;
    const chunkStart = recording ? chunk * chunkSamples : 0;
    const chunkCount = recording ? Math.min(chunkSamples, sim.nSamples - chunkStart) : 0;
    const chunkEnd = recording ? (chunkStart + chunkCount) * re : sim.nSteps;
    let end = chunkEnd;
    if (averaging) end = Math.min(end, step + SUM_STEPS);
    segs.push({ firstStep: step, nSteps: end - step, chunkStart, chunkCount, completesChunk: recording && end === chunkEnd ? chunk : -1 });
    step = end;
  }
  return segs;
}

/** Workgroup shape: lanes per workgroup × node slices, and lanes per invocation (see kernels/simulate.wgsl). */
export interface WorkgroupShape {
  lanesPerWorkgroup: number;
  nodeSlices: number;
  lanesPerInvocation: number;
}

/**
 * Default invocations per workgroup. Software adapters run a workgroup on one CPU thread,
 * SIMD across invocations (8 × f32 with AVX2): one slice (no barriers, uniform node loop) of 8
 * lanes, whose delay rings stay small enough for the CPU caches (measured on lavapipe: 8 lanes
 * 1.6× faster than 16 and 2.5× faster than 32 on SupHopf-100 with delays). GPUs: a subgroup
 * of 32 lanes (coalesced loads) × 8 node slices.
 */
export function defaultWorkgroupSize(software: boolean): number {
  return software ? 8 : 256;
}

/**
 * Lanes per invocation on software adapters, and how much faster per lane that ran than one
 * (median of six rWW A/Bs on lavapipe; 1.3–1.5 for SupHopf with delays; bench/RESULTS.md).
 */
export const SOFTWARE_LANES_PER_INVOCATION = 2;
const SOFTWARE_LANES_PER_INVOCATION_GAIN = 1.2;

/**
 * Splits invocations per workgroup into lanes (at most 32, a subgroup) × node slices, and picks
 * the lanes per invocation: 1 on GPUs; on software adapters SOFTWARE_LANES_PER_INVOCATION unless
 * the wider workgroups' padding lanes would cost more than it gains (20 lanes in workgroups of
 * 8 × 2 run 32, in workgroups of 8 only 24).
 */
export function workgroupShape(
  workgroupSize: number,
  software: boolean,
  knobs: { nodeSlices?: number; lanesPerInvocation?: number } = {},
  lanes = 1,
): WorkgroupShape {
  if (!Number.isInteger(workgroupSize) || workgroupSize < 1 || workgroupSize > 256) {
    throw new WebGpuSimulationError(`workgroupSize must be an integer in [1, 256], got ${workgroupSize}`);
  }
  const { nodeSlices, lanesPerInvocation } = knobs;
  if (lanesPerInvocation !== undefined && !(Number.isInteger(lanesPerInvocation) && lanesPerInvocation >= 1 && lanesPerInvocation <= 16)) {
    throw new WebGpuSimulationError(`webgpu.lanesPerInvocation must be an integer in [1, 16], got ${lanesPerInvocation}`);
  }
  let lanesPerWorkgroup: number;
  if (nodeSlices !== undefined) {
    if (!Number.isInteger(nodeSlices) || nodeSlices < 1 || nodeSlices > workgroupSize) {
      throw new WebGpuSimulationError(`webgpu.nodeSlices must be an integer in [1, workgroupSize = ${workgroupSize}], got ${nodeSlices}`);
    }
    lanesPerWorkgroup = Math.floor(workgroupSize / nodeSlices);
  } else {
    lanesPerWorkgroup = software ? workgroupSize : Math.min(workgroupSize, 32);
  }
  const padded = (span: number) => Math.ceil(lanes / span) * span;
  const lm = software &&
      padded(SOFTWARE_LANES_PER_INVOCATION * lanesPerWorkgroup) <= SOFTWARE_LANES_PER_INVOCATION_GAIN * padded(lanesPerWorkgroup)
    ? SOFTWARE_LANES_PER_INVOCATION
    : 1;
  return {
    lanesPerWorkgroup,
    nodeSlices: nodeSlices ?? Math.floor(workgroupSize / lanesPerWorkgroup),
    lanesPerInvocation: lanesPerInvocation ?? lm,
  };
}

/**
 * The node count to size held fast states by (webgpu.holdStates), or 0 to keep them in storage:
 * by default on GPUs when the kernel's workgroup memory fits the device's limit; asked for and
 * not fitting, an error that says what to change.
 */
export function holdStates(
  m: CompiledModel,
  n: number,
  shape: WorkgroupShape,
  sharedNoise: boolean,
  software: boolean,
  maxBytes: number,
  asked?: boolean,
): number {
  if (asked !== undefined && typeof asked !== "boolean") {
    throw new WebGpuSimulationError(`webgpu.holdStates must be true or false, got '${String(asked)}'`);
  }
  if (!(asked ?? !software)) return 0;
  const bytes = kernelWorkgroupBytes(m, { ...shape, sharedNoise, heldNodes: n });
  if (bytes <= maxBytes) return n;
  if (asked) {
    throw new WebGpuSimulationError(
      `webgpu.holdStates: the fast states of ${
        shape.lanesPerWorkgroup * shape.lanesPerInvocation
      } lanes × ${n} nodes need ${bytes} bytes ` +
        `of workgroup memory, and this adapter allows ${maxBytes}: use a smaller workgroupSize or lanesPerInvocation, or holdStates: false`,
    );
  }
  return 0;
}

/** Dense coupling (matrix product) when no edge has a delay and the network is not sparse. */
export function couplingPath(sim: PreparedSimulation, forced?: CouplingPath): CouplingPath {
  const net = sim.network;
  if (forced === "dense" && net.maxDelay > 0) {
    throw new WebGpuSimulationError(`webgpu.coupling "dense" needs a network without delays (maxDelay is ${net.maxDelay} steps)`);
  }
  if (forced !== undefined && forced !== "dense" && forced !== "csr") {
    throw new WebGpuSimulationError(`webgpu.coupling must be "dense" or "csr", got '${String(forced)}'`);
  }
  return forced ?? (net.maxDelay === 0 && net.source.length >= 0.25 * net.nNodes * net.nNodes ? "dense" : "csr");
}

interface LaneGroup {
  first: number;
  count: number;
  /** Lanes in the GPU buffers: count padded to whole workgroups (copies of lane `first`). */
  width: number;
  /** Padded lanes of the groups before this one (its place in the read-back buffers). */
  offset: number;
  state: GPUBuffer;
  ring: GPUBuffer;
  params: GPUBuffer;
  keys: GPUBuffer;
  rec: GPUBuffer;
  sums: GPUBuffer;
  bindGroups: GPUBindGroup[];
}

/**
 * Whether every workgroup's lanes (groups of lanesPerGroup lanes, each padded to whole
 * workgroups of LW lanes (LW = lanes per workgroup × lanes per invocation) with copies of its
 * first lane, as simulateWebGpu lays them out) share one
 * noise key, so that the kernel may draw each step's normals once per workgroup.
 */
export function workgroupsShareKeys(
  sim: Pick<PreparedSimulation, "lanes" | "seeds" | "streams">,
  lanesPerGroup: number,
  LW: number,
): boolean {
  for (let first = 0; first < sim.lanes; first += lanesPerGroup) {
    const count = Math.min(lanesPerGroup, sim.lanes - first);
    const width = Math.ceil(count / LW) * LW;
    for (let w = 0; w < width; w += LW) {
      const lane0 = first + (w < count ? w : 0);
      for (let l = w; l < w + LW; l++) {
        const lane = first + (l < count ? l : 0);
        if (sim.seeds[lane] !== sim.seeds[lane0] || sim.streams[lane] !== sim.streams[lane0]) return false;
      }
    }
  }
  return true;
}

/**
 * Parameters whose f32 value is the same at every node of each lane (lanes may differ): the
 * kernel loads them once per dispatch instead of per node and step. In a fit most regional
 * parameters are often given one value per candidate (e.g. rWW's w_p, J_N, I_ext, with only wIE
 * per node from FIC); each per-node load costs 4 bytes of memory traffic per node-step on a GPU.
 */
export function paramsSameAtEveryNode(sim: Pick<PreparedSimulation, "lanes" | "nNodes" | "nParams" | "params">): number[] {
  const { lanes, nNodes: n, nParams: P, params } = sim;
  const same: number[] = [];
  for (let k = 0; k < P; k++) {
    let ok = true;
    for (let l = 0; l < lanes && ok; l++) {
      const v = Math.fround(params[l * n * P + k]!);
      for (let i = 1; i < n && ok; i++) ok = Object.is(Math.fround(params[(l * n + i) * P + k]!), v); // Object.is: −0 ≠ +0
    }
    if (ok) same.push(k);
  }
  return same;
}

/**
 * Run a prepared simulation on WebGPU. `opts` may be the caller's whole options object (as
 * simulate() passes it); only the WebGpuRunOptions fields are read.
 */
export async function simulateWebGpu(sim: PreparedSimulation, options: object = {}): Promise<SimulationResult> {
  const opts = options as WebGpuRunOptions;
  const t0 = performance.now();
  const { device, description } = await getGpuContext();
  const m = sim.model;
  const { lanes, nNodes: n, nParams: P, network: net } = sim;
  const S = m.stateNames.length;
  const K = Math.max(m.coupling.length, 1);
  const R = net.maxDelay + 2;
  const E = net.source.length;
  const nRec = sim.recordIdx.length;
  const nAvg = sim.averageIdx.length;
  const software = description.isFallback;
  const shape = workgroupShape(opts.workgroupSize ?? defaultWorkgroupSize(software), software, opts.webgpu, lanes);
  // Lanes one workgroup integrates: groups are padded to, and dispatched in, whole spans.
  const span = shape.lanesPerWorkgroup * shape.lanesPerInvocation;
  const coupling = couplingPath(sim, opts.webgpu?.coupling);
  const plan = planWebGpuRun(sim, device.limits, opts, span);
  const sharedNoise = (opts.webgpu?.sharedNoise ?? !software) && m.noiseStates.length > 0 && n <= sharedNoiseMaxNodes(m) &&
    workgroupsShareKeys(sim, plan.lanesPerGroup, span);
  const heldNodes = holdStates(m, n, shape, sharedNoise, software, device.limits.maxComputeWorkgroupStorageSize, opts.webgpu?.holdStates);
  const kernelDef = generateSimulationKernel(m, {
    integrator: sim.integrator,
    recordIdx: sim.recordIdx,
    averageIdx: sim.averageIdx,
    ...shape,
    coupling,
    sharedNoise,
    paramsSameAtEveryNode: paramsSameAtEveryNode(sim),
    heldNodes,
  });
  // Pipelines per device and generated source (the source encodes model, integrator, observables
  // and workgroup size; shapes are uniforms, so they do not recompile).
  const { layout, pipelines } = await computePipelines(
    device,
    kernelDef.source,
    `WGSL for ${m.name}`,
    ["uniform", "storage", "storage", "read-only-storage", "read-only-storage", "read-only-storage", "storage", "storage"],
    ["sim_init", "sim_step"],
  );
  const kernel = { layout, init: pipelines.sim_init, step: pipelines.sim_step };
  const { lanesPerGroup, chunkSamples, segments, stepsPerDispatch } = plan;
  const ringNodes = coupling === "dense" ? Math.ceil(n / 4) * 4 : n;

  const buffers: GPUBuffer[] = [];
  const makeBuffer = (size: number, usage: number, label: string) => {
    const b = device.createBuffer({ size: Math.max(16, Math.ceil(size / 16) * 16), usage, label });
    buffers.push(b);
    return b;
  };
  const { STORAGE, COPY_DST, COPY_SRC } = USAGE;

  try {
    const netWords = packNetwork(sim, coupling);
    const netBuf = makeBuffer(netWords.byteLength, STORAGE | COPY_DST, "network");
    device.queue.writeBuffer(netBuf, 0, netWords);

    const uniforms = makeBuffer(UNIFORM_SLOTS * UNIFORM_STRIDE, USAGE.UNIFORM | COPY_DST, "run uniforms");
    const groups: LaneGroup[] = [];
    let offset = 0;
    for (let first = 0; first < lanes; first += lanesPerGroup) {
      const count = Math.min(lanesPerGroup, lanes - first);
      const width = Math.ceil(count / span) * span;
      const state = makeBuffer(width * n * S * 4, STORAGE, "state");
      const ring = makeBuffer(width * K * 2 * R * ringNodes * 4, STORAGE, "delay ring");
      const params = makeBuffer(width * n * P * 4, STORAGE | COPY_DST, "params");
      // [lane][node][param] → [node][param][lane]; padding lanes repeat lane `first`.
      const pT = new Float32Array(width * n * P);
      for (let l = 0; l < width; l++) {
        const src = (first + (l < count ? l : 0)) * n * P;
        for (let q = 0; q < n * P; q++) pT[q * width + l] = sim.params[src + q]!;
      }
      device.queue.writeBuffer(params, 0, pT);
      const keys = makeBuffer(width * 8, STORAGE | COPY_DST, "keys");
      const keyWords = new Uint32Array(width * 2);
      for (let l = 0; l < width; l++) {
        keyWords[2 * l] = sim.seeds[first + (l < count ? l : 0)]!;
        keyWords[2 * l + 1] = sim.streams[first + (l < count ? l : 0)]!;
      }
      device.queue.writeBuffer(keys, 0, keyWords);
      const rec = makeBuffer(nRec * width * chunkSamples * n * 4, STORAGE | COPY_SRC, "recorded samples");
      const sums = makeBuffer(width * n * nAvg * 4, STORAGE | COPY_SRC | COPY_DST, "sums");
      const bindGroups = Array.from({ length: UNIFORM_SLOTS }, (_, slot) =>
        device.createBindGroup({
          layout: kernel.layout,
          entries: [
            { binding: 0, resource: { buffer: uniforms, offset: slot * UNIFORM_STRIDE, size: RUN_UNIFORM_BYTES } },
            { binding: 1, resource: { buffer: state } },
            { binding: 2, resource: { buffer: ring } },
            { binding: 3, resource: { buffer: params } },
            { binding: 4, resource: { buffer: netBuf } },
            { binding: 5, resource: { buffer: keys } },
            { binding: 6, resource: { buffer: rec } },
            { binding: 7, resource: { buffer: sums } },
          ],
        }));
      groups.push({ first, count, width, offset, state, ring, params, keys, rec, sums, bindGroups });
      offset += width;
    }
    const paddedLanes = offset;
    const recStaging = nRec
      ? [0, 1].map(() => makeBuffer(nRec * paddedLanes * n * 4 * chunkSamples, USAGE.MAP_READ | COPY_DST, "samples read-back"))
      : [];
    const sumBytes = paddedLanes * n * nAvg * 4;
    const sumStaging = nAvg ? [0, 1].map(() => makeBuffer(sumBytes, USAGE.MAP_READ | COPY_DST, "sums read-back")) : [];

    // Uniform contents for one dispatch (kernels/simulate.wgsl struct Run).
    const runWords = new ArrayBuffer(UNIFORM_SLOTS * UNIFORM_STRIDE);
    const setRun = (slot: number, g: LaneGroup, firstStep: number, nSteps: number, seg: Segment | null) => {
      const u = new Uint32Array(runWords, slot * UNIFORM_STRIDE, 16);
      const f = new Float32Array(runWords, slot * UNIFORM_STRIDE, 16);
      u[0] = n;
      u[1] = R;
      u[2] = E;
      u[3] = g.width;
      u[4] = firstStep;
      u[5] = nSteps;
      u[6] = seg?.chunkStart ?? 0;
      u[7] = seg?.chunkCount ?? 0;
      u[8] = sim.recordEvery;
      u[9] = sim.nSamples;
      u[10] = sim.slowEvery;
      u[11] = 0;
      f[12] = sim.dt;
      f[13] = Math.sqrt(sim.dt);
      f[14] = 0.5 * sim.dt;
      f[15] = sim.slowDt;
    };
    // Submits dispatches (one uniform slot each), then `finish` adds copies to the last one.
    const submitDispatches = (
      work: { pipeline: GPUComputePipeline; g: LaneGroup; firstStep: number; nSteps: number; seg: Segment | null }[],
      finish?: (enc: GPUCommandEncoder) => void,
    ) => {
      let i = 0;
      do {
        const batch = work.slice(i, i + UNIFORM_SLOTS);
        batch.forEach((w, slot) => setRun(slot, w.g, w.firstStep, w.nSteps, w.seg));
        if (batch.length) device.queue.writeBuffer(uniforms, 0, runWords, 0, batch.length * UNIFORM_STRIDE);
        const enc = device.createCommandEncoder();
        batch.forEach((w, slot) => {
          const pass = enc.beginComputePass();
          pass.setPipeline(w.pipeline);
          pass.setBindGroup(0, w.g.bindGroups[slot]!);
          pass.dispatchWorkgroups(w.g.width / span);
          pass.end();
        });
        i += UNIFORM_SLOTS;
        if (finish && i >= work.length) finish(enc);
        device.queue.submit([enc.finish()]);
      } while (i < work.length);
    };

    submitDispatches(groups.map((g) => ({ pipeline: kernel.init, g, firstStep: 0, nSteps: 0, seg: null })));

    const submitSegment = (seg: Segment, index: number) => {
      const work: Parameters<typeof submitDispatches>[0] = [];
      for (let s = seg.firstStep; s < seg.firstStep + seg.nSteps; s += stepsPerDispatch) {
        const count = Math.min(stepsPerDispatch, seg.firstStep + seg.nSteps - s);
        for (const g of groups) work.push({ pipeline: kernel.step, g, firstStep: s, nSteps: count, seg });
      }
      submitDispatches(work, (enc) => {
        if (seg.completesChunk >= 0) {
          const staging = recStaging[seg.completesChunk % 2]!;
          const cc = seg.chunkCount;
          // Group after group, each [observable][sample][node][lane in group].
          for (const g of groups) enc.copyBufferToBuffer(g.rec, 0, staging, nRec * g.offset * cc * n * 4, nRec * g.width * cc * n * 4);
        }
        if (nAvg) {
          const staging = sumStaging[index % 2]!;
          for (const g of groups) {
            enc.copyBufferToBuffer(g.sums, 0, staging, g.offset * n * nAvg * 4, g.width * n * nAvg * 4);
            enc.clearBuffer(g.sums);
          }
        }
      });
    };

    const sink = new RecordingSink(sim);
    const recNames = sim.recordIdx.map((k) => m.observables[k]!);
    const avgNames = sim.averageIdx.map((k) => m.observables[k]!);
    const sumsF64 = new Float64Array(lanes * n * nAvg);
    const readSegment = async (seg: Segment, index: number) => {
      if (seg.completesChunk >= 0) {
        const staging = recStaging[seg.completesChunk % 2]!;
        const cc = seg.chunkCount;
        const bytes = nRec * paddedLanes * cc * n * 4;
        await staging.mapAsync(MAP_MODE_READ, 0, bytes);
        const all = new Float32Array(staging.getMappedRange(0, bytes));
        const data: Record<string, Float32Array> = {};
        recNames.forEach((name, r) => {
          // → [lane][sample][node]
          const out = new Float32Array(lanes * cc * n);
          for (const g of groups) {
            const base = nRec * g.offset * cc * n + r * cc * n * g.width;
            for (let q = 0; q < cc * n; q++) {
              const src = base + q * g.width;
              for (let l = 0; l < g.count; l++) out[(g.first + l) * cc * n + q] = all[src + l]!;
            }
          }
          data[name] = out;
        });
        staging.unmap();
        sink.push({ start: seg.chunkStart, count: cc, data });
      }
      if (nAvg) {
        const staging = sumStaging[index % 2]!;
        await staging.mapAsync(MAP_MODE_READ, 0, sumBytes);
        const part = new Float32Array(staging.getMappedRange(0, sumBytes));
        // group blocks of [node][observable][lane in group] → [lane][node][observable]
        for (const g of groups) {
          const base = g.offset * n * nAvg;
          for (let q = 0; q < n * nAvg; q++) {
            for (let l = 0; l < g.count; l++) sumsF64[(g.first + l) * n * nAvg + q] += part[base + q * g.width + l]!;
          }
        }
        staging.unmap();
      }
    };

    // One segment in flight ahead of the read-back: the GPU computes while the host copies.
    for (let k = 0; k < segments.length; k++) {
      submitSegment(segments[k]!, k);
      if (k > 0) await readSegment(segments[k - 1]!, k - 1);
    }
    if (segments.length) await readSegment(segments[segments.length - 1]!, segments.length - 1);
    await device.queue.onSubmittedWorkDone();

    const averages: Record<string, Float64Array> = {};
    avgNames.forEach((name, a) => {
      const out = new Float64Array(lanes * n);
      for (let q = 0; q < lanes * n; q++) out[q] = sumsF64[q * nAvg + a]! / sim.nSteps;
      averages[name] = out;
    });
    return finishResult(
      sim,
      "webgpu",
      `WebGPU on ${description.name}${description.isFallback ? " (software adapter)" : ""}${
        sharedNoise ? "; normals drawn once per workgroup (shared noise key)" : ""
      }${heldNodes ? "; fast states held in workgroup memory" : ""}`,
      sink,
      averages,
      t0,
    );
  } finally {
    for (const b of buffers) b.destroy();
  }
}
