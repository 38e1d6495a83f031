// Example 5, stage 1 as tvboptim runs it: Adam with exact (adjoint) gradients from every Pareto
// seed of stage 0 (NSGA-II over G, a, log sigma, as examples/hopf-pareto-dk84.ts), freeing G and
// per-region a and ω (1 + 84 + 84 = 169 parameters) on the summed loss −fc_corr + 0.1 · psd_mae.
// Gradients: reverse mode through the simulation (src/grad; with --backend wasm the float32 WASM
// kernel, else the float64 reference), the psd term through tvboptim's soft-argmax peak (β 50);
// all seeds' runs go in lockstep, and each step's gradients are one batch: every seed a lane
// (each seed keeps its own sigma, so its own problem; they simulate alike). Per seed the report
// gives the start and the end: fc_corr, psd_mae and the correlation of the nodes' peak
// frequencies with the target gradient, all re-evaluated by the fit's own statistics (hard argmax).
// Size: HOPF_ADAM_S simulated seconds (default 20 with --full, 0.8 without; the NSGA-II example's
// full size is 60 s), HOPF_ADAM_STEPS Adam steps (default 6 with --full, 2 without),
// HOPF_ADAM_SEEDS at most that many Pareto members (default all), HOPF_ADAM_LR Adam's learning
// rate (default 0.0005: a near the bifurcation changes the dynamics fast; 0.002 overshot).
// Run: node scripts/run-ts.mjs examples/hopf-adam-dk84.ts [--full] [--backend wasm]
import { createOptimizer } from "brainfit/optim";
import { batchOptimize, defineProblem, evaluateBatch, type FitProblem, problemsFromConfig } from "brainfit/fit";
import { datasets, isMain, parseExampleArgs } from "./common.ts";
import { hopfParetoConfig, N_DK, PSD_MAE_WEIGHT } from "./hopf-pareto-dk84.ts";

const env = (globalThis as { process?: { env?: Record<string, string | undefined> } }).process?.env ?? {};

export async function runHopfAdam(full: boolean, out: string, backend: "auto" | "wasm" | "webgpu" | "reference", log = false) {
  const seconds = Number(env.HOPF_ADAM_S ?? (full ? 20 : 0.8));
  const steps = Number(env.HOPF_ADAM_STEPS ?? (full ? 6 : 2));
  const base = hopfParetoConfig(full);
  const config = {
    ...base,
    simulation: { ...base.simulation, duration: seconds, boldRemove: full ? Math.min(4, seconds / 5) : base.simulation.boldRemove },
  };
  const say = (s: string) => log && void process.stdout.write(s + "\n");
  const [p0] = await problemsFromConfig(config, { datasets: datasets() });
  const p = p0!;
  const t0 = Date.now();
  const nsga = createOptimizer(
    "nsga2",
    { ...config.optimizer.options, objectives: 2, lower: p.lower, upper: p.upper, scale: p.scale } as never,
  );
  const [global] = await batchOptimize([nsga], [p], { out, backend, overwrite: true, config });
  const t1 = Date.now();
  // HOPF_ADAM_SEEDS caps the seeds: that many, evenly spaced along the front ordered by fc_corr.
  const front = (global!.pareto ?? []).slice().sort((a, b) => a.f[0]! - b.f[0]!);
  const cap = Math.min(front.length, Number(env.HOPF_ADAM_SEEDS ?? front.length));
  const seeds = cap >= front.length
    ? front
    : Array.from({ length: cap }, (_, k) => front[Math.round((k * (front.length - 1)) / Math.max(cap - 1, 1))]!);
  say(
    `stage 0 (NSGA-II, ${backend}): ${front.length} Pareto members in ${
      ((t1 - t0) / 1000).toFixed(0)
    } s; Adam from ${seeds.length} of them`,
  );
  // Stage 1: per seed, G, a[84], omega[84] free; sigma fixed at the seed's.
  const omega0 = (base.fixed!.omega as number[]).slice();
  const regions = Array.from({ length: N_DK }, (_, i) => i);
  const { omega: _omega, ...fixedRest } = p.spec.fixed ?? {};
  void _omega;
  const problems: FitProblem[] = seeds.map((m, k) =>
    defineProblem({
      ...p.spec,
      name: `hopf-dk84-adam-${k}`,
      objectives: "sum",
      gofWeights: { "-psd_mae": PSD_MAE_WEIGHT },
      free: [
        { name: "G", bounds: [0.01, 2] },
        { name: "a", bounds: [-0.1, 0.02], groups: regions },
        { name: "omega", bounds: [(2 * Math.PI * 2) / 1000, (2 * Math.PI * 30) / 1000], groups: regions },
      ],
      fixed: { ...fixedRest, sigma: m.params.sigma! },
    })
  );
  const x0s = seeds.map((m) => [m.params.G!, ...regions.map(() => m.params.a!), ...omega0]);
  const lr = Number(env.HOPF_ADAM_LR ?? 0.0005);
  const adams = problems.map((q, k) =>
    createOptimizer("adam", { lower: q.lower, upper: q.upper, x0: x0s[k], learningRate: lr, maxIterations: steps })
  );
  const local = await batchOptimize(adams, problems, { out, backend, overwrite: true, gradient: "adjoint", log: say, saveBest: false });
  const t2 = Date.now();
  // Start and end of every seed, by the fit's own statistics (+ the peak-gradient correlation).
  const rep = (q: FitProblem) => defineProblem({ ...q.spec, gof: ["+fc_corr", "-psd_mae", "+psd_peak_corr"], gofWeights: {} });
  // Adam's last iterate (where it ends after its steps) and its best evaluated point.
  const last = local.map((r) => (r.optimizer.toJSON().state as { x: number[] }).x);
  const reqs = problems.flatMap((q, k) => [x0s[k]!, last[k]!, local[k]!.best?.x ?? x0s[k]!].map((x) => ({ problem: rep(q), x })));
  const ev = await evaluateBatch(reqs, { backend });
  const rows = seeds.map((m, k) => {
    const [a, b, c] = [0, 1, 2].map((j) => ev.results[3 * k + j]!.terms);
    const f = (t: Record<string, number>) =>
      `fc_corr ${t["+fc_corr"]!.toFixed(3)}, psd_mae ${t["-psd_mae"]!.toFixed(2)} Hz, peak corr ${t["+psd_peak_corr"]!.toFixed(3)}`;
    return `seed ${k} (G ${m.params.G!.toFixed(3)}, a ${m.params.a!.toFixed(4)}, σ ${m.params.sigma!.toFixed(4)}): start ${f(a!)} → after ${
      local[k]!.generations
    } Adam steps ${f(b!)}; best evaluated ${f(c!)} (adjoint loss ${local[k]!.best?.cost.toFixed(4)})`;
  });
  say(rows.join("\n"));
  say(
    `stage 1 (Adam, adjoint gradients on ${
      backend === "wasm" ? "WASM (float32)" : "the float64 reference"
    }, all seeds as lanes of one batch, ${problems[0]?.dim ?? 0} parameters): ${((t2 - t1) / 1000).toFixed(0)} s; total ${
      ((Date.now() - t0) / 1000).toFixed(0)
    } s`,
  );
  return { global: global!, local, rows };
}

if (isMain("hopf-adam-dk84.ts")) {
  const args = parseExampleArgs(process.argv.slice(2), "hopf-adam-dk84");
  process.stdout.write(`hopf-adam-dk84 (${args.full ? "full size" : "reduced size; --full for the full size"}) → ${args.out}\n`);
  await runHopfAdam(args.full, args.out, args.backend, true);
}
