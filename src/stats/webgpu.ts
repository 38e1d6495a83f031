/// <reference types="@webgpu/types" />
// WebGPU batch statistics backend: FC and FCD in WGSL compute kernels (float32), same interface
// and options as typescriptStatsBackend. The exactness-sensitive, cheap steps stay in float64
// TypeScript (outlier volumes, z-scoring / centring, window choice, as src/stats/wasm.ts); the GPU
// does window normalisation, pair dot products, the window-FC row normalisation and the windows ×
// windows correlations. Simulations go in chunks so every buffer fits the device's limits.
import type { BatchSeries, StatsBackend } from "./backend.ts";
import { assertSeriesShape, type FcOptions, fcPairs, type NodePairs, zscoreNonOutlierVolumes } from "./fc.ts";
import { type FcdOptions, type FcdResult, FcdWorkspace } from "./fcd.ts";

const WG = 64;
// WebGPU's flag values (the GPUBufferUsage / GPUMapMode globals are missing in some runtimes).
const USAGE = { MAP_READ: 1, COPY_SRC: 4, COPY_DST: 8, UNIFORM: 64, STORAGE: 128 } as const;
const MAP_READ_MODE = 1;

const STATS_WGSL = /* wgsl */ `
struct Params {
  nNodes: u32, nTime: u32, uStride: u32, nPairs: u32,
  fcStride: u32, nJobs: u32, rowLen: u32, pitch: u32,
}
@group(0) @binding(0) var<uniform> p: Params;

// Normalise the rows of each window: job = window * nNodes + node. windows[w] = (seriesOffset, start, len, _).
@group(0) @binding(1) var<storage, read> series: array<f32>;
@group(0) @binding(2) var<storage, read> windows: array<vec4<u32>>;
@group(0) @binding(3) var<storage, read_write> u: array<f32>;
@compute @workgroup_size(${WG})
fn normalizeWindows(@builtin(global_invocation_id) gid: vec3<u32>) {
  let job = gid.x + gid.y * p.pitch;
  if (job >= p.nJobs) { return; }
  let w = job / p.nNodes;
  let node = job % p.nNodes;
  let win = windows[w];
  let src = win.x + node * p.nTime + win.y;
  let len = win.z;
  var s = 0.0;
  for (var t = 0u; t < len; t++) { s += series[src + t]; }
  let m = s / f32(len);
  var ss = 0.0;
  for (var t = 0u; t < len; t++) { let d = series[src + t] - m; ss += d * d; }
  let inv = 1.0 / sqrt(ss);
  let dst = (w * p.nNodes + node) * p.uStride;
  for (var t = 0u; t < p.uStride; t++) {
    u[dst + t] = select(0.0, (series[src + min(t, len - 1u)] - m) * inv, t < len);
  }
}

// Pair dot products: job = window * nPairs + k; pairs[k] = (row, col).
@group(0) @binding(4) var<storage, read> uIn: array<vec4<f32>>;
@group(0) @binding(5) var<storage, read> pairs: array<vec2<u32>>;
@group(0) @binding(6) var<storage, read_write> fc: array<f32>;
@compute @workgroup_size(${WG})
fn pairDots(@builtin(global_invocation_id) gid: vec3<u32>) {
  let job = gid.x + gid.y * p.pitch;
  if (job >= p.nJobs) { return; }
  let w = job / p.nPairs;
  let k = job % p.nPairs;
  let pr = pairs[k];
  let v4 = p.uStride / 4u;
  let a = (w * p.nNodes + pr.x) * v4;
  let b = (w * p.nNodes + pr.y) * v4;
  var acc = vec4<f32>(0.0);
  for (var t = 0u; t < v4; t++) { acc += uIn[a + t] * uIn[b + t]; }
  fc[w * p.fcStride + k] = clamp(acc.x + acc.y + acc.z + acc.w, -1.0, 1.0);
}

// Centre and normalise each window-FC row (rowLen valid of fcStride), one workgroup per row.
var<workgroup> red: array<f32, ${WG}>;
@compute @workgroup_size(${WG})
fn normalizeRows(@builtin(workgroup_id) wid: vec3<u32>, @builtin(local_invocation_id) lid: vec3<u32>) {
  let row = wid.x + wid.y * 65535u;
  if (row >= p.nJobs) { return; }
  let o = row * p.fcStride;
  let i = lid.x;
  var s = 0.0;
  for (var k = i; k < p.rowLen; k += ${WG}u) { s += fc[o + k]; }
  red[i] = s;
  workgroupBarrier();
  for (var h = ${WG / 2}u; h > 0u; h = h / 2u) {
    if (i < h) { red[i] += red[i + h]; }
    workgroupBarrier();
  }
  let m = red[0] / f32(p.rowLen);
  workgroupBarrier();
  var ss = 0.0;
  for (var k = i; k < p.rowLen; k += ${WG}u) { let d = fc[o + k] - m; ss += d * d; }
  red[i] = ss;
  workgroupBarrier();
  for (var h = ${WG / 2}u; h > 0u; h = h / 2u) {
    if (i < h) { red[i] += red[i + h]; }
    workgroupBarrier();
  }
  let inv = 1.0 / sqrt(red[0]);
  for (var k = i; k < p.rowLen; k += ${WG}u) { fc[o + k] = (fc[o + k] - m) * inv; }
}

// Correlations between window-FC rows, 8 × 8 tiles of (a, b) per workgroup with the rows staged
// through workgroup memory in chunks of KC vec4s. tiles[2t] = (firstRow, nWindows, tileA, tileB),
// tiles[2t + 1].x = the simulation's first output index; out[base + a(a − 1)/2 + b] for a > b.
const KC = 16u;
@group(0) @binding(7) var<storage, read> rows: array<vec4<f32>>;
@group(0) @binding(8) var<storage, read> tiles: array<vec4<u32>>;
@group(0) @binding(9) var<storage, read_write> outCorr: array<f32>;
var<workgroup> tileA: array<vec4<f32>, 128>;
var<workgroup> tileB: array<vec4<f32>, 128>;
@compute @workgroup_size(64)
fn gram(@builtin(workgroup_id) wid: vec3<u32>, @builtin(local_invocation_index) li: u32) {
  let t = wid.x + wid.y * 65535u;
  if (t >= p.nJobs) { return; }
  let tile = tiles[2u * t];
  let base = tiles[2u * t + 1u].x;
  let i = li / 8u;
  let j = li % 8u;
  let a = tile.z * 8u + i;
  let b = tile.w * 8u + j;
  let v4 = p.fcStride / 4u;
  let last = tile.y - 1u;
  var acc0 = vec4<f32>(0.0);
  var acc1 = vec4<f32>(0.0);
  for (var c = 0u; c < v4; c += KC) {
    for (var e = li; e < 8u * KC; e += 64u) {
      let r = e / KC;
      let kk = c + e % KC;
      let inside = kk < v4;
      let k = min(kk, v4 - 1u);
      tileA[e] = select(vec4<f32>(0.0), rows[(tile.x + min(tile.z * 8u + r, last)) * v4 + k], inside);
      tileB[e] = select(vec4<f32>(0.0), rows[(tile.x + min(tile.w * 8u + r, last)) * v4 + k], inside);
    }
    workgroupBarrier();
    for (var k = 0u; k < KC; k += 2u) {
      acc0 += tileA[i * KC + k] * tileB[j * KC + k];
      acc1 += tileA[i * KC + k + 1u] * tileB[j * KC + k + 1u];
    }
    workgroupBarrier();
  }
  if (a < tile.y && b < a) {
    let s = acc0 + acc1;
    outCorr[base + a * (a - 1u) / 2u + b] = clamp(s.x + s.y + s.z + s.w, -1.0, 1.0);
  }
}

// The same correlations, one (a, b) per invocation: jobs[j] = (rowA, rowB), out[j]. Faster than the
// tiles on software adapters (lavapipe runs workgroup barriers slowly).
@group(0) @binding(10) var<storage, read> jobs: array<vec2<u32>>;
@compute @workgroup_size(${WG})
fn gramPairs(@builtin(global_invocation_id) gid: vec3<u32>) {
  let j = gid.x + gid.y * p.pitch;
  if (j >= p.nJobs) { return; }
  let v4 = p.fcStride / 4u;
  let a = jobs[j].x * v4;
  let b = jobs[j].y * v4;
  var acc0 = vec4<f32>(0.0);
  var acc1 = vec4<f32>(0.0);
  var t = 0u;
  for (; t + 1u < v4; t += 2u) {
    acc0 += rows[a + t] * rows[b + t];
    acc1 += rows[a + t + 1u] * rows[b + t + 1u];
  }
  if (t < v4) { acc0 += rows[a + t] * rows[b + t]; }
  let s = acc0 + acc1;
  outCorr[j] = clamp(s.x + s.y + s.z + s.w, -1.0, 1.0);
}
`;

