// Plain-text summaries of finished runs (what `brainfit fit` and the examples print).
import type { RunResult } from "./run.ts";

/** A number with 4 decimals, or in exponent notation when very large or small. */
export function formatNumber(v: number): string {
  return Math.abs(v) >= 1e4 || (Math.abs(v) < 1e-3 && v !== 0) ? v.toExponential(4) : v.toFixed(4);
}

/**
 * One paragraph per run: stop reason, simulations, best parameters, GOF terms, cost, folder;
 * then the backend.
 *
 * @example
 * ```ts
 * import { fitFromConfig, QUICKSTART_CONFIG, summarize } from "brainfit/fit";
 * const results = await fitFromConfig(QUICKSTART_CONFIG, { out: "out/fit" });
 * console.log(summarize(results));
 * ```
 */
export function summarize(results: RunResult[]): string {
  const lines: string[] = [];
  for (const r of results) {
    lines.push(
      `${r.label}: ${r.stopReason ?? "paused (continue with --resume)"} after ${r.generations} generations, ${r.evaluations} simulations${
        r.diverged + r.invalid ? ` (${r.diverged} diverged, ${r.invalid} invalid)` : ""
      }, ${(r.elapsedMs / 1000).toFixed(1)} s`,
    );
    if (r.best) {
      lines.push(`  best: ${Object.entries(r.best.params).map(([k, v]) => `${k} = ${formatNumber(v)}`).join(", ")}`);
      lines.push(
        `  GOF ${formatNumber(r.best.gof)} (${Object.entries(r.best.terms).map(([k, v]) => `${k} ${formatNumber(v)}`).join(", ")})${
          Object.keys(r.best.penalties).length ? `, penalties ${Object.values(r.best.penalties).map(formatNumber).join(", ")}` : ""
        }, cost ${formatNumber(r.best.cost)}`,
      );
    } else lines.push("  no finite cost was found");
    if (r.hypervolume !== undefined) {
      lines.push(`  Pareto front: ${r.pareto?.length ?? 0} points, hypervolume ${formatNumber(r.hypervolume)}`);
    }
    if (r.dir) lines.push(`  folder: ${r.dir}`);
  }
  if (results[0]) lines.push(`backend: ${results[0].backendInfo}`);
  return lines.join("\n") + "\n";
}
