// WASM SIMD batch statistics backend: FC and FCD with the f32x4 kernels of asm/stats.ts
// (built as dist/wasm/stats.simd.wasm and loaded like the simulation kernels: provided with
// provideWasmModules at the edge, else read beside the bundle). Same interface and options as
// typescriptStatsBackend; results agree with it within float32 tolerance (docs/stats.md).
//
// Each series is copied into WASM memory as float64. The exactness-sensitive steps run there in
// float64 in the TypeScript code's order — outlier volumes (sums exactly 0), z-scoring / centring —
// so outlier flags agree bit for bit; the processed series is stored as float32 (already centred,
// so large BOLD offsets such as ~1e4 lose no precision). The choice of windows stays in TypeScript.
// The O(n²·T) and O(W²·P) parts run in f32x4: window normalisation, pair dot products, and the
// windows × windows correlation of the window-FC triangles.
import type { BatchSeries, StatsBackend } from "./backend.ts";
import { assertSeriesShape, type FcOptions, fcPairs, type NodePairs } from "./fc.ts";
import { type FcdOptions, type FcdResult, FcdWorkspace } from "./fcd.ts";

type KernelFn = (...args: number[]) => void;

interface StatsKernels {
  zscoreVolumes: (...args: number[]) => number;
  centreRows: KernelFn;
  normalizeRows: KernelFn;
  pairDots: KernelFn;
  windowFcs: KernelFn;
  correlateRowsTril: KernelFn;
}

/** Start of the buffers in linear memory (the module's own static data lies below). */
const DATA_BASE = 1 << 16;
const PAGE = 65536;

const roundUp4 = (n: number) => (n + 3) & ~3;

let modulePromise: Promise<WebAssembly.Module> | null = null;

/** The kernel module: provided (edge bundles), else dist/wasm/stats.simd.wasm compiled here. */
function statsModule(): Promise<WebAssembly.Module> {
  modulePromise ??= (async () => {
    const { WASM_STATS_KEY } = await import("../generated/wasm-stats.ts");
    const { loadKernelModule } = await import("../backends/wasm/modules.ts");
    return loadKernelModule(WASM_STATS_KEY, "the WASM statistics backend", () => {
      throw new Error("wasm stats backend: the kernels are not built; run `npm run build` (node scripts/build.mjs)");
    });
  })();
  // A failed load (no kernel file yet, no module provided) may succeed on a later call.
  modulePromise.catch(() => (modulePromise = null));
  return modulePromise;
}

/** Bump allocator over one call's buffers (64-byte aligned). */
class Layout {
  top = DATA_BASE;
  alloc(bytes: number): number {
    const at = this.top;
    this.top += Math.ceil(bytes / 64) * 64;
    return at;
  }
}

class WasmStats {
  private f32!: Float32Array;
  private f64!: Float64Array;
  private i32!: Int32Array;
  private u8!: Uint8Array;

  constructor(
    private readonly k: StatsKernels,
    private readonly memory: WebAssembly.Memory,
  ) {
    this.views();
  }

  private views(): void {
    const buf = this.memory.buffer;
    this.f32 = new Float32Array(buf);
    this.f64 = new Float64Array(buf);
    this.i32 = new Int32Array(buf);
    this.u8 = new Uint8Array(buf);
  }

  /** Grow memory to hold `top` bytes (views are recreated: growing detaches the old buffer). */
  private reserve(top: number): void {
    const need = Math.ceil(top / PAGE);
    const have = this.memory.buffer.byteLength / PAGE;
    if (need > have) {
      this.memory.grow(need - have);
      this.views();
    }
  }

  private writePairs(at: number, pairs: NodePairs): void {
    const { i32 } = this;
    for (let k = 0; k < pairs.length; k++) {
      i32[at / 4 + 2 * k] = pairs.rows[k]!;
      i32[at / 4 + 2 * k + 1] = pairs.cols[k]!;
    }
  }

  fcBatch(input: BatchSeries, options: FcOptions): Float64Array {
    const { data, batch, nNodes, nTime } = input;
    assertSeriesShape(data, nNodes, nTime, batch);
    const pairs = fcPairs(nNodes, options);
    const P = pairs.length;
    const stride = roundUp4(nTime);
    const mem = new Layout();
    const pPairs = mem.alloc(P * 8);
    const pRaw = mem.alloc(nNodes * nTime * 8);
    const pSeries = mem.alloc(nNodes * nTime * 4);
    const pFlags = mem.alloc(2 * nTime);
    const pColSum = mem.alloc(nTime * 8);
    const pU = mem.alloc(nNodes * stride * 4);
    const pOut = mem.alloc(roundUp4(P) * 4);
    this.reserve(mem.top);
    this.writePairs(pPairs, pairs);
    const out = new Float64Array(batch * P);
    for (let b = 0; b < batch; b++) {
      const offset = b * nNodes * nTime;
      this.f64.set(data.subarray(offset, offset + nNodes * nTime), pRaw / 8);
      if (options.zeroVolumesAsOutliers) this.k.zscoreVolumes(pRaw, nNodes, nTime, pSeries, pFlags, pFlags + nTime, pColSum);
      else this.k.centreRows(pRaw, nNodes, nTime, pSeries);
      this.k.normalizeRows(pSeries, nTime, 0, nTime, nNodes, pU, stride);
      this.k.pairDots(pU, stride, pPairs, P, pOut, P);
      for (let k = 0; k < P; k++) out[b * P + k] = this.f32[pOut / 4 + k]!;
    }
    return out;
  }

