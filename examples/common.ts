// Shared runner of the examples: `node scripts/run-ts.mjs examples/<name>.ts [--full] [--out DIR] [--backend B] [--print-config]`.
// Reduced size by default (seconds; what CI runs), full size with --full.
import { summarize } from "brainfit/fit";
import type { FitConfig } from "brainfit/fit";
import { fitFromConfig } from "brainfit/fit";
import type { RunResult } from "brainfit/fit";
import type { BackendName } from "brainfit/sim";
import { wilsonCowan } from "brainfit/models";
import type { ModelSpec } from "brainfit/models";

/**
 * Wilson–Cowan with diffusive coupling as the brainmass tutorials write it: c = Σ_j w_ij
 * (rE_j(t − d_ij) − rE_i), so the input k·c vanishes when a node's neighbours match its own
 * rate (the linear built-in adds k Σ_j w_ij rE_j, a mean drive that grows with k and strength).
 * A spec override for examples 2 and 3 (`--coupling difference`); src/models is unchanged.
 */
export const wilsonCowanDifference: ModelSpec = {
  ...wilsonCowan,
  name: "WilsonCowanDifference",
  description: "Wilson–Cowan with diffusive (difference) coupling of rE, as the brainmass tutorials",
  couplings: [{ name: "c", of: "rE", form: "difference" }],
};

export type WcCoupling = "linear" | "difference";

export interface ExampleArgs {
  full: boolean;
  out: string;
  backend: BackendName;
  printConfig: boolean;
  /** Examples 2 and 3: Wilson–Cowan coupling form (default linear, the built-in). */
  coupling: WcCoupling;
}

export function parseExampleArgs(argv: string[], name: string): ExampleArgs {
  const args: ExampleArgs = { full: false, out: `out/examples/${name}`, backend: "auto", printConfig: false, coupling: "linear" };
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i]!;
    if (a === "--full") args.full = true;
    else if (a === "--print-config") args.printConfig = true;
    else if (a === "--out") args.out = argv[++i]!;
    else if (a === "--backend") args.backend = argv[++i] as BackendName;
    else if (a === "--coupling") {
      const c = argv[++i];
      if (c !== "linear" && c !== "difference") throw new Error(`--coupling takes linear or difference, got ${String(c)}`);
      args.coupling = c;
    } else {throw new Error(
        `unknown argument ${a}; use --full, --out DIR, --backend auto|wasm|webgpu|reference, --print-config, --coupling linear|difference (examples 2, 3)`,
      );}
  }
  return args;
}

/** True when this file is the script being run (run-ts.mjs puts its path in argv[1]). */
export function isMain(file: string): boolean {
  const a = (globalThis as { process?: { argv?: string[] } }).process?.argv?.[1] ?? "";
  return a.endsWith(file);
}

/** Bundled data: from the repository (scripts run from its root) unless BRAINFIT_DATA says otherwise. */
export const datasets = () => (process.env.BRAINFIT_DATA ? {} : { dataDir: "data" });

export async function runExample(
  config: FitConfig,
  args: Pick<ExampleArgs, "out" | "backend">,
  quiet = false,
): Promise<{ results: RunResult[]; wallSeconds: number }> {
  const t0 = Date.now();
  const results = await fitFromConfig(structuredClone(config), {
    out: args.out,
    backend: args.backend,
    overwrite: true,
    context: { datasets: datasets() },
    onGeneration: quiet ? undefined : (p) =>
      void process.stdout.write(
        `  gen ${p.generation}: best cost ${p.bestCost.toFixed(4)}, ${p.evaluations} simulations, ${p.evaluationsPerSecond.toFixed(2)}/s\n`,
      ),
  });
  const wallSeconds = (Date.now() - t0) / 1000;
  if (!quiet) {
    process.stdout.write(summarize(results));
    process.stdout.write(`wall time ${wallSeconds.toFixed(1)} s\n`);
  }
  return { results, wallSeconds };
}

export async function main(
  name: string,
  build: (full: boolean, coupling: WcCoupling) => FitConfig,
  report?: (r: RunResult[]) => string,
): Promise<void> {
  const args = parseExampleArgs(process.argv.slice(2), name);
  const config = build(args.full, args.coupling);
  if (args.printConfig) {
    process.stdout.write(JSON.stringify(config, null, 2) + "\n");
    return;
  }
  process.stdout.write(`${name} (${args.full ? "full size" : "reduced size; --full for the full size"}) → ${args.out}\n`);
  const { results } = await runExample(config, args);
  if (report) process.stdout.write(report(results));
}
