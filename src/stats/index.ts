// brainfit statistics: pure TypeScript, typed arrays in, Float64Array out.
export { StatsInputError, roundHalfEven, type RealArray, type NumberArrayLike } from "./errors.ts";
export * from "./signal.ts";
export * from "./corr.ts";
export * from "./fc.ts";
export * from "./fcd.ts";
export * from "./ks.ts";
export * from "./fft.ts";
export * from "./welch.ts";
export * from "./gof.ts";
export * from "./backend.ts";
