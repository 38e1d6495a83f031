// Example 5 — SupHopf FC vs a frequency gradient on the 84-region TVB (Desikan-Killiany)
// connectome, the tvboptim two-stage workflow: (1) NSGA-II over (G, a, log sigma) on two
// objectives, −fc_corr (FC of simulated BOLD) against the tvboptim average FC and the mean absolute error of the
// nodes' peak frequencies against a target gradient (ω of every node is set from its target
// peak frequency); Pareto front and hypervolume saved per generation. (2) Nelder–Mead from every
// Pareto member on the combined loss −fc_corr + 0.1 · psd_mae (Hz), all local runs in one batch.
// The gradient is synthetic (8 → 12 Hz along each hemisphere's region order); tvboptim's
// gradient-based local stage is gradient-free here until gradient support exists.
// Data: ../shared/data/tvb-dk84 (tests and examples only, not bundled).
// Run: node scripts/run-ts.mjs examples/hopf-pareto-dk84.ts [--full]
import { createOptimizer } from "brainfit/optim";
import { type FitConfig, problemsFromConfig } from "brainfit/fit";
import { defineProblem } from "brainfit/fit";
import { batchOptimize, type RunResult } from "brainfit/fit";
import { summarize } from "brainfit/fit";
import type { BackendName } from "brainfit/sim";
import { datasets, isMain, parseExampleArgs } from "./common.ts";

const SHARED = (globalThis as { process?: { env?: Record<string, string | undefined> } }).process?.env?.BRAINFIT_SHARED ?? "../shared";
export const N_DK = 84;
/** Target peak frequency per node (Hz): 8 → 12 Hz along each hemisphere's 42 regions. */
export const TARGET_PEAKS = Array.from({ length: N_DK }, (_, i) => 8 + (4 * (i % 42)) / 41);
/**
 * Weight of psd_mae (Hz) in the local stage's summed loss: 1 Hz of mean peak error costs as much
 * as 0.1 of FC correlation. Strong coupling raises FC but pulls the nodes to a common frequency,
 * so the two terms conflict; unweighted (1 per Hz) the Hz term dominates and the local runs give
 * up FC entirely (fc_corr ≈ 0 at G's lower bound) for a sub-Hz frequency gain.
 */
export const PSD_MAE_WEIGHT = 0.1;

export function hopfParetoConfig(full: boolean): FitConfig {
  return {
    name: "hopf-dk84",
    description: "SupHopf on TVB DK-84; NSGA-II on (G, a, log sigma): −fc_corr and psd_mae vs a peak-frequency gradient",
    model: "SupHopf",
    network: {
      weights: `${SHARED}/data/tvb-dk84/connectivity.npz:weights`,
      lengths: `${SHARED}/data/tvb-dk84/connectivity.npz:lengths`,
      speed: 3,
      normalize: "max",
    },
    free: [
      { name: "G", bounds: [0.01, 2] },
      { name: "a", bounds: [-0.1, 0.02] },
      { name: "sigma", bounds: [0.001, 0.1], scale: "log" },
    ],
    // ω_i (rad/ms) from the target peak frequency f_i (Hz): 2π f_i / 1000.
    fixed: { omega: TARGET_PEAKS.map((f) => (2 * Math.PI * f) / 1000) },
    target: { fc: `${SHARED}/data/tvb-dk84/functional.npz:fc`, psdPeaks: TARGET_PEAKS },
    gof: ["+fc_corr", "-psd_mae"],
    objectives: "terms",
    simulation: full
      // FC from in-kernel BOLD (sampled every 0.72 s), peak frequencies from x at 200 Hz, one simulation.
      ? {
        duration: 60,
        dt: 0.2,
        tr: 0.005,
        signal: "x",
        fcSignal: "bold",
        fcTr: 0.72,
        boldRemove: 6,
        seed: 1,
        psd: { nperseg: 256, fmin: 2, fmax: 30 },
      }
      : {
        duration: 0.8,
        dt: 0.2,
        tr: 0.005,
        signal: "x",
        fcSignal: "bold",
        fcTr: 0.1,
        boldRemove: 0.1,
        seed: 1,
        psd: { nperseg: 64, fmin: 2, fmax: 30 },
      },
    optimizer: { type: "nsga2", options: full ? { popsize: 12, maxIterations: 8, seed: 1 } : { popsize: 4, maxIterations: 2, seed: 1 } },
  };
}

export async function runHopfPareto(
  full: boolean,
  out: string,
  backend: BackendName,
  log = false,
): Promise<{ global: RunResult; local: RunResult[] }> {
  const [problem] = await problemsFromConfig(hopfParetoConfig(full), { datasets: datasets() });
  const p = problem!;
  const section = hopfParetoConfig(full).optimizer;
  const nsga = createOptimizer("nsga2", { ...section.options, objectives: 2, lower: p.lower, upper: p.upper, scale: p.scale } as never);
  const progress = log
    ? (g: { generation: number; evaluations: number }) => void process.stdout.write(`  gen ${g.generation}: ${g.evaluations} simulations\n`)
    : undefined;
  // config: recorded in each run's config.json, so `brainfit report` can load the targets.
  const config = hopfParetoConfig(full);
  const [global] = await batchOptimize([nsga], [p], { out, backend, overwrite: true, onGeneration: progress, config });
  // Stage 2: one Nelder–Mead run per Pareto member on the summed loss; same network arrays, so
  // every generation of all local runs is one simulate() call.
  const combined = defineProblem({ ...p.spec, name: "hopf-dk84-local", objectives: "sum", gofWeights: { "-psd_mae": PSD_MAE_WEIGHT } });
  const seeds = (global!.pareto ?? []).map((m) => p.dims.map((d) => m.params[d.name]!));
  const local = await batchOptimize(
    seeds.map((x0, k) =>
      createOptimizer("nelder-mead", { lower: p.lower, upper: p.upper, scale: p.scale, x0, seed: k, maxEvaluations: full ? 16 : 4 })
    ),
    combined,
    { out, backend, overwrite: true, onGeneration: progress, config },
  );
  if (log) {
    process.stdout.write(summarize([global!, ...local]));
    const best = local.filter((r) => r.best).sort((a, b) => a.best!.cost - b.best!.cost)[0];
    if (best) {
      process.stdout.write(
        `best local: ${best.label}, loss ${best.best!.cost.toFixed(4)}, fc_corr ${best.best!.terms["+fc_corr"]!.toFixed(4)}, psd_mae ${
          best.best!.terms["-psd_mae"]!.toFixed(3)
        } Hz\n`,
      );
    }
  }
  return { global: global!, local };
}

if (isMain("hopf-pareto-dk84.ts")) {
  const args = parseExampleArgs(process.argv.slice(2), "hopf-pareto-dk84");
  if (args.printConfig) process.stdout.write(JSON.stringify(hopfParetoConfig(args.full), null, 2) + "\n");
  else {
    const t0 = Date.now();
    process.stdout.write(`hopf-pareto-dk84 (${args.full ? "full size" : "reduced size; --full for the full size"}) → ${args.out}\n`);
    await runHopfPareto(args.full, args.out, args.backend, true);
    process.stdout.write(`wall time ${((Date.now() - t0) / 1000).toFixed(1)} s\n`);
  }
}
