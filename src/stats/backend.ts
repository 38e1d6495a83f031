// Swappable batch backend for the heavy statistics (FC / FCD over many simulations).
// The TypeScript implementation below defines the results; a WebGPU or WASM backend may replace it
// with setStatsBackend and must match it (test it against typescriptStatsBackend).
import { type RealArray, StatsInputError } from "./errors.ts";
import { fcBatch, type FcOptions, fcPairs } from "./fc.ts";
import { fcdBatch, type FcdOptions, type FcdResult, fcdWindowTRsFromSeconds } from "./fcd.ts";

/** B simulations of (nNodes x nTime), contiguous (B x nNodes x nTime). */
export interface BatchSeries {
  data: RealArray;
  batch: number;
  nNodes: number;
  nTime: number;
}

/**
 * Where batch FC and FCD run (fits call them once per generation): TypeScript by default,
 * or WASM SIMD (createWasmStatsBackend) or WebGPU (createWebGpuStatsBackend).
 *
 * @example
 * ```ts
 * import { createWebGpuStatsBackend, setStatsBackend, type StatsBackend } from "brainfit/stats";
 * const gpu: StatsBackend = await createWebGpuStatsBackend();
 * setStatsBackend(gpu);
 * console.log(gpu.name);
 * ```
 */
export interface StatsBackend {
  readonly name: string;
  /** (B x nPairs) FC lower triangles, as fcBatch. */
  fcBatch(input: BatchSeries, options?: FcOptions): Float64Array | Promise<Float64Array>;
  /** One FcdResult per simulation, as fcdBatch. */
  fcdBatch(input: BatchSeries, options: FcdOptions): FcdResult[] | Promise<FcdResult[]>;
}

/**
 * The default StatsBackend: FC and FCD batches in TypeScript (float64), the definition the
 * WASM and WebGPU backends are tested against. Pass it to setStatsBackend to switch back.
 *
 * @example
 * ```ts
 * import { createWasmStatsBackend, setStatsBackend, typescriptStatsBackend } from "brainfit/stats";
 * setStatsBackend(await createWasmStatsBackend());
 * // … batch statistics in WASM SIMD …
 * setStatsBackend(typescriptStatsBackend);
 * ```
 */
export const typescriptStatsBackend: StatsBackend = {
  name: "typescript",
  fcBatch: (input, options = {}) => fcBatch(input.data, input.batch, input.nNodes, input.nTime, options),
  fcdBatch: (input, options) => fcdBatch(input.data, input.batch, input.nNodes, input.nTime, options),
};

let current: StatsBackend = typescriptStatsBackend;

/**
 * Route batch statistics through another backend (pass typescriptStatsBackend to restore).
 *
 * @example
 * ```ts
 * import { createWasmStatsBackend, setStatsBackend } from "brainfit/stats";
 * setStatsBackend(await createWasmStatsBackend()); // fits now compute FC and FCD batches in WASM SIMD
 * ```
 */
export function setStatsBackend(backend: StatsBackend): void {
  current = backend;
}

export function getStatsBackend(): StatsBackend {
  return current;
}

export interface BoldSummaryOptions {
  /** Repetition time in seconds. */
  tr: number;
  /** FCD window and step in seconds (cuBNM's defaults in its examples: 30 s / 5 s). */
  windowSeconds?: number;
  stepSeconds?: number;
  dropEdges?: boolean;
  excludeInterhemispheric?: boolean;
  hemispheres?: ArrayLike<number>;
}

export interface BoldSummary {
  fcTril: Float64Array;
  fcdTril: Float64Array;
}

/**
 * FC and FCD lower triangles of B BOLD simulations through the current backend, ready for
 * evaluateGof. FC follows cuBNM's calculate_fc (zero volumes treated as outliers).
 */
export async function boldSummaryBatch(input: BatchSeries, options: BoldSummaryOptions): Promise<BoldSummary[]> {
  if (!(options.tr > 0)) throw new StatsInputError(`boldSummaryBatch: tr must be positive seconds, got ${options.tr}`);
  const { windowTRs, stepTRs } = fcdWindowTRsFromSeconds(options.windowSeconds ?? 30, options.stepSeconds ?? 5, options.tr);
  const pairOptions = {
    ...(options.excludeInterhemispheric !== undefined ? { excludeInterhemispheric: options.excludeInterhemispheric } : {}),
    ...(options.hemispheres !== undefined ? { hemispheres: options.hemispheres } : {}),
  };
  const backend = current;
  const fc = await backend.fcBatch(input, { ...pairOptions, zeroVolumesAsOutliers: true });
  const fcd = await backend.fcdBatch(input, {
    ...pairOptions,
    windowTRs,
    stepTRs,
    ...(options.dropEdges !== undefined ? { dropEdges: options.dropEdges } : {}),
  });
  const nPairs = fcPairs(input.nNodes, pairOptions).length;
  return fcd.map((r, b) => ({ fcTril: fc.subarray(b * nPairs, (b + 1) * nPairs), fcdTril: r.fcdTril }));
}
