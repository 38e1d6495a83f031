// Example 1 — batch CMA-ES on the reduced Wong–Wang model with feedback inhibition control
// (analytical FIC + cuBNM's FIC penalty), Yeo-7-heterogeneous w_p and J_N (one value per
// network) and a global G, for HCP subjects 100206 and 100307 × noise seeds 1 and 2, all four
// runs in one batch; GOF +fc_corr −fcd_ks of BOLD (TR 0.72 s, FCD windows 30 s / step 5 s),
// interhemispheric pairs excluded (cuBNM's batch-optimization tutorial).
// Run: node scripts/run-ts.mjs examples/rww-fic-batch.ts [--full]
import type { FitConfig } from "brainfit/fit";
import { isMain, main } from "./common.ts";

export function rwwBatchConfig(full: boolean): FitConfig {
  type Variant = NonNullable<FitConfig["batch"]>[number];
  const variant = (subject: string, seed: number): Variant => ({
    name: `${subject}-seed${seed}`,
    network: { weights: { dataset: "hcp" as const, what: "sc_strength" as const, subject, normalize: true } },
    target: { bold: { dataset: "hcp" as const, what: "bold" as const, subject } },
    simulation: { seed },
  });
  return {
    name: "rww-fic",
    description: "rWW + FIC, Yeo-7 heterogeneous w_p and J_N, CMA-ES, subjects 100206/100307 × seeds 1/2 in one batch",
    model: "rWW_BOLD",
    network: { weights: { dataset: "hcp", what: "sc_strength", subject: "100206", normalize: true } },
    free: [
      { name: "G", bounds: [0.5, 4] },
      { name: "w_p", bounds: [0, 2], groups: { dataset: "hcp", what: "map", name: "yeo7" } },
      { name: "J_N", bounds: [0.001, 0.5], groups: { dataset: "hcp", what: "map", name: "yeo7" } },
    ],
    fixed: { sigma: 0.01 },
    fic: { penaltyScale: 2 },
    // Full size: the subject's BOLD gives FC and FCD. Reduced: FC from the subject's BOLD, FCD
    // from the bundled group FCD sample (the subject's FCD at short windows would dwarf the fit).
    target: full ? { bold: { dataset: "hcp", what: "bold", subject: "100206" }, tr: 0.72 } : {
      bold: { dataset: "hcp", what: "bold", subject: "100206" },
      tr: 0.72,
      fcdTril: { dataset: "hcp", what: "fcd_tril", subject: "group-train706" },
    },
    gof: ["+fc_corr", "-fcd_ks"],
    simulation: full
      ? {
        duration: 180,
        dt: 0.1,
        tr: 0.72,
        signal: "bold",
        boldRemove: 30,
        fcdWindow: 30,
        fcdStep: 5,
        excludeInterhemispheric: true,
        integrator: "euler",
        seed: 1,
      }
      : {
        duration: 3,
        dt: 0.5,
        tr: 0.1,
        signal: "bold",
        boldRemove: 0.5,
        fcdWindow: 1,
        fcdStep: 0.3,
        excludeInterhemispheric: true,
        integrator: "euler",
        seed: 1,
      },
    optimizer: { type: "cmaes", options: full ? { popsize: 16, maxIterations: 20, seed: 1 } : { popsize: 4, maxIterations: 2, seed: 1 } },
    batch: [variant("100206", 1), variant("100206", 2), variant("100307", 1), variant("100307", 2)].map((v) =>
      full ? v : { ...v, target: { ...v.target, fcdTril: { dataset: "hcp", what: "fcd_tril", subject: "group-train706" } } }
    ),
  };
}

if (isMain("rww-fic-batch.ts")) await main("rww-fic-batch", rwwBatchConfig);
