// WASM SIMD backend driver. One lane group = 4 simulations in one f32x4; lane groups are split
// over worker threads (each with its own WebAssembly instance), and every worker integrates its
// groups chunk by chunk. Recorded samples stream out per chunk, so memory is bounded by one
// chunk whatever the duration. Workers receive their inputs by structured clone and send chunks
// back as transferred buffers (no SharedArrayBuffer needed, so it also runs on pages without
// cross-origin isolation).
import { asmBlockSteps, type AsmLayout, type AsmWidth, DENSE_TARGET_PAD, emitAsmKernel } from "../../codegen/asm.ts";
import { compileAsmKernel, kernelKey } from "../../codegen/asm-compile.ts";
import { compileTsFunctions } from "../../codegen/ts.ts";
import type { CompiledModel } from "../../models/spec.ts";
import { hasRelaxedSimd, loadKernelModule } from "./modules.ts";
import { finishResult, type PreparedSimulation, RecordingSink, type SimulationResult } from "../../batch/prepare.ts";
import { type GroupPlan, LaneGroupRunner } from "./groups.ts";
import { keepIdleWorkers, startWorker } from "./worker-host.ts";

const moduleCache = new Map<string, Promise<WebAssembly.Module>>();

/** The compiled kernel module for a model: the built-in binary when the source matches, else compiled now. */
export async function kernelModule(
  model: CompiledModel,
  width: AsmWidth = 1,
  relaxed = false,
  layout: AsmLayout = "lanes",
): Promise<WebAssembly.Module> {
  const source = emitAsmKernel(model, { width, relaxed, layout });
  const key = kernelKey(source);
  let mod = moduleCache.get(key);
  if (!mod) {
    mod = (async () => {
      // Provided (edge bundles), built-in file, or compiled now: src/backends/wasm/modules.ts.
      const label = `model '${model.name}' (${layout === "nodes" ? "nodes layout" : `width ${width}`}, ${
        relaxed ? "relaxed SIMD" : "SIMD"
      })`;
      return loadKernelModule(key, label, async () => {
        const { ASM_SOURCES } = await import("../../generated/asm-sources.ts");
        return compileAsmKernel(model, ASM_SOURCES, { width, relaxed, layout });
      });
    })();
    moduleCache.set(key, mod);
    // A failed load is not remembered: the next call tries again (the file may be there now).
    mod.catch(() => moduleCache.delete(key));
  }
  return mod;
}

/** Recorded samples per chunk. */
const SAMPLES_PER_CHUNK = 128;

/** Cores available to this process (navigator.hardwareConcurrency, or node:os). */
export async function availableThreads(): Promise<number> {
  const nav = (globalThis as { navigator?: { hardwareConcurrency?: number } }).navigator;
  if (nav?.hardwareConcurrency) return nav.hardwareConcurrency;
  try {
    const os = await import("node:os");
    return os.availableParallelism?.() ?? os.cpus().length;
  } catch {
    return 1;
  }
}

/**
 * The weights as [source][target padded to DENSE_TARGET_PAD] for the dense coupling pass (both layouts), when
 * there are no delays and `dense` allows it (default: at least a quarter of the pairs are
 * connected; the edge walk is cheaper on sparser networks); else empty.
 */
function denseWeights(net: PreparedSimulation["network"], dense?: boolean): Float32Array {
  const n = net.nNodes, nPad = Math.ceil(n / DENSE_TARGET_PAD) * DENSE_TARGET_PAD;
  if (net.maxDelay > 0 || !(dense ?? net.source.length >= 0.25 * n * n)) return new Float32Array(0);
  const w = new Float32Array(n * nPad);
  for (let i = 0; i < n; i++) {
    for (let e = net.rowStart[i]!; e < net.rowStart[i + 1]!; e++) w[net.source[e]! * nPad + i] = net.weight[e]!;
  }
  return w;
}

