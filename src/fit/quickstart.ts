// The configuration of `brainfit fit --quickstart` (same as examples/quickstart.json, checked by a test):
// a small real fit on bundled data that finishes in well under two minutes on 2 cores.
import type { FitConfig } from "./config.ts";

/**
 * The quickstart fit (`brainfit fit --quickstart`): SupHopf on the bundled HCP Schaefer-100
 * group connectome, CMA-ES fitting G and a to the group FC. Typed as a FitConfig, so every
 * config function takes it; copy it (structuredClone) before changing a field.
 *
 * @example
 * ```ts
 * import { fitFromConfig, QUICKSTART_CONFIG, summarize } from "brainfit/fit";
 * console.log(summarize(await fitFromConfig(QUICKSTART_CONFIG)));
 * ```
 */
export const QUICKSTART_CONFIG: FitConfig = {
  "name": "quickstart",
  "description":
    "SupHopf on the bundled HCP Schaefer-100 group connectome (delays at 6 mm/ms): CMA-ES fits the global coupling G and the bifurcation parameter a so that the FC of the simulated x matches the empirical group FC.",
  "model": "SupHopf",
  "network": {
    "weights": {
      "dataset": "hcp",
      "what": "sc_strength",
      "subject": "group-train706",
      "normalize": true,
    },
    "lengths": {
      "dataset": "hcp",
      "what": "sc_length",
      "subject": "group-train706",
    },
    "speed": 6,
  },
  "free": [
    {
      "name": "G",
      "bounds": [
        0.001,
        0.1,
      ],
    },
    {
      "name": "a",
      "bounds": [
        -0.3,
        -0.005,
      ],
    },
  ],
  "fixed": {
    "omega": 0.0003,
    "sigma": 0.02,
  },
  "target": {
    "fc": {
      "dataset": "hcp",
      "what": "fc",
      "subject": "group-train706",
    },
  },
  "gof": [
    "+fc_corr",
  ],
  "simulation": {
    "duration": 10,
    "dt": 0.2,
    "tr": 0.02,
    "signal": "x",
    "boldRemove": 1,
    "seed": 1,
  },
  "optimizer": {
    "type": "cmaes",
    "options": {
      "popsize": 8,
      "maxIterations": 10,
      "seed": 1,
    },
  },
};
