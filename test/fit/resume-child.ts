// Child process of resume.test.ts: a small batch of three runs (CMA-ES, DE, NSGA-II) written to
// argv[2]; argv[3] "resume" continues from checkpoints; argv[4] ms to wait after each generation
// (so the parent can kill it mid-run). Prints "gen N" after each generation.
import { batchOptimize } from "../../src/fit/run.ts";
import { createOptimizer } from "../../src/optim/registry.ts";
import { tinyProblem, tinySpec } from "./fixtures.ts";

const [out, mode, wait] = [process.argv[2]!, process.argv[3], Number(process.argv[4] ?? 0)];
const p1 = tinyProblem();
const p2 = tinyProblem({ name: "seed7", simulation: { ...tinySpec().simulation, seed: 7 } });
const p3 = tinyProblem({
  name: "multi",
  gof: ["+fc_corr", "-fc_diff"],
  objectives: "terms",
  fixed: { omega: 0.005, sigma: 0.05 },
  free: [{ name: "G", bounds: [0.01, 1] }, { name: "a", bounds: [-0.5, -0.01] }],
});
const results = await batchOptimize(
  [
    createOptimizer("cmaes", { lower: p1.lower, upper: p1.upper, popsize: 4, maxIterations: 6, seed: 3 }),
    createOptimizer("de", { lower: p2.lower, upper: p2.upper, popsize: 4, maxIterations: 4, seed: 4 }),
    createOptimizer("nsga2", { lower: p3.lower, upper: p3.upper, popsize: 4, objectives: 2, maxIterations: 5, seed: 5 }),
  ],
  [p1, p2, p3],
  {
    out,
    backend: "wasm",
    resume: mode === "resume",
    onGeneration: async (g) => {
      process.stdout.write(`gen ${g.generation}\n`);
      if (wait > 0) await new Promise((r) => setTimeout(r, wait));
    },
  },
);
process.stdout.write(`done ${results.map((r) => `${r.label}:${r.generations}`).join(" ")}\n`);