/**
 * Bytes of delay history per tile of sources in the blocked coupling pass: inside a core's L2
 * (512 KiB on this project's EPYC VMs), so a tile's histories stay there while every target reads
 * them. rWW + BOLD, HCP-100 with delays, batch 64 on 2 threads, width 2: 384 KiB tiles +7–11 %
 * over one tile, 192 KiB +3 %, 48 KiB −15 % (each (target, tile) reloads its sums);
 * bench/lane-width.bench.ts, bench/RESULTS.md.
 */
export const TILE_RING_BYTES = 384 * 1024;

/**
 * The blocked pass's edges cut into tiles of `perTile` consecutive sources: for each tile, a row
 * per target of its edges from that tile, in row order (rows list sources in ascending order,
 * so a target's sum still adds its sources in row order). Rows out of source order (never from
 * buildNetwork) get one tile: the plain row walk.
 */
function sourceTiles(net: PreparedSimulation["network"], edges: Int32Array, perTile: number) {
  const n = net.nNodes;
  let sorted = true;
  for (let i = 0; i < n; i++) {
    for (let e = net.rowStart[i]! + 1; e < net.rowStart[i + 1]!; e++) if (net.source[e]! <= net.source[e - 1]!) sorted = false;
  }
  const nTiles = sorted ? Math.ceil(n / perTile) : 1;
  const tileRows = new Int32Array(nTiles * (n + 1));
  const tileEdges = new Int32Array(edges.length);
  let at = 0;
  for (let tile = 0; tile < nTiles; tile++) {
    const lo = nTiles === 1 ? 0 : tile * perTile, hi = nTiles === 1 ? n : lo + perTile;
    for (let i = 0; i < n; i++) {
      tileRows[tile * (n + 1) + i] = at;
      for (let e = net.rowStart[i]!; e < net.rowStart[i + 1]!; e++) {
        const j = net.source[e]!;
        if (j < lo || j >= hi) continue;
        tileEdges.set(edges.subarray(3 * e, 3 * e + 3), 3 * at++);
      }
    }
    tileRows[tile * (n + 1) + n] = at;
  }
  return { tileRows, tileEdges, nTiles };
}

/** Build the plan for lanes [laneStart, laneStart + count), padded to whole lane groups ("lanes" layout). */
function makePlan(
  sim: PreparedSimulation,
  laneStart: number,
  count: number,
  samplesPerChunk: number,
  width: AsmWidth,
  sharedRing: boolean,
  layout: AsmLayout,
  tileRingBytes = TILE_RING_BYTES,
  dense?: boolean,
): GroupPlan {
  const m = sim.model;
  const { nNodes: n, nParams: P, network: net } = sim;
  const S = m.stateNames.length, K = m.coupling.length;
  const nodes = layout === "nodes";
  const lanes = nodes ? count : Math.ceil(count / (4 * width)) * 4 * width;
  const nnz = net.source.length;
  const R = net.maxDelay + 2;
  const blockSteps = asmBlockSteps(width, layout);
  const slotBytes = nodes ? 4 : 16 * width; // one node's lanes at one slot of the ring
  const edges = new Int32Array(3 * nnz);
  const edgeF = new Float32Array(edges.buffer);
  const wsum = new Float32Array(nodes ? Math.ceil(n / 4) * 4 : n);
  let minDelay = Infinity;
  for (let i = 0; i < n; i++) {
    for (let e = net.rowStart[i]!; e < net.rowStart[i + 1]!; e++) {
      edges[3 * e] = net.source[e]! * (R + blockSteps - 1) * slotBytes;
      edges[3 * e + 1] = net.delay[e]! * slotBytes;
      edgeF[3 * e + 2] = net.weight[e]!;
      wsum[i] += net.weight[e]!;
      minDelay = Math.min(minDelay, net.delay[e]!);
    }
  }
  const T = minDelay >= blockSteps ? blockSteps : 1;
  const tiles = nodes || T === 1 ? { tileRows: new Int32Array(0), tileEdges: new Int32Array(0), nTiles: 0 } : sourceTiles(
    net,
    edges,
    Math.max(1, Math.floor(tileRingBytes / ((R + blockSteps - 1) * slotBytes))),
  );
  const nObs = m.observables.length;
  const obsSlot = new Int32Array(nObs).fill(-1);
  const avgSlot = new Int32Array(nObs).fill(-1);
  sim.recordIdx.forEach((k, r) => (obsSlot[k] = r));
  sim.averageIdx.forEach((k, a) => (avgSlot[k] = a));
  const ts = compileTsFunctions(m);
  const x0 = Float64Array.from(m.spec.states, (s) => s.init);
  const params = new Float32Array(lanes * n * P);
  const h0 = new Float32Array(lanes * n * K);
  const h = new Float64Array(Math.max(K, 1));
  const seeds = new Uint32Array(lanes), streams = new Uint32Array(lanes);
  for (let l = 0; l < lanes; l++) {
    const lane = laneStart + Math.min(l, count - 1); // padding lanes repeat the last lane
    seeds[l] = sim.seeds[lane]!;
    streams[l] = sim.streams[lane]!;
    params.set(sim.params.subarray(lane * n * P, (lane + 1) * n * P), l * n * P);
    for (let i = 0; i < n; i++) {
      ts.coupled(x0, 0, sim.params, (lane * n + i) * P, h, 0);
      for (let k = 0; k < K; k++) h0[(l * n + i) * K + k] = h[k]!;
    }
  }
  return {
    n,
    P,
    S,
    K,
    NZ: m.noiseStates.length,
    R,
    blockSteps,
    T,
    ...tiles,
    layout,
    denseW: denseWeights(net, dense),
    nObs,
    dt: sim.dt,
    width,
    heun: sim.integrator === "heun" ? 1 : 0,
    needDerived: [...sim.recordIdx, ...sim.averageIdx].some((k) => k >= S) ? 1 : 0,
    slowEvery: sim.slowEvery,
    slowDt: sim.slowDt,
    recordEvery: sim.recordEvery,
    nRec: sim.recordIdx.length,
    nAvg: sim.averageIdx.length,
    samplesPerChunk,
    sharedRing: sharedRing ? 1 : 0,
    rowStart: net.rowStart,
    edges,
    wsum,
    obsSlot,
    avgSlot,
    init: Float32Array.from(x0),
    lanes,
    params,
    seeds,
    streams,
    h0,
  };
}

