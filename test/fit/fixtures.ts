// Small problems for the fit tests: a 6-node ring-plus-chords network, SupHopf, FC of x.
import { supHopf } from "../../src/models/hopf.ts";
import { defineProblem, type FitProblemSpec } from "../../src/fit/problem.ts";
import type { FitConfig } from "../../src/fit/config.ts";
import { FitConfigError } from "../../src/schema/validate.ts";

export const N = 6;
export const WEIGHTS = (() => {
  const w = new Float64Array(N * N);
  for (let i = 0; i < N; i++) {
    for (let j = 0; j < N; j++) {
      if (i === j) continue;
      const d = Math.min(Math.abs(i - j), N - Math.abs(i - j));
      w[i * N + j] = d === 1 ? 1 : d === 2 ? 0.3 : 0.05;
    }
  }
  return w;
})();
export const LENGTHS = Float64Array.from(WEIGHTS, (v, k) => (v === 0 ? 0 : 10 + (k % 7)));

/** A target FC: the simulated FC at G = 0.3 (so the fit has a known optimum region). */
export function tinySpec(over: Partial<FitProblemSpec> = {}): FitProblemSpec {
  return {
    name: "tiny",
    model: supHopf,
    network: { weights: WEIGHTS, lengths: LENGTHS, speed: 5 },
    free: [{ name: "G", bounds: [0.01, 1] }],
    fixed: { a: -0.1, omega: 0.005, sigma: 0.05 },
    target: { fc: targetFc() },
    gof: ["+fc_corr"],
    simulation: { duration: 2, dt: 0.5, tr: 0.01, signal: "x", seed: 3 },
    ...over,
  };
}

export function tinyProblem(over: Partial<FitProblemSpec> = {}) {
  return defineProblem(tinySpec(over));
}

/** Strong neighbour correlation pattern: ring structure. */
export function targetFc(): Float64Array {
  const fc = new Float64Array(N * N);
  for (let i = 0; i < N; i++) for (let j = 0; j < N; j++) fc[i * N + j] = i === j ? 1 : WEIGHTS[i * N + j]! * 0.6;
  return fc;
}

/** The JSON-config twin of tinySpec (inline arrays), with a DE optimizer. */
export function inlineConfig(over: Partial<FitConfig> = {}): FitConfig {
  return {
    name: "t",
    model: "SupHopf",
    network: { weights: Array.from({ length: N }, (_, i) => Array.from(WEIGHTS.subarray(i * N, (i + 1) * N))) },
    free: [{ name: "G", bounds: [0.01, 1] }],
    fixed: { a: -0.1 },
    target: { fc: Array.from(targetFc()) },
    gof: ["+fc_corr"],
    simulation: { duration: 1, dt: 0.5, tr: 0.01, signal: "x" },
    optimizer: { type: "de", options: { popsize: 4, maxIterations: 2 } },
    ...over,
  };
}

/** The FitConfigError f throws (fails the test if it throws nothing or something else). */
export function errorOf(f: () => unknown): FitConfigError {
  try {
    f();
  } catch (e) {
    if (e instanceof FitConfigError) return e;
    throw e;
  }
  throw new Error("expected a FitConfigError");
}

export async function asyncErrorOf(f: () => Promise<unknown>): Promise<FitConfigError> {
  try {
    await f();
  } catch (e) {
    if (e instanceof FitConfigError) return e;
    throw e;
  }
  throw new Error("expected a FitConfigError");
}