const roundUp4 = (n: number) => (n + 3) & ~3;

interface Pipelines {
  normalizeWindows: GPUComputePipeline;
  pairDots: GPUComputePipeline;
  normalizeRows: GPUComputePipeline;
  gram: GPUComputePipeline;
  gramPairs: GPUComputePipeline;
}

/**
 * Settings of the WebGPU statistics backend.
 *
 * @example
 * ```ts
 * import { createWebGpuStatsBackend, type WebGpuStatsOptions } from "brainfit/stats";
 * const opts: WebGpuStatsOptions = { tiledGram: true };
 * const gpu = await createWebGpuStatsBackend(undefined, opts);
 * ```
 */
export interface WebGpuStatsOptions {
  /**
   * FCD correlation kernel: true = 8 × 8 tiles through workgroup memory (for hardware GPUs),
   * false = one dot product per invocation (faster on software adapters such as lavapipe).
   * Default: false on a software adapter, true otherwise.
   */
  tiledGram?: boolean;
}

/** One simulation's windows inside a chunk. */
interface SimWindows {
  starts: number[];
  ends: number[];
  firstRow: number;
}

class WebGpuStats {
  private readonly maxBinding: number;

  constructor(
    private readonly device: GPUDevice,
    private readonly pipes: Pipelines,
    private readonly tiledGram: boolean,
  ) {
    this.maxBinding = Math.min(device.limits.maxStorageBufferBindingSize, device.limits.maxBufferSize);
  }