/** The same interface for an inline runner and a worker-hosted one. */
interface Shard {
  lanes: number;
  runChunk(first: number, steps: number, count: number): Promise<Float32Array[]>;
  sums(): Promise<Float64Array>;
  close(): void;
}

async function inlineShard(plan: GroupPlan, module: WebAssembly.Module): Promise<Shard> {
  const r = await LaneGroupRunner.create(plan, module);
  return { lanes: plan.lanes, runChunk: async (a, b, c) => r.runChunk(a, b, c), sums: async () => r.sums(), close() {} };
}

async function workerShard(plan: GroupPlan, module: WebAssembly.Module): Promise<Shard> {
  const { WASM_WORKER_SOURCE } = await import("../../generated/wasm-worker.ts");
  const w = await startWorker(WASM_WORKER_SOURCE);
  try {
    await w.call({ type: "init", plan, module });
  } catch (err) {
    w.release();
    throw err;
  }
  return {
    lanes: plan.lanes,
    runChunk: async (first, steps, count) => (await w.call<{ data: Float32Array[] }>({ type: "chunk", first, steps, count })).data,
    sums: async () => (await w.call<{ sums: Float64Array }>({ type: "sums" })).sums,
    close: w.release,
  };
}

export interface WasmOptions {
  /** Worker threads (default: all cores, at most one per lane group). 1 runs on the calling thread. */
  threads?: number;
  /** f32x4 vectors per lane group (default: the widest of 4, 2, 1 that gives every thread a lane group). */
  width?: AsmWidth;
  /**
   * "lanes": f32x4 over 4 simulations; "nodes": f32x4 over 4 nodes of one simulation, each
   * simulation on its own (no padding lanes). Default: "nodes" below 4 simulations.
   */
  layout?: AsmLayout;
  /**
   * Use the relaxed-SIMD build (fused multiply-add in the coupling sum) where the runtime
   * validates it (default). Its sums round differently from the plain build, so bit-for-bit
   * comparisons across runtimes should set this to false.
   */
  relaxed?: boolean;
  /** Delay history per source tile of the blocked coupling pass (default TILE_RING_BYTES); results are the same bits whatever the value. */
  tileRingBytes?: number;
  /**
   * Without delays, sum the coupling as a matrix product over all sources (true) or walk each
   * target's edges (false); default: the matrix product when at least a quarter of the node
   * pairs are connected. The same bits either way.
   */
  denseCoupling?: boolean;
}