  fcdBatch(input: BatchSeries, options: FcdOptions): FcdResult[] {
    const { data, batch, nNodes, nTime } = input;
    assertSeriesShape(data, nNodes, nTime, batch);
    // The TypeScript workspace validates the options and gives the pairs and candidate windows.
    const ws = new FcdWorkspace(nNodes, nTime, options);
    const { pairs } = ws;
    const { starts, ends } = ws.windows;
    const threshold = options.outlierThreshold ?? 0.5;
    const P = pairs.length;
    const maxWin = starts.length;
    const uStride = roundUp4(options.windowTRs + 1);
    const fcStride = roundUp4(P);
    const mem = new Layout();
    const pPairs = mem.alloc(P * 8);
    const pRaw = mem.alloc(nNodes * nTime * 8);
    const pSeries = mem.alloc(nNodes * nTime * 4);
    const pFlags = mem.alloc(2 * nTime);
    const pColSum = mem.alloc(nTime * 8);
    const pStarts = mem.alloc(maxWin * 4);
    const pLens = mem.alloc(maxWin * 4);
    const pU = mem.alloc(nNodes * uStride * 4);
    const pFc = mem.alloc(maxWin * fcStride * 4);
    const pOut = mem.alloc(((maxWin * (maxWin - 1)) / 2) * 8);
    this.reserve(mem.top);
    this.writePairs(pPairs, pairs);
    const results: FcdResult[] = [];
    for (let b = 0; b < batch; b++) {
      const offset = b * nNodes * nTime;
      this.f64.set(data.subarray(offset, offset + nNodes * nTime), pRaw / 8);
      this.k.zscoreVolumes(pRaw, nNodes, nTime, pSeries, pFlags, pFlags + nTime, pColSum);
      // Same outlier-window rule as FcdWorkspace.compute: column sums of the processed series.
      const zeroColumn = this.u8.subarray(pFlags + nTime, pFlags + 2 * nTime);
      const keptStarts: number[] = [];
      const keptEnds: number[] = [];
      for (let w = 0; w < maxWin; w++) {
        const start = starts[w]!;
        const len = ends[w]! - start + 1;
        let zeros = 0;
        for (let t = start; t < start + len; t++) zeros += zeroColumn[t]!;
        if (zeros / len > threshold) continue;
        keptStarts.push(start);
        keptEnds.push(start + len - 1);
      }
      const nWindows = keptStarts.length;
      for (let w = 0; w < nWindows; w++) {
        this.i32[pStarts / 4 + w] = keptStarts[w]!;
        this.i32[pLens / 4 + w] = keptEnds[w]! - keptStarts[w]! + 1;
      }
      this.k.windowFcs(pSeries, nNodes, nTime, pStarts, pLens, nWindows, pPairs, P, pU, uStride, pFc, fcStride);
      const result: FcdResult = {
        fcdTril: new Float64Array(0),
        nWindows,
        windowStarts: Int32Array.from(keptStarts),
        windowEnds: Int32Array.from(keptEnds),
      };
      if (options.returnWindowFc) {
        const fc = new Float64Array(nWindows * P);
        for (let w = 0; w < nWindows; w++) {
          for (let k = 0; k < P; k++) fc[w * P + k] = this.f32[pFc / 4 + w * fcStride + k]!;
        }
        result.windowFcTrils = fc;
      }
      this.k.correlateRowsTril(pFc, nWindows, P, fcStride, pOut);
      const nOut = (nWindows * (nWindows - 1)) / 2;
      result.fcdTril = this.f64.slice(pOut / 8, pOut / 8 + nOut);
      results.push(result);
    }
    return results;
  }
}

/**
 * A StatsBackend running FC and FCD in WebAssembly SIMD (f32x4) on the calling thread. Needs a
 * runtime with WASM SIMD (Node 16.4+, Deno, Bun, current browsers). Results match
 * typescriptStatsBackend within float32 tolerance: |ΔFC| ≤ 1e-4 and |ΔFCD| ≤ 1e-4 (docs/stats.md).
 * Use it with setStatsBackend(await createWasmStatsBackend()).
 *
 * @example
 * ```ts
 * import { createWasmStatsBackend, setStatsBackend } from "brainfit/stats";
 * const wasm = await createWasmStatsBackend();
 * setStatsBackend(wasm);
 * ```
 */
export async function createWasmStatsBackend(): Promise<StatsBackend> {
  const module = await statsModule();
  const memory = new WebAssembly.Memory({ initial: 2 });
  const instance = await WebAssembly.instantiate(module, {
    env: {
      memory,
      abort: () => {
        throw new Error("wasm stats kernel aborted");
      },
    },
  });
  const e = instance.exports as unknown as StatsKernels;
  const stats = new WasmStats(e, memory);
  return {
    name: "wasm",
    fcBatch: (input, options = {}) => stats.fcBatch(input, options),
    fcdBatch: (input, options) => stats.fcdBatch(input, options),
  };
}
