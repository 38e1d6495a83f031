// The page's fit: the same loop as the SDK's batchOptimize (ask → evaluateBatch → tell, best =
// lowest finite cost), kept here so the page can show every generation's best FC while it runs
// (batchOptimize reports costs only). Runtime-neutral: the Chromium test runs the page and
// compares its best cost with the SDK's optimize() of the same config and seed in Node.
import { type ConfigContext, evaluateBatch, type FitConfig, runsFromConfig } from "brainfit/fit";
import type { BackendName } from "brainfit/sim";
import { fcPairs } from "brainfit/stats";

export interface GenerationUpdate {
  generation: number;
  evaluations: number;
  /** Best cost so far and this generation's median (finished candidates). */
  bestCost: number;
  medianCost: number;
  bestParams: Record<string, number>;
  /** Simulated FC (n × n) of the best candidate so far; null until one finished. */
  bestFc: Float64Array | null;
  /** Empirical FC (n × n) the fit compares with. */
  empiricalFc: Float64Array | null;
  nodes: number;
  backendInfo: string;
  diverged: number;
}

export interface PageFitOptions {
  backend: BackendName;
  allowSoftwareGpu?: boolean;
  context?: ConfigContext;
  onGeneration?: (u: GenerationUpdate) => void | Promise<void>;
  /** Checked between generations: stop early when it returns true. */
  stopped?: () => boolean;
}

function median(a: number[]): number {
  const s = [...a].sort((x, y) => x - y);
  const m = s.length >> 1;
  return s.length === 0 ? NaN : s.length % 2 ? s[m]! : (s[m - 1]! + s[m]!) / 2;
}

/** Symmetric n × n matrix from an FC lower triangle over `pairs` (diagonal 1, missing pairs NaN). */
export function matrixFromPairs(tril: ArrayLike<number>, n: number, rows: Int32Array, cols: Int32Array): Float64Array {
  const m = new Float64Array(n * n).fill(NaN);
  for (let k = 0; k < tril.length; k++) m[rows[k]! * n + cols[k]!] = m[cols[k]! * n + rows[k]!] = tril[k]!;
  for (let i = 0; i < n; i++) m[i * n + i] = 1;
  return m;
}

export async function runPageFit(config: FitConfig, opts: PageFitOptions): Promise<GenerationUpdate | null> {
  const [run] = await runsFromConfig(structuredClone(config), opts.context ?? {});
  if (!run) throw new Error("the config describes no run");
  const { problem: p, optimizer: opt } = run;
  const pairs = fcPairs(p.nNodes, p.pairOptions);
  const empiricalFc = p.empirical.fcTril ? matrixFromPairs(p.empirical.fcTril, p.nNodes, pairs.rows, pairs.cols) : null;
  let best = Infinity, bestParams: Record<string, number> = {}, bestFc: Float64Array | null = null;
  let generation = 0, evaluations = 0, diverged = 0;
  let last: GenerationUpdate | null = null;
  while (!opt.done && !opts.stopped?.()) {
    const xs = opt.ask();
    if (xs.length === 0) break;
    const batch = await evaluateBatch(xs.map((x) => ({ problem: p, x })), {
      backend: opts.backend,
      allowSoftwareGpu: opts.allowSoftwareGpu,
      keepOutputs: true,
    });
    opt.tell(xs, batch.results.map((r) => r.cost));
    generation++;
    const costs: number[] = [];
    batch.results.forEach((r, j) => {
      evaluations++;
      if (r.status !== "ok") diverged++;
      else {
        costs.push(r.totalCost);
        if (r.totalCost < best) {
          best = r.totalCost;
          bestParams = p.named(xs[j]!);
          const tril = batch.outputs?.[j]?.summary.fcTril;
          bestFc = tril ? matrixFromPairs(tril, p.nNodes, pairs.rows, pairs.cols) : null;
        }
      }
    });
    last = {
      generation,
      evaluations,
      bestCost: best,
      medianCost: median(costs),
      bestParams,
      bestFc,
      empiricalFc,
      nodes: p.nNodes,
      backendInfo: batch.backendInfo,
      diverged,
    };
    await opts.onGeneration?.(last);
  }
  return last;
}