/**
 * A lane order that puts lanes sharing a noise key (seed, stream) next to each other (stable,
 * by first appearance of each key), or null when the lanes are already so ordered. Lane groups
 * whose lanes share one key draw each step's normals once for the whole group instead of once
 * per lane (+68 % per lane-node-step for rWW + BOLD, bench/RESULTS.md), and a fit with noise
 * trials lays its lanes out candidate by candidate (seed, seed + 1, seed, seed + 1, …), which
 * would give every group mixed keys.
 */
export function laneOrderByKey(seeds: ArrayLike<number>, streams: ArrayLike<number>): number[] | null {
  const byKey = new Map<string, number[]>();
  for (let l = 0; l < seeds.length; l++) {
    const key = `${seeds[l]}:${streams[l]}`;
    let lanes = byKey.get(key);
    if (!lanes) byKey.set(key, lanes = []);
    lanes.push(l);
  }
  const order = [...byKey.values()].flat();
  return order.every((l, i) => l === i) ? null : order;
}

/** sim with its lanes in `order` (lane k of the result is lane order[k] of sim). */
function permuteLanes(sim: PreparedSimulation, order: number[]): PreparedSimulation {
  const per = sim.nNodes * sim.nParams;
  const params = new Float64Array(sim.params.length);
  order.forEach((from, to) => params.set(sim.params.subarray(from * per, (from + 1) * per), to * per));
  return { ...sim, params, seeds: Uint32Array.from(order, (l) => sim.seeds[l]!), streams: Uint32Array.from(order, (l) => sim.streams[l]!) };
}

export async function simulateWasm(sim: PreparedSimulation, opts: WasmOptions = {}): Promise<SimulationResult> {
  const order = laneOrderByKey(sim.seeds, sim.streams);
  if (order === null) return simulateWasmInOrder(sim, opts, null);
  return simulateWasmInOrder(permuteLanes(sim, order), opts, order, sim);
}

/**
 * Integrate `sim`'s lanes; when `order` is given, `sim` is `original` with its lanes permuted
 * (lane k is original lane order[k]) and the results are written back in the original order.
 */
