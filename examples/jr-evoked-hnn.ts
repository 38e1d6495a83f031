// Example 4 — evoked-response fit: a Jansen–Rit column with three evoked drives (HNN's
// proximal 1, distal 1, proximal 2; proximal drives excite the excitatory interneurons, the
// distal drive the inhibitory ones) fit to HNN's MEG dipole of the somatosensory tap ERP
// (../shared/data/hnn-dipole). As hnn-core's Optimizer: initial drive timings as HNN's ERP
// parameter file, box constraints per parameter, the dipole averaged over n_trials noise
// realisations, Hamming-smoothed and scaled, RMSE against the data; a local derivative-free
// solver from the initial point (Nelder–Mead here, COBYLA there); convergence per iteration in
// convergence.csv. The model starts from rest, so drives and data times are shifted by a
// 400 ms warm-up that is cut before the comparison.
// Run: node scripts/run-ts.mjs examples/jr-evoked-hnn.ts [--full]
import { loadArray } from "brainfit/io";
import { toFloat64 } from "brainfit/io";
import type { FitConfig } from "brainfit/fit";
import { fitFromConfig } from "brainfit/fit";
import { summarize } from "brainfit/fit";
import { isMain, parseExampleArgs } from "./common.ts";

const SHARED = process.env.BRAINFIT_SHARED ?? "../shared";
const WARMUP_MS = 400;

/** HNN's ERP drive timings (ms): evprox1 26.61 ± 2.47, evdist1 63.53 ± 3.85, evprox2 137.12 ± 8.33. */
const INITIAL = {
  drive1_mu: 26.61,
  drive1_sigma: 2.47,
  drive1_amp: 0.1,
  drive2_mu: 63.53,
  drive2_sigma: 3.85,
  drive2_amp: 0.5,
  drive3_mu: 137.12,
  drive3_sigma: 8.33,
  drive3_amp: 0.5,
};
const CONSTRAINTS: Record<keyof typeof INITIAL, [number, number]> = {
  drive1_mu: [10, 50],
  drive1_sigma: [1, 10],
  drive1_amp: [0, 2],
  drive2_mu: [40, 100],
  drive2_sigma: [1, 20],
  drive2_amp: [0, 2],
  drive3_mu: [100, 165],
  drive3_sigma: [2, 30],
  drive3_amp: [0, 2],
};

export async function jrEvokedConfig(full: boolean): Promise<FitConfig> {
  const data = toFloat64(await loadArray(`${SHARED}/data/hnn-dipole/yes_trial_S1_ERP_all_avg.txt`));
  const rows = data.shape[0]!;
  const times = Array.from({ length: rows }, (_, i) => data.data[2 * i]! + WARMUP_MS);
  const dipole = Array.from({ length: rows }, (_, i) => data.data[2 * i + 1]!);
  const names = Object.keys(INITIAL) as (keyof typeof INITIAL)[];
  const shift = (n: string) => (n.endsWith("_mu") ? WARMUP_MS : 0);
  return {
    name: "jr-evoked-hnn",
    description: "Jansen–Rit with three evoked drives vs the HNN S1 tap ERP dipole; RMSE of the trial-averaged, smoothed, scaled dipole",
    model: "JansenRit",
    network: { weights: [[0]] },
    free: names.map((n) => ({ name: n, bounds: [CONSTRAINTS[n][0] + shift(n), CONSTRAINTS[n][1] + shift(n)] as [number, number] })),
    fixed: { p: 0.1, sigma_p: 0.01, drive1_target: 0, drive2_target: 2, drive3_target: 0 },
    target: { series: dipole, seriesTimes: times },
    gof: ["-rmse"],
    simulation: {
      duration: (WARMUP_MS + 172) / 1000,
      dt: 0.05,
      tr: 0.0005,
      signal: "dipole",
      boldRemove: WARMUP_MS / 1000,
      seed: 1,
      trials: full ? 10 : 2,
      seriesTransform: { subtractInitial: true, smoothMs: 20, scale: 1 },
    },
    optimizer: { type: "nelder-mead", options: { x0: names.map((n) => INITIAL[n] + shift(n)), maxEvaluations: full ? 200 : 6 } },
  };
}

if (isMain("jr-evoked-hnn.ts")) {
  const args = parseExampleArgs(process.argv.slice(2), "jr-evoked-hnn");
  const config = await jrEvokedConfig(args.full);
  if (args.printConfig) process.stdout.write(JSON.stringify(config, null, 2) + "\n");
  else {
    const t0 = Date.now();
    process.stdout.write(`jr-evoked-hnn (${args.full ? "full size" : "reduced size; --full for the full size"}) → ${args.out}\n`);
    const results = await fitFromConfig(config, { out: args.out, backend: args.backend, overwrite: true });
    process.stdout.write(summarize(results));
    process.stdout.write(`wall time ${((Date.now() - t0) / 1000).toFixed(1)} s\n`);
  }
}