  private buffer(data: ArrayBufferView | number, usage: number): GPUBuffer {
    const size = typeof data === "number" ? data : data.byteLength;
    const buf = this.device.createBuffer({ size: Math.max(16, roundUp4(size)), usage });
    if (typeof data !== "number") this.device.queue.writeBuffer(buf, 0, data.buffer, data.byteOffset, data.byteLength);
    return buf;
  }

  private params(values: number[]): GPUBuffer {
    return this.buffer(Uint32Array.from(values), USAGE.UNIFORM | USAGE.COPY_DST);
  }

  private dispatch(
    pass: GPUComputePassEncoder,
    pipe: GPUComputePipeline,
    entries: [number, GPUBuffer][],
    jobs: number,
    perWorkgroup = WG,
  ): void {
    if (jobs === 0) return;
    pass.setPipeline(pipe);
    pass.setBindGroup(
      0,
      this.device.createBindGroup({
        layout: pipe.getBindGroupLayout(0),
        entries: entries.map(([binding, buffer]) => ({ binding, resource: { buffer } })),
      }),
    );
    const groups = Math.ceil(jobs / perWorkgroup);
    const x = Math.min(groups, 65535);
    pass.dispatchWorkgroups(x, Math.ceil(groups / x));
  }

  private async read(buf: GPUBuffer, bytes: number): Promise<Float32Array> {
    const staging = this.device.createBuffer({ size: roundUp4(Math.max(bytes, 4)), usage: USAGE.MAP_READ | USAGE.COPY_DST });
    const enc = this.device.createCommandEncoder();
    enc.copyBufferToBuffer(buf, 0, staging, 0, roundUp4(Math.max(bytes, 4)));
    this.device.queue.submit([enc.finish()]);
    await staging.mapAsync(MAP_READ_MODE);
    const out = new Float32Array(staging.getMappedRange().slice(0, bytes));
    staging.unmap();
    staging.destroy();
    return out;
  }