async function simulateWasmInOrder(
  sim: PreparedSimulation,
  opts: WasmOptions,
  order: number[] | null,
  original = sim,
): Promise<SimulationResult> {
  const t0 = performance.now();
  const m = sim.model;
  const laneOut = (lane: number) => (order ? order[lane]! : lane);
  const { lanes, nNodes: n } = sim;
  const cores = await availableThreads();
  // Fewer than 4 simulations: vectors over nodes, one simulation per group, so none pays for
  // padding lanes and each can have a core.
  const layout: AsmLayout = opts.layout ?? (lanes < 4 && !opts.width ? "nodes" : "lanes");
  // Wider groups amortise edge loads over more lanes, but a thread works on whole groups: take
  // the widest width that still gives every thread a group (batch 8 on 2 cores: two groups of
  // 4, not one of 8 with a core idle) and is no wider than the batch (padding lanes cost as much
  // as real ones). With delays at most 2: a blocked pass over the edges covers 8 / width steps,
  // and a group's ring grows with its width; width 2 beat 4 by 8–18 % (rWW + BOLD, HCP-100) and
  // 10 % (SupHopf, DK-84) at batch 64 on 2 threads, while without delays 4 beat 2 by 35 %
  // (bench/RESULTS.md).
  const busy = Math.max(1, Math.min(opts.threads ?? cores, Math.ceil(lanes / 4)));
  const widest = sim.network.maxDelay > 0 ? 2 : 4;
  const width: AsmWidth = layout === "nodes"
    ? 1
    : opts.width ?? ([4, 2] as const).find((w) => w <= widest && 4 * w <= lanes && Math.ceil(lanes / (4 * w)) >= busy) ?? 1;
  const relaxed = (opts.relaxed ?? true) && hasRelaxedSimd();
  const module = await kernelModule(m, width, relaxed, layout);
  const groupLanes = layout === "nodes" ? 1 : 4 * width;
  const G = Math.ceil(lanes / groupLanes);
  const threads = Math.max(1, Math.min(opts.threads ?? cores, G));
  keepIdleWorkers(cores);
  const nRec = sim.recordIdx.length;
  const samplesPerChunk = nRec ? Math.min(SAMPLES_PER_CHUNK, Math.max(sim.nSamples, 1)) : 0;
  // Nothing recorded: one chunk, so each shard's lane groups can run to the end one after
  // another through one shared delay ring (see GroupPlan.sharedRing).
  const chunkSteps = nRec ? samplesPerChunk * sim.recordEvery : Math.max(sim.nSteps, 1);

  // Split lane groups evenly over threads.
  const shards: Shard[] = [];
  const laneStarts: number[] = [];
  let groupStart = 0;
  try {
    for (let t = 0; t < threads; t++) {
      const groups = Math.floor(G / threads) + (t < G % threads ? 1 : 0);
      const laneStart = groupStart * groupLanes;
      const count = Math.min(groups * groupLanes, lanes - laneStart);
      groupStart += groups;
      const plan = makePlan(sim, laneStart, count, samplesPerChunk, width, nRec === 0, layout, opts.tileRingBytes, opts.denseCoupling);
      laneStarts.push(laneStart);
      shards.push(threads === 1 ? await inlineShard(plan, module) : await workerShard(plan, module));
    }

    const sink = new RecordingSink(original);
    const recNames = sim.recordIdx.map((k) => m.observables[k]!);
    let sampleBase = 0;
    for (let first = 0; first < sim.nSteps; first += chunkSteps) {
      const steps = Math.min(chunkSteps, sim.nSteps - first);
      const count = nRec ? Math.floor(steps / sim.recordEvery) : 0;
      const parts = await Promise.all(shards.map((s) => s.runChunk(first, steps, count)));
      if (count) {
        const data: Record<string, Float32Array> = {};
        recNames.forEach((name, r) => {
          const dst = new Float32Array(lanes * count * n);
          parts.forEach((p, t) => {
            const own = Math.min(shards[t]!.lanes, lanes - laneStarts[t]!);
            if (!order) dst.set(p[r]!.subarray(0, own * count * n), laneStarts[t]! * count * n);
            else {for (let l = 0; l < own; l++) {
                dst.set(p[r]!.subarray(l * count * n, (l + 1) * count * n), laneOut(laneStarts[t]! + l) * count * n);
              }}
          });
          data[name] = dst;
        });
        sink.push({ start: sampleBase, count, data });
        sampleBase += count;
      }
    }

    const averages: Record<string, Float64Array> = {};
    if (sim.averageIdx.length) {
      const sums = await Promise.all(shards.map((s) => s.sums()));
      sim.averageIdx.forEach((k, a) => {
        const out = new Float64Array(lanes * n);
        sums.forEach((s, t) => {
          const L = shards[t]!.lanes;
          const own = Math.min(L, lanes - laneStarts[t]!);
          for (let l = 0; l < own; l++) {
            for (let i = 0; i < n; i++) out[laneOut(laneStarts[t]! + l) * n + i] = s[(a * L + l) * n + i]! / sim.nSteps;
          }
        });
        averages[m.observables[k]!] = out;
      });
    }
    const shape = layout === "nodes"
      ? `f32x4 over nodes), ${G} simulation${G > 1 ? "s" : ""}`
      : `f32x4 × ${width}), ${G} lane group${G > 1 ? "s" : ""} of ${groupLanes}`;
    return finishResult(
      original,
      "wasm",
      `WASM ${relaxed ? "relaxed " : ""}SIMD (${shape} on ${threads} thread${threads > 1 ? "s" : ""}`,
      sink,
      averages,
      t0,
    );
  } finally {
    for (const s of shards) s.close();
  }
}
