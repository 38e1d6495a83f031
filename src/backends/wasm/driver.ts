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
 * Most steps one blocked coupling pass covers ("lanes" layout), when every delay is at least that
 * long: a pass brings every source's history through the cache once, so longer passes read the
 * rings less often (bench/RESULTS.md); each pass's coupled inputs (cbuf: steps × nodes × the
 * group's lanes) must stay in cache for the steps that read them.
 */
export const MAX_PASS_STEPS = 32;

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
  maxPassSteps = MAX_PASS_STEPS,
): GroupPlan {
  const m = sim.model;
  const { nNodes: n, nParams: P, network: net } = sim;
  const S = m.stateNames.length, K = m.coupling.length;
  const nodes = layout === "nodes";
  const lanes = nodes ? count : Math.ceil(count / (4 * width)) * 4 * width;
  const nnz = net.source.length;
  const R = net.maxDelay + 2;
  const TC = asmBlockSteps(width, layout);
  const slotBytes = nodes ? 4 : 16 * width; // one node's lanes at one slot of the ring
  const edges = new Int32Array(3 * nnz);
  const edgeF = new Float32Array(edges.buffer);
  const wsum = new Float32Array(nodes ? Math.ceil(n / 4) * 4 : n);
  let minDelay = Infinity;
  for (let e = 0; e < nnz; e++) minDelay = Math.min(minDelay, net.delay[e]!);
  // Steps per blocked coupling pass: the longest multiple of the kernel's TC that every delay
  // covers, at most maxPassSteps ("lanes" layout; the "nodes" layout's pass is TC).
  const blockSteps = nodes ? TC : Math.max(TC, Math.floor(Math.min(minDelay, Math.max(maxPassSteps, TC)) / TC) * TC);
  for (let i = 0; i < n; i++) {
    for (let e = net.rowStart[i]!; e < net.rowStart[i + 1]!; e++) {
      edges[3 * e] = net.source[e]! * (R + blockSteps - 1) * slotBytes;
      edges[3 * e + 1] = net.delay[e]! * slotBytes;
      edgeF[3 * e + 2] = net.weight[e]!;
      wsum[i] += net.weight[e]!;
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

/** Lanes [laneStart, laneStart + count) of the simulation, run as lane groups of one width (one runner, one plan). */
interface Segment {
  laneStart: number;
  count: number;
  width: AsmWidth;
}

/** One thread's segments, inline or in a worker; results come back per segment (padding lanes included). */
interface Shard {
  segments: Segment[];
  /** Recorded samples: [segment][recorded slot], each the segment's plan lanes × count × n. */
  runChunk(first: number, steps: number, count: number): Promise<Float32Array[][]>;
  /** Sums per segment: [avg][plan lane][node]. */
  sums(): Promise<Float64Array[]>;
  close(): void;
}

async function inlineShard(segments: Segment[], plans: GroupPlan[], modules: WebAssembly.Module[]): Promise<Shard> {
  const runners = await Promise.all(plans.map((plan, k) => LaneGroupRunner.create(plan, modules[k]!)));
  return {
    segments,
    runChunk: async (a, b, c) => runners.map((r) => r.runChunk(a, b, c)),
    sums: async () => runners.map((r) => r.sums()),
    close() {},
  };
}

async function workerShard(segments: Segment[], plans: GroupPlan[], modules: WebAssembly.Module[]): Promise<Shard> {
  const { WASM_WORKER_SOURCE } = await import("../../generated/wasm-worker.ts");
  const w = await startWorker(WASM_WORKER_SOURCE);
  try {
    await w.call({ type: "init", plans, modules });
  } catch (err) {
    w.release();
    throw err;
  }
  return {
    segments,
    runChunk: async (first, steps, count) => (await w.call<{ data: Float32Array[][] }>({ type: "chunk", first, steps, count })).data,
    sums: async () => (await w.call<{ sums: Float64Array[] }>({ type: "sums" })).sums,
    close: w.release,
  };
}

/**
 * Per-lane cost of a lane group of each width, relative to the cheapest, for planLaneGroups.
 * rWW + FIC + BOLD on HCP-100, 16 lanes on one thread, width forced (bench/lane-width.bench.ts,
 * bench/RESULTS.md): without delays widths 1, 2 and 4 ran 3.20, 3.65 and 3.90e7 node-steps/s (a
 * wider group shares each weight load and each of V8's rebuilt constants between more vectors);
 * with delays and passes of up to MAX_PASS_STEPS steps the three ran within ±5 % of each other
 * (2.81, 2.78, 2.67 and 2.84, 2.90, 3.04e7; at batch 64 on 2 threads 5.46, 5.64, 5.43e7). Before
 * the longer passes a wide group's ring left the cache more often (1.65e7 at width 4 against
 * 2.14e7 at width 2).
 */
export const LANE_COST_BY_WIDTH: Record<"delays" | "noDelays", Record<AsmWidth, number>> = {
  delays: { 1: 1.05, 2: 1, 4: 1 },
  noDelays: { 1: 1.25, 2: 1.1, 4: 1 },
};

/**
 * The cheapest lane group widths for `units` groups of 4 lanes on one thread, widest first: a
 * dynamic programme over Σ cost[w]·w, where a group may reach past the last unit (padding lanes
 * cost as much as real ones). Ties keep the wider (fewer groups).
 */
export function cheapestWidths(units: number, cost: Record<AsmWidth, number>): AsmWidth[] {
  const best: { cost: number; widths: AsmWidth[] }[] = [{ cost: 0, widths: [] }];
  for (let u = 1; u <= units; u++) {
    let pick: { cost: number; widths: AsmWidth[] } | undefined;
    for (const w of [4, 2, 1] as const) {
      const prev = best[Math.max(0, u - w)]!;
      const c = prev.cost + cost[w] * w;
      if (!pick || c < pick.cost * (1 - 1e-9)) pick = { cost: c, widths: [w, ...prev.widths] };
    }
    best[u] = pick!;
  }
  return [...best[units]!.widths].sort((a, b) => b - a);
}

/** [start, count] of `items` split over `parts` as evenly as can be (the first ones one longer). */
function splitEvenly(items: number, parts: number): [number, number][] {
  const out: [number, number][] = [];
  for (let t = 0, at = 0; t < parts; t++) {
    const count = Math.floor(items / parts) + (t < items % parts ? 1 : 0);
    out.push([at, count]);
    at += count;
  }
  return out;
}

/**
 * How a batch of `lanes` simulations is cut over `threads`: every thread gets as near the same
 * number of lanes as whole groups of 4 allow, and its lanes run as the cheapest mix of widths
 * (cheapestWidths), consecutive groups of one width as one segment. So 40 lanes without delays
 * on 2 threads run as 16 + 4 lanes per thread, not as groups of 16 split 2 : 1 (32 lanes of
 * work on one core, 16 on the other). `width` forces one width for every group (groups split as
 * evenly as whole groups allow). Returns one list of segments per thread that has work.
 */
export function planLaneGroups(
  lanes: number,
  threads: number,
  cost: Record<AsmWidth, number>,
  width?: AsmWidth,
): Segment[][] {
  const unitLanes = 4 * (width ?? 1);
  const units = Math.ceil(lanes / unitLanes);
  const out: Segment[][] = [];
  let lane = 0;
  for (const [, q] of splitEvenly(units, Math.max(1, Math.min(threads, units)))) {
    const end = Math.min(lanes, lane + q * unitLanes);
    const segments: Segment[] = [];
    for (const w of width ? Array.from({ length: q }, () => width) : cheapestWidths(q, cost)) {
      const count = Math.min(4 * w, end - lane);
      if (count <= 0) break;
      const last = segments[segments.length - 1];
      if (last?.width === w) last.count += count;
      else segments.push({ laneStart: lane, count, width: w });
      lane += count;
    }
    out.push(segments);
  }
  return out;
}

export interface WasmOptions {
  /** Worker threads (default: all cores, at most one per lane group). 1 runs on the calling thread. */
  threads?: number;
  /**
   * f32x4 vectors per lane group, the same for every group (default: each thread's lanes as the
   * cheapest mix of widths 4, 2 and 1; planLaneGroups). Results are the same bits either way.
   */
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
  /** Most steps one blocked coupling pass covers (default MAX_PASS_STEPS); the same bits whatever the value. */
  maxPassSteps?: number;
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
  // Lanes split evenly over the threads, each thread's as the cheapest mix of group widths
  // (planLaneGroups, under the measured LANE_COST_BY_WIDTH): a wider group shares each load of
  // the network and the step's constants between more lanes, but padding lanes cost as much as
  // real ones.
  // The "nodes" layout: one simulation per group, the simulations split over the threads.
  const relaxed = (opts.relaxed ?? true) && hasRelaxedSimd();
  const cost = LANE_COST_BY_WIDTH[sim.network.maxDelay > 0 ? "delays" : "noDelays"];
  const perThread: Segment[][] = layout === "nodes"
    ? splitEvenly(lanes, Math.min(opts.threads ?? cores, lanes)).map(([laneStart, count]) => [{ laneStart, count, width: 1 }])
    : planLaneGroups(lanes, opts.threads ?? cores, cost, opts.width);
  const threads = perThread.length;
  keepIdleWorkers(cores);
  const nRec = sim.recordIdx.length;
  const samplesPerChunk = nRec ? Math.min(SAMPLES_PER_CHUNK, Math.max(sim.nSamples, 1)) : 0;
  // Nothing recorded: one chunk, so each runner's lane groups can run to the end one after
  // another through one shared delay ring (see GroupPlan.sharedRing).
  const chunkSteps = nRec ? samplesPerChunk * sim.recordEvery : Math.max(sim.nSteps, 1);

  const shards: Shard[] = [];
  try {
    for (let t = 0; t < threads; t++) {
      const segments = perThread[t]!;
      const plans = segments.map((seg) =>
        makePlan(
          sim,
          seg.laneStart,
          seg.count,
          samplesPerChunk,
          seg.width,
          nRec === 0,
          layout,
          opts.tileRingBytes,
          opts.denseCoupling,
          opts.maxPassSteps,
        )
      );
      const modules = await Promise.all(segments.map((seg) => kernelModule(m, seg.width, relaxed, layout)));
      shards.push(threads === 1 ? await inlineShard(segments, plans, modules) : await workerShard(segments, plans, modules));
    }
    const segments = shards.flatMap((s) => s.segments);

    const sink = new RecordingSink(original);
    const recNames = sim.recordIdx.map((k) => m.observables[k]!);
    let sampleBase = 0;
    for (let first = 0; first < sim.nSteps; first += chunkSteps) {
      const steps = Math.min(chunkSteps, sim.nSteps - first);
      const count = nRec ? Math.floor(steps / sim.recordEvery) : 0;
      const parts = (await Promise.all(shards.map((s) => s.runChunk(first, steps, count)))).flat();
      if (count) {
        const data: Record<string, Float32Array> = {};
        recNames.forEach((name, r) => {
          const dst = new Float32Array(lanes * count * n);
          segments.forEach((seg, k) => {
            const src = parts[k]![r]!;
            if (!order) dst.set(src.subarray(0, seg.count * count * n), seg.laneStart * count * n);
            else {
              for (let l = 0; l < seg.count; l++) {
                dst.set(src.subarray(l * count * n, (l + 1) * count * n), laneOut(seg.laneStart + l) * count * n);
              }
            }
          });
          data[name] = dst;
        });
        sink.push({ start: sampleBase, count, data });
        sampleBase += count;
      }
    }

    const averages: Record<string, Float64Array> = {};
    if (sim.averageIdx.length) {
      const sums = (await Promise.all(shards.map((s) => s.sums()))).flat();
      sim.averageIdx.forEach((k, a) => {
        const out = new Float64Array(lanes * n);
        segments.forEach((seg, j) => {
          const s = sums[j]!;
          const L = s.length / (sim.averageIdx.length * n); // the plan's lanes, padding included
          for (let l = 0; l < seg.count; l++) {
            for (let i = 0; i < n; i++) out[laneOut(seg.laneStart + l) * n + i] = s[(a * L + l) * n + i]! / sim.nSteps;
          }
        });
        averages[m.observables[k]!] = out;
      });
    }
    return finishResult(
      original,
      "wasm",
      `WASM ${relaxed ? "relaxed " : ""}SIMD (${describeShape(layout, perThread)} on ${threads} thread${threads > 1 ? "s" : ""})`,
      sink,
      averages,
      t0,
    );
  } finally {
    for (const s of shards) s.close();
  }
}

/** "f32x4 over nodes, 3 simulations" or "f32x4 lanes, groups of 16, 16, 4; 16, 4" (threads separated by ";"). */
function describeShape(layout: AsmLayout, perThread: Segment[][]): string {
  if (layout === "nodes") {
    const sims = perThread.flat().reduce((a, seg) => a + seg.count, 0);
    return `f32x4 over nodes, ${sims} simulation${sims > 1 ? "s" : ""}`;
  }
  const groups = perThread.map((segs) =>
    segs.flatMap((seg) => Array.from({ length: Math.ceil(seg.count / (4 * seg.width)) }, () => 4 * seg.width)).join(", ")
  );
  return `f32x4 lanes, groups of ${groups.join("; ")}`;
}