  /**
   * Window FCs for a chunk of processed series: z (sims × nNodes × nTime f32), windows as
   * (seriesOffset, start, len). Returns the fc buffer (rows × fcStride) on the GPU.
   */
  private windowFcPass(
    enc: GPUCommandEncoder,
    z: Float32Array,
    win: Uint32Array,
    nRows: number,
    nNodes: number,
    nTime: number,
    uStride: number,
    pairs: NodePairs,
    fcStride: number,
    keep: GPUBuffer[],
  ): GPUBuffer {
    const S = USAGE.STORAGE | USAGE.COPY_DST | USAGE.COPY_SRC;
    const bSeries = this.buffer(z, S);
    const bWin = this.buffer(win, S);
    const pairData = new Uint32Array(2 * pairs.length);
    for (let k = 0; k < pairs.length; k++) {
      pairData[2 * k] = pairs.rows[k]!;
      pairData[2 * k + 1] = pairs.cols[k]!;
    }
    const bPairs = this.buffer(pairData, S);
    const bU = this.buffer(nRows * nNodes * uStride * 4, S);
    const bFc = this.buffer(nRows * fcStride * 4, S);
    const pitch = 65535 * WG;
    const p1 = this.params([nNodes, nTime, uStride, pairs.length, fcStride, nRows * nNodes, 0, pitch]);
    const p2 = this.params([nNodes, nTime, uStride, pairs.length, fcStride, nRows * pairs.length, 0, pitch]);
    keep.push(bSeries, bWin, bPairs, bU, bFc, p1, p2);
    const pass = enc.beginComputePass();
    this.dispatch(pass, this.pipes.normalizeWindows, [[0, p1], [1, bSeries], [2, bWin], [3, bU]], nRows * nNodes);
    this.dispatch(pass, this.pipes.pairDots, [[0, p2], [4, bU], [5, bPairs], [6, bFc]], nRows * pairs.length);
    pass.end();
    return bFc;
  }

  /** Simulations per chunk so the largest buffer stays within the binding limit. */
  private chunkSize(bytesPerSim: number, batch: number): number {
    return Math.max(1, Math.min(batch, Math.floor(this.maxBinding / Math.max(bytesPerSim, 1))));
  }

  async fcBatch(input: BatchSeries, options: FcOptions): Promise<Float64Array> {
    const { data, batch, nNodes, nTime } = input;
    assertSeriesShape(data, nNodes, nTime, batch);
    const pairs = fcPairs(nNodes, options);
    const P = pairs.length;
    const out = new Float64Array(batch * P);
    if (P === 0) return out;
    const uStride = roundUp4(nTime);
    const fcStride = roundUp4(P);
    const chunk = this.chunkSize(Math.max(nNodes * uStride, fcStride) * 4, batch);
    const z64 = new Float64Array(nNodes * nTime);
    const flags = new Uint8Array(nTime);
    for (let b0 = 0; b0 < batch; b0 += chunk) {
      const nb = Math.min(chunk, batch - b0);
      const z = new Float32Array(nb * nNodes * nTime);
      const win = new Uint32Array(4 * nb);
      for (let s = 0; s < nb; s++) {
        const offset = (b0 + s) * nNodes * nTime;
        if (options.zeroVolumesAsOutliers) zscoreNonOutlierVolumes(data, offset, nNodes, nTime, z64, flags);
        else centreRows(data, offset, nNodes, nTime, z64);
        z.set(z64, s * nNodes * nTime);
        win.set([s * nNodes * nTime, 0, nTime, 0], 4 * s);
      }
      const keep: GPUBuffer[] = [];
      const enc = this.device.createCommandEncoder();
      const bFc = this.windowFcPass(enc, z, win, nb, nNodes, nTime, uStride, pairs, fcStride, keep);
      this.device.queue.submit([enc.finish()]);
      const fc = await this.read(bFc, nb * fcStride * 4);
      for (let s = 0; s < nb; s++) for (let k = 0; k < P; k++) out[(b0 + s) * P + k] = fc[s * fcStride + k]!;
      for (const buf of keep) buf.destroy();
    }
    return out;
  }

