// brainfit/stats: the statistics a fit compares (FC, FCD, KS, spectra) and the goodness-of-fit
// terms built from them; typed arrays in, Float64Array out. Pure TypeScript by default, with
// swappable WASM SIMD and WebGPU backends for batches.
// Public surface: every name here is documented with an example (test/layout/public-api.test.ts).
export { StatsInputError } from "./errors.ts";
export { zscore } from "./signal.ts";
export { lowerTriangle, pearson, spearman } from "./corr.ts";
export { fcBatch, fcMatrix, type FcOptions, fcPairs, fcTril, type NodePairs, type PairOptions } from "./fc.ts";
export { fcd, fcdBatch, type FcdOptions, type FcdResult } from "./fcd.ts";
export { ks2samp, type KsResult, ksStatistic } from "./ks.ts";
export { peakFrequency, welch, type WelchOptions, type WelchResult } from "./welch.ts";
export { evaluateGof, type GofEvaluation, type GofTerm, gofTermNames, registerGofTerm } from "./gof.ts";
export { setStatsBackend, type StatsBackend, typescriptStatsBackend } from "./backend.ts";
export { createWasmStatsBackend } from "./wasm.ts";
export { createWebGpuStatsBackend, type WebGpuStatsOptions } from "./webgpu.ts";
