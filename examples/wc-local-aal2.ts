// Example 3 — L-BFGS-B and Nelder–Mead on (k, sigma_ou) of the Wilson–Cowan AAL2 network of
// example 2 (the brainmass + SciPy tutorial), run side by side in one batch. L-BFGS-B runs twice:
// with adjoint gradients (float64 reference, reverse mode) and with finite differences, where
// every candidate of a run uses the same noise realisation
// (common random numbers: the run's seed, noise "shared"), so differences of nearby candidates
// measure the parameter change, not a new draw of the noise.
// Run: node scripts/run-ts.mjs examples/wc-local-aal2.ts [--full]
import type { FitConfig } from "brainfit/fit";
import { isMain, main, type WcCoupling } from "./common.ts";
import { K_BOUNDS, report, wcDeConfig } from "./wc-de-aal2.ts";

export function wcLocalConfig(full: boolean, coupling: WcCoupling = "linear"): FitConfig {
  const base = wcDeConfig(full, coupling);
  const budget = full ? 40 : 8;
  return {
    ...base,
    name: coupling === "difference" ? "wc-local-aal2-difference" : "wc-local-aal2",
    description: "Wilson–Cowan AAL2 (as wc-de-aal2); L-BFGS-B (finite differences, CRN) and Nelder–Mead on k and log sigma_ou",
    free: [
      { name: "k", bounds: K_BOUNDS[coupling] },
      { name: "sigma_ou", bounds: [0.005, 0.5], scale: "log" },
    ],
    fixed: {},
    // Both optimizers in one batch: the config's batch variants share the network, so each
    // generation's candidates of both runs go to one simulate() call.
    optimizer: { type: "lbfgsb", options: { x0: [3, 0.05], fdStep: 0.02, maxEvaluations: budget } },
    batch: [
      { name: "lbfgsb" },
      // The same L-BFGS-B told exact gradients (reverse mode through the float64 reference, issue 14).
      // Each of its evaluations is one simulation and one gradient (≈ 3 simulations' cost, not 2·dim + 1).
      { name: "lbfgsb-adjoint", optimizer: { gradient: "adjoint", options: { maxEvaluations: full ? 12 : budget } } },
      { name: "nelder-mead", optimizer: { type: "nelder-mead", options: { x0: [3, 0.05], maxEvaluations: budget } } },
    ],
  };
}

if (isMain("wc-local-aal2.ts")) await main("wc-local-aal2", wcLocalConfig, report);