  async fcdBatch(input: BatchSeries, options: FcdOptions): Promise<FcdResult[]> {
    const { data, batch, nNodes, nTime } = input;
    assertSeriesShape(data, nNodes, nTime, batch);
    const ws = new FcdWorkspace(nNodes, nTime, options);
    const { pairs } = ws;
    const { starts, ends } = ws.windows;
    const threshold = options.outlierThreshold ?? 0.5;
    const P = pairs.length;
    const maxWin = starts.length;
    const uStride = roundUp4(options.windowTRs + 1);
    const fcStride = roundUp4(P);
    const chunk = this.chunkSize(maxWin * Math.max(fcStride, nNodes * uStride) * 4, batch);
    const z64 = new Float64Array(nNodes * nTime);
    const flags = new Uint8Array(nTime);
    const zeroColumn = new Uint8Array(nTime);
    const results: FcdResult[] = [];
    for (let b0 = 0; b0 < batch; b0 += chunk) {
      const nb = Math.min(chunk, batch - b0);
      const z = new Float32Array(nb * nNodes * nTime);
      const sims: SimWindows[] = [];
      let nRows = 0;
      for (let s = 0; s < nb; s++) {
        zscoreNonOutlierVolumes(data, (b0 + s) * nNodes * nTime, nNodes, nTime, z64, flags);
        // Same outlier-window rule as FcdWorkspace.compute: column sums of the processed series.
        for (let t = 0; t < nTime; t++) {
          let sum = 0;
          for (let i = 0; i < nNodes; i++) sum += z64[i * nTime + t]!;
          zeroColumn[t] = sum === 0 ? 1 : 0;
        }
        const sw: SimWindows = { starts: [], ends: [], firstRow: nRows };
        for (let w = 0; w < maxWin; w++) {
          const start = starts[w]!;
          const len = ends[w]! - start + 1;
          let zeros = 0;
          for (let t = start; t < start + len; t++) zeros += zeroColumn[t]!;
          if (zeros / len > threshold) continue;
          sw.starts.push(start);
          sw.ends.push(start + len - 1);
        }
        nRows += sw.starts.length;
        sims.push(sw);
        z.set(z64, s * nNodes * nTime);
      }
      const win = new Uint32Array(4 * Math.max(nRows, 1));
      let nJobs = 0;
      sims.forEach((sw, s) => {
        sw.starts.forEach((start, w) => win.set([s * nNodes * nTime, start, sw.ends[w]! - start + 1, 0], 4 * (sw.firstRow + w)));
        nJobs += (sw.starts.length * (sw.starts.length - 1)) / 2;
      });
      // Work list of the correlation kernel: 8 × 8 tiles of each simulation's windows × windows
      // lower triangle (tileA ≥ tileB, with the simulation's first output index), or (a, b) rows.
      const work: number[] = [];
      let outBase = 0;
      for (const sw of sims) {
        const n = sw.starts.length;
        if (this.tiledGram) {
          const nt = Math.ceil(n / 8);
          for (let ta = 0; ta < nt; ta++) for (let tb = 0; tb <= ta; tb++) work.push(sw.firstRow, n, ta, tb, outBase, 0, 0, 0);
        } else {
          for (let a = 1; a < n; a++) for (let b = 0; b < a; b++) work.push(sw.firstRow + a, sw.firstRow + b);
        }
        outBase += (n * (n - 1)) / 2;
      }
      const nWork = work.length / (this.tiledGram ? 8 : 2);
      const workData = work.length ? Uint32Array.from(work) : new Uint32Array(8);
      const keep: GPUBuffer[] = [];
      const enc = this.device.createCommandEncoder();
      const bFc = this.windowFcPass(enc, z, win, nRows, nNodes, nTime, uStride, pairs, fcStride, keep);
      let windowFc: Float32Array | null = null;
      if (options.returnWindowFc) {
        this.device.queue.submit([enc.finish()]);
        windowFc = await this.read(bFc, nRows * fcStride * 4);
      }
      const enc2 = options.returnWindowFc ? this.device.createCommandEncoder() : enc;
      const S = USAGE.STORAGE | USAGE.COPY_DST | USAGE.COPY_SRC;
      const bWork = this.buffer(workData, S);
      const bOut = this.buffer(Math.max(nJobs, 1) * 4, S);
      const pitch = 65535 * WG;
      const pRows = this.params([nNodes, nTime, uStride, P, fcStride, nRows, P, pitch]);
      const pGram = this.params([nNodes, nTime, uStride, P, fcStride, nWork, P, pitch]);
      keep.push(bWork, bOut, pRows, pGram);
      const pass = enc2.beginComputePass();
      this.dispatch(pass, this.pipes.normalizeRows, [[0, pRows], [6, bFc]], nRows, 1);
      if (this.tiledGram) this.dispatch(pass, this.pipes.gram, [[0, pGram], [7, bFc], [8, bWork], [9, bOut]], nWork, 1);
      else this.dispatch(pass, this.pipes.gramPairs, [[0, pGram], [7, bFc], [10, bWork], [9, bOut]], nWork);
      pass.end();
      this.device.queue.submit([enc2.finish()]);
      const corr = await this.read(bOut, nJobs * 4);
      for (const buf of keep) buf.destroy();
      let offset = 0;
      for (const sw of sims) {
        const n = sw.starts.length;
        const len = (n * (n - 1)) / 2;
        const result: FcdResult = {
          fcdTril: Float64Array.from(corr.subarray(offset, offset + len)),
          nWindows: n,
          windowStarts: Int32Array.from(sw.starts),
          windowEnds: Int32Array.from(sw.ends),
        };
        if (windowFc) {
          const fc = new Float64Array(n * P);
          for (let w = 0; w < n; w++) for (let k = 0; k < P; k++) fc[w * P + k] = windowFc[(sw.firstRow + w) * fcStride + k]!;
          result.windowFcTrils = fc;
        }
        offset += len;
        results.push(result);
      }
    }
    return results;
  }
}

