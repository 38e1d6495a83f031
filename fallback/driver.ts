// WASM SIMD backend driver: lays out one lane group (4 simulations in f32x4) per memory
// region, runs the model's kernel chunk by chunk and streams recorded samples out.
// Chunks are lane-group-major inside, chunk-major outside, so memory stays bounded by one
// chunk of samples whatever the duration.
import { emitAsmKernel } from "../src/codegen/asm.ts";
import { compileAsmKernel, kernelKey } from "../src/codegen/asm-compile.ts";
import type { CompiledModel } from "../src/models/spec.ts";
import { type PreparedSimulation, RecordingSink, sampleTimes, type SimulationResult } from "../src/sim/prepare.ts";

type RunFn = (...args: number[]) => void;

const moduleCache = new Map<string, Promise<WebAssembly.Module>>();

function decodeBase64(b64: string): Uint8Array {
  if (typeof atob === "function") return Uint8Array.from(atob(b64), (c) => c.charCodeAt(0));
  throw new Error("no base64 decoder (atob) in this runtime");
}

/** The compiled kernel module for a model: built-in binary when the source matches, else compiled now. */
export async function kernelModule(model: CompiledModel): Promise<WebAssembly.Module> {
  const source = emitAsmKernel(model);
  const key = kernelKey(source, false);
  let mod = moduleCache.get(key);
  if (!mod) {
    mod = (async () => {
      const { WASM_KERNELS } = await import("../src/generated/wasm-kernels.ts");
      const b64 = WASM_KERNELS[key];
      if (b64) return WebAssembly.compile(decodeBase64(b64) as BufferSource);
      const { ASM_SOURCES } = await import("../src/generated/asm-sources.ts");
      return WebAssembly.compile((await compileAsmKernel(model, ASM_SOURCES)) as BufferSource);
    })();
    moduleCache.set(key, mod);
  }
  return mod;
}

/** Simulation steps per chunk when nothing is recorded (bounds the time between progress callbacks). */
const STEPS_PER_CHUNK = 20_000;
/** Recorded samples per chunk. */
const SAMPLES_PER_CHUNK = 128;
/** Bytes reserved below our data for the kernel's own static data. */
const DATA_BASE = 1 << 16;

class Layout {
  private top = DATA_BASE;
  alloc(bytes: number): number {
    const at = this.top;
    this.top += Math.ceil(bytes / 16) * 16;
    return at;
  }
  get size(): number {
    return this.top;
  }
}

export interface WasmRunInfo {
  groups: number;
}