/** Rows of (nodes x time) data at `offset`, each minus its float64 mean, into out. */
function centreRows(data: ArrayLike<number>, offset: number, nNodes: number, nTime: number, out: Float64Array): void {
  for (let i = 0; i < nNodes; i++) {
    const src = offset + i * nTime;
    let s = 0;
    for (let t = 0; t < nTime; t++) s += data[src + t]!;
    const m = s / nTime;
    for (let t = 0; t < nTime; t++) out[i * nTime + t] = data[src + t]! - m;
  }
}

/**
 * A StatsBackend running FC and FCD in WGSL compute kernels on `device` (default: the shared
 * device of the WebGPU simulation backend). Results match typescriptStatsBackend within float32
 * tolerance (docs/stats.md). Throws WebGpuUnavailableError when there is no adapter.
 *
 * @example
 * ```ts
 * import { createWebGpuStatsBackend, setStatsBackend } from "brainfit/stats";
 * setStatsBackend(await createWebGpuStatsBackend()); // on the shared device of the WebGPU simulation backend
 * ```
 */
export async function createWebGpuStatsBackend(device?: GPUDevice, options: WebGpuStatsOptions = {}): Promise<StatsBackend> {
  let dev = device;
  let software = false;
  if (!dev) {
    const ctx = await (await import("../backends/webgpu/gpu.ts")).getGpuContext();
    dev = ctx.device;
    software = ctx.description.isFallback;
  }
  const module = dev.createShaderModule({ code: STATS_WGSL });
  const d = dev;
  const make = (entryPoint: string) => d.createComputePipelineAsync({ layout: "auto", compute: { module, entryPoint } });
  const [normalizeWindows, pairDots, normalizeRows, gram, gramPairs] = await Promise.all(
    ["normalizeWindows", "pairDots", "normalizeRows", "gram", "gramPairs"].map(make),
  );
  const pipes = {
    normalizeWindows: normalizeWindows!,
    pairDots: pairDots!,
    normalizeRows: normalizeRows!,
    gram: gram!,
    gramPairs: gramPairs!,
  };
  const stats = new WebGpuStats(dev, pipes, options.tiledGram ?? !software);
  return {
    name: "webgpu",
    fcBatch: (input, opts = {}) => stats.fcBatch(input, opts),
    fcdBatch: (input, opts) => stats.fcdBatch(input, opts),
  };
}