export async function simulateWasm(sim: PreparedSimulation): Promise<SimulationResult> {
  const t0 = performance.now();
  const m = sim.model;
  const mod = await kernelModule(m);
  const { lanes, nNodes: n, nParams: P, network: net } = sim;
  const S = m.stateNames.length;
  const K = m.coupling.length;
  const R = net.maxDelay + 2;
  const nnz = net.source.length;
  const nObs = m.observables.length;
  const G = Math.ceil(lanes / 4);
  const nRec = sim.recordIdx.length;
  const nAvg = sim.averageIdx.length;
  const samplesPerChunk = nRec ? Math.min(SAMPLES_PER_CHUNK, Math.max(sim.nSamples, 1)) : 0;
  const chunkSteps = nRec ? samplesPerChunk * sim.recordEvery : STEPS_PER_CHUNK;

  const lay = new Layout();
  const pRowStart = lay.alloc((n + 1) * 4);
  const pSrc = lay.alloc(nnz * 4);
  const pWgt = lay.alloc(nnz * 4);
  const pDly = lay.alloc(nnz * 4);
  const pWsum = lay.alloc(n * 4);
  const pObsSlot = lay.alloc(nObs * 4);
  const pAvgSlot = lay.alloc(nObs * 4);
  const pRec = lay.alloc(nRec * samplesPerChunk * n * 16);
  const groupBytes = { state: S * n * 16, params: n * P * 16, ring: K * R * n * 16, keys: 32, avg: nAvg * n * 32 };
  const groups = Array.from({ length: G }, () => ({
    state: lay.alloc(groupBytes.state),
    params: lay.alloc(groupBytes.params),
    ring: lay.alloc(groupBytes.ring),
    keys: lay.alloc(groupBytes.keys),
    avg: nAvg ? lay.alloc(groupBytes.avg) : 0,
  }));
  const memory = new WebAssembly.Memory({ initial: Math.ceil(lay.size / 65536) + 1 });
  const instance = await WebAssembly.instantiate(mod, {
    env: {
      memory,
      abort: () => {
        throw new Error("wasm kernel aborted");
      },
      seed: () => 0,
    },
  });
  const run = instance.exports.run as RunFn;
  const buf = memory.buffer;
  const i32 = new Int32Array(buf);
  const f32 = new Float32Array(buf);
  const u32 = new Uint32Array(buf);
  const f64 = new Float64Array(buf);

  i32.set(net.rowStart, pRowStart / 4);
  i32.set(net.source, pSrc / 4);
  f32.set(net.weight, pWgt / 4);
  i32.set(net.delay, pDly / 4);
  for (let i = 0; i < n; i++) {
    let s = 0;
    for (let e = net.rowStart[i]!; e < net.rowStart[i + 1]!; e++) s += net.weight[e]!;
    f32[pWsum / 4 + i] = s;
  }
  i32.fill(-1, pObsSlot / 4, pObsSlot / 4 + nObs);
  i32.fill(-1, pAvgSlot / 4, pAvgSlot / 4 + nObs);
  sim.recordIdx.forEach((k, r) => (i32[pObsSlot / 4 + k] = r));
  sim.averageIdx.forEach((k, a) => (i32[pAvgSlot / 4 + k] = a));
  const needDerived = [...sim.recordIdx, ...sim.averageIdx].some((k) => k >= S) ? 1 : 0;

  // Per group: params, keys, initial state and the whole delay history at the initial state.
  const h = new Float64Array(Math.max(K, 1));
  const { compileTsFunctions } = await import("../src/codegen/ts.ts");
  const ts = compileTsFunctions(m);
  const x0 = Float64Array.from(m.spec.states, (s) => s.init);
  groups.forEach((g, gi) => {
    for (let l = 0; l < 4; l++) {
      const lane = Math.min(gi * 4 + l, lanes - 1); // padding lanes repeat the last lane
      u32[g.keys / 4 + l] = sim.seeds[lane]!;
      u32[g.keys / 4 + 4 + l] = sim.streams[lane]!;
      for (let i = 0; i < n; i++) {
        for (let p = 0; p < P; p++) f32[g.params / 4 + (i * P + p) * 4 + l] = sim.params[(lane * n + i) * P + p]!;
        for (let s = 0; s < S; s++) f32[g.state / 4 + (s * n + i) * 4 + l] = x0[s]!;
        ts.coupled(x0, 0, sim.params, (lane * n + i) * P, h, 0);
        for (let k = 0; k < K; k++) for (let r = 0; r < R; r++) f32[g.ring / 4 + ((k * R + r) * n + i) * 4 + l] = h[k]!;
      }
    }
  });

  const sink = new RecordingSink(sim);
  const recNames = sim.recordIdx.map((k) => m.observables[k]!);
  const noDelay = net.maxDelay === 0 ? 1 : 0;
  const heun = sim.integrator === "heun" ? 1 : 0;
  let sampleBase = 0;
  for (let first = 0; first < sim.nSteps; first += chunkSteps) {
    const steps = Math.min(chunkSteps, sim.nSteps - first);
    const count = nRec ? Math.floor(steps / sim.recordEvery) : 0;
    const data: Record<string, Float32Array> = {};
    for (const name of recNames) data[name] = new Float32Array(lanes * count * n);
    groups.forEach((g, gi) => {
      run(n, first, steps, sim.dt, R, noDelay, heun,
        pRowStart, pSrc, pWgt, pDly, pWsum,
        g.state, g.params, g.ring, g.keys,
        sim.recordEvery, pRec, count, pObsSlot, g.avg, pAvgSlot, needDerived);
      if (count) {
        recNames.forEach((name, r) => {
          const dst = data[name]!;
          for (let l = 0; l < 4 && gi * 4 + l < lanes; l++) {
            const lane = gi * 4 + l;
            for (let s = 0; s < count; s++) {
              const from = pRec / 4 + ((r * count + s) * n) * 4 + l;
              const to = (lane * count + s) * n;
              for (let i = 0; i < n; i++) dst[to + i] = f32[from + i * 4]!;
            }
          }
        });
      }
    });
    if (count) {
      sink.push({ start: sampleBase, count, data });
      sampleBase += count;
    }
  }

  const averages: Record<string, Float64Array> = {};
  sim.averageIdx.forEach((k, a) => {
    const out = new Float64Array(lanes * n);
    groups.forEach((g, gi) => {
      for (let l = 0; l < 4 && gi * 4 + l < lanes; l++) {
        for (let i = 0; i < n; i++) out[(gi * 4 + l) * n + i] = f64[g.avg / 8 + (a * n + i) * 4 + l]! / sim.nSteps;
      }
    });
    averages[m.observables[k]!] = out;
  });
  const elapsedMs = performance.now() - t0;
  return {
    backend: "wasm",
    backendInfo: `WASM SIMD (f32x4), ${G} lane group${G > 1 ? "s" : ""}, 1 thread`,
    lanes,
    nNodes: n,
    nSteps: sim.nSteps,
    times: sampleTimes(sim),
    recorded: sink.recorded,
    averages,
    elapsedMs,
    nodeStepsPerSecond: (lanes * n * sim.nSteps) / (elapsedMs / 1000),
  };
}
