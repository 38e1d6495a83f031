// Runs: optimize(optimizer, problem) and batchOptimize(optimizers, problems). Every generation,
// the candidates of all running optimizers are evaluated together (evaluateBatch: one
// simulate() call per compatible group of lanes); runs stop independently and the batch
// shrinks. With `out`, each run writes its folder (config.json, history.csv, checkpoint.json
// after every generation, then best.json, optimizer.json and the best simulation's outputs).
import { writeNpy } from "../io/npy.ts";
import { hypervolume } from "../optim/hypervolume.ts";
import type { ParetoPoint } from "../optim/nsga2.ts";
import { restoreOptimizer } from "../optim/registry.ts";
import type { Optimizer, OptimizerJSON, StopReason } from "../optim/types.ts";
import { fcMatrix } from "../stats/fc.ts";
import { appendText, exists, lockRunFolder, mkdirp, readText, saveFile, truncateTo } from "./disk.ts";
import { type EvalRequest, type EvalResult, evaluateBatch, type EvaluateOptions, type EvaluationBatch } from "./evaluate.ts";
import type { FitProblem, LaneOutputs } from "./problem.ts";
import { FitConfigError } from "../schema/validate.ts";
import { evaluateWithGradients, type GradientMode, gradientModeOf, needsGradients, resolveGradient } from "./gradients.ts";

/**
 * Thrown when a run folder cannot be used as asked: it already holds a run (pass resume or
 * overwrite), or its checkpoint belongs to another optimizer or problem.
 *
 * @example
 * ```ts
 * import { FitRunError, fitFromConfig, QUICKSTART_CONFIG } from "brainfit/fit";
 * try {
 *   await fitFromConfig(QUICKSTART_CONFIG, { out: "out/fit" });
 * } catch (err) {
 *   if (err instanceof FitRunError) console.error(err.message); // e.g. "… already holds a run; pass resume …"
 * }
 * ```
 */
export class FitRunError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "FitRunError";
  }
}

export interface BestRecord {
  /** Optimizer coordinates, by dimension name. */
  params: Record<string, number>;
  x: number[];
  /** −Σ signed terms + penalties. */
  cost: number;
  gof: number;
  terms: Record<string, number>;
  penalties: Record<string, number>;
  generation: number;
  evaluation: number;
}

/**
 * What onGeneration gets after each generation: counts, speed, the best cost so far and an ETA.
 *
 * @example
 * ```ts
 * import type { ProgressInfo } from "brainfit/fit";
 * const log = (p: ProgressInfo) => console.log(`${p.generation}: ${p.evaluationsPerSecond.toFixed(1)} sims/s, best ${p.bestCost}, eta ${p.etaSeconds ?? "?"} s`);
 * ```
 */
export interface ProgressInfo {
  /** Generations done by the longest run (counting those before a resume). */
  generation: number;
  /** Runs still going. */
  running: number;
  runs: number;
  /** Evaluations so far, all runs. */
  evaluations: number;
  evaluationsPerSecond: number;
  /** Best cost over all runs. */
  bestCost: number;
  /** Seconds left, estimated from the optimizers' budgets (null when unknown). */
  etaSeconds: number | null;
  diverged: number;
}

/** Where a request comes from: a queue derives job ids from it (a retry or duplicate then overwrites, never double-counts). */
export interface EvalTag {
  /** The run's label (<problem>/<optimizer>_run-<k>) and its index in the batch. */
  run: string;
  runIndex: number;
  /** The generation the candidate belongs to (1-based), and its index in the optimizer's ask. */
  generation: number;
  candidate: number;
  /** The re-run of a finished run's best candidate (outputs kept). */
  best?: boolean;
}

/** Evaluates one generation's requests; evaluateBatch in-process, or a queue of workers (src/distributed). */
export type BatchEvaluator = (
  requests: readonly EvalRequest[],
  opts: EvaluateOptions,
  tags: readonly EvalTag[],
) => Promise<EvaluationBatch>;

/**
 * How a fit runs: the backend and lanes per simulate() call, the run folder (`out`, with
 * checkpoints; `resume` continues a stopped run), a progress callback, and a generation limit.
 *
 * @example
 * ```ts
 * import { optimize, type OptimizeOptions } from "brainfit/fit";
 * const opts: OptimizeOptions = {
 *   out: "out/fit",
 *   resume: true,
 *   backend: "wasm",
 *   onGeneration: (p) => console.log(`generation ${p.generation}: best ${p.bestCost}`),
 * };
 * ```
 */
export interface OptimizeOptions extends EvaluateOptions {
  /** How candidates are evaluated (default: evaluateBatch in this process). Results must not depend on it. */
  evaluator?: BatchEvaluator;
  /** Named in the run folders' lock (default "brainfit fit"). */
  lockPurpose?: string;
  /** Results root: each run writes <out>/<problem name>/<optimizer type>_run-<k>/. No disk output without it. */
  out?: string;
  /** Continue runs from their checkpoints (runs without one start fresh). */
  resume?: boolean;
  /** Replace existing run folders that hold a checkpoint (default false: refuse). */
  overwrite?: boolean;
  /** Called after every generation (awaited). */
  onGeneration?: (info: ProgressInfo) => void | Promise<void>;
  /** Pause every run after this many generations in total (checkpointed, not finalized: resume continues it; stopReason stays null). */
  maxGenerations?: number;
  /** Re-run the best candidate and save its outputs (default true with out). */
  saveBest?: boolean;
  /** Written into each run's config.json as "config" (e.g. the JSON config the problem came from). */
  config?: unknown;
  /**
   * Where optimizers told gradients (Adam; L-BFGS-B with gradient "supplied") get them: "adjoint"
   * (default; falls back to finite differences when the problem is not differentiable) or
   * "finite-difference". A config's optimizer.gradient takes precedence for its runs.
   */
  gradient?: GradientMode;
  /** Receives one line per gradient-driven run saying where its gradients come from (default: console.log). */
  log?: (line: string) => void;
}

/**
 * The outcome of one optimizer's run: the best parameters and scores, counts, why it stopped,
 * the Pareto front for multi-objective runs, and the run folder.
 *
 * @example
 * ```ts
 * import { fitFromConfig, QUICKSTART_CONFIG, type RunResult } from "brainfit/fit";
 * const [run]: RunResult[] = await fitFromConfig(QUICKSTART_CONFIG, { out: "out/fit" });
 * console.log(run!.stopReason, run!.best?.params, run!.dir);
 * ```
 */
export interface RunResult {
  label: string;
  dir: string | null;
  problem: FitProblem;
  optimizer: Optimizer;
  best: BestRecord | null;
  generations: number;
  evaluations: number;
  /** Simulations with NaN/Inf (diverged) and with a non-finite GOF (invalid). */
  diverged: number;
  invalid: number;
  stopReason: StopReason | null;
  /** NSGA-II: the final Pareto front (x by name, f per objective) and its hypervolume. */
  pareto?: { params: Record<string, number>; f: number[] }[];
  hypervolume?: number;
  backendInfo: string;
  /** Wall time of this run's generations (including time before a resume). */
  elapsedMs: number;
}

/** A run's progress: what a checkpoint saves besides the optimizer state. */
interface RunProgress {
  generation: number;
  evaluations: number;
  diverged: number;
  invalid: number;
  best: BestRecord | null;
  historyBytes: number;
  paretoBytes: number;
  convergenceBytes: number;
  finalized: boolean;
  elapsedMs: number;
  backendInfo: string;
}

interface Checkpoint extends RunProgress {
  format: "brainfit.fit-checkpoint";
  version: 1;
  label: string;
  optimizer: OptimizerJSON;
}

interface RunState extends RunProgress {
  label: string;
  dir: string | null;
  problem: FitProblem;
  optimizer: Optimizer;
  pareto?: RunResult["pareto"];
  hypervolume?: number;
  /** Gradient source asked for (config optimizer.gradient or opts.gradient), kept across a resume's restore. */
  gradient: GradientMode;
}

const bytesOf = (s: string) => new TextEncoder().encode(s).length;
const num = (v: number) => (Number.isNaN(v) ? "nan" : v === Infinity ? "inf" : v === -Infinity ? "-inf" : String(v));

function historyHeader(p: FitProblem): string[] {
  const cols = [
    "generation",
    "evaluation",
    "status",
    ...p.dims.map((d) => d.name),
    ...p.gof,
    ...p.penalties.map((q) => `penalty:${q.name}`),
    "gof",
    "cost",
  ];
  if (p.objectives === "terms") p.gof.forEach((_, k) => cols.push(`objective_${k}`));
  if (p.fic?.mode === "numerical") cols.push("fic_failed", "fic_trials");
  return cols;
}

function historyRow(p: FitProblem, generation: number, evaluation: number, x: ArrayLike<number>, r: EvalResult): string {
  const cells = [
    String(generation),
    String(evaluation),
    r.status,
    ...Array.from(x, num),
    ...p.gof.map((g) => num(r.terms[g] ?? NaN)),
    ...p.penalties.map((q) => num(r.penalties[q.name] ?? NaN)),
    num(r.gof),
    num(r.totalCost),
  ];
  if (p.objectives === "terms") { for (const c of r.cost as number[]) cells.push(num(c)); }
  if (p.fic?.mode === "numerical") cells.push(r.fic ? String(r.fic.failed) : "", r.fic ? String(r.fic.trials) : "");
  return cells.join(",") + "\n";
}

function paretoOf(opt: Optimizer): ParetoPoint[] | null {
  const f = (opt as unknown as { paretoFront?: () => ParetoPoint[] }).paretoFront;
  return typeof f === "function" ? f.call(opt) : null;
}

/** Folder of each run: <out>/<problem>/<type>_run-<k>, k counting runs of the same problem and type. */
export function runFolders(out: string, runs: { problem: FitProblem; optimizer: Optimizer }[]): string[] {
  const count = new Map<string, number>();
  return runs.map((r) => {
    const key = `${r.problem.name}/${r.optimizer.type}`;
    const k = count.get(key) ?? 0;
    count.set(key, k + 1);
    return `${out.replace(/[\\/]+$/, "")}/${r.problem.name}/${r.optimizer.type}_run-${k}`;
  });
}

/**
 * Run one optimizer on one problem.
 *
 * @example
 * ```ts
 * import { defineProblem, optimize } from "brainfit/fit";
 * import { createOptimizer } from "brainfit/optim";
 * const problem = defineProblem({
 *   model: "SupHopf", network: { weights: [0, 1, 1, 0] },
 *   free: [{ name: "G", bounds: [0, 1] }],
 *   target: { fc: [1, 0.5, 0.5, 1] }, gof: ["+fc_corr"], simulation: { duration: 10, tr: 0.5 },
 * });
 * const opt = createOptimizer("cmaes", { lower: problem.lower, upper: problem.upper, seed: 1, maxIterations: 10 });
 * const run = await optimize(opt, problem, { out: "out/fit", backend: "auto" });
 * console.log(run.best); // { params: { G }, cost, gof, terms, … }
 * ```
 */
export async function optimize(optimizer: Optimizer, problem: FitProblem, opts: OptimizeOptions = {}): Promise<RunResult> {
  return (await batchOptimize([optimizer], [problem], opts))[0]!;
}

/**
 * Run several optimizers (one per problem, or all on one problem) in lockstep: each generation
 * their candidates are simulated as one batch. Results come back in the order given.
 *
 * @example
 * ```ts
 * import { batchOptimize, defineProblem } from "brainfit/fit";
 * import { createOptimizer } from "brainfit/optim";
 * const problem = defineProblem({
 *   model: "SupHopf", network: { weights: [0, 1, 1, 0] },
 *   free: [{ name: "G", bounds: [0, 1] }, { name: "a", bounds: [-0.5, 0] }],
 *   target: { fc: [1, 0.5, 0.5, 1] }, gof: ["+fc_corr"], simulation: { duration: 10, tr: 0.5 },
 * });
 * const opts = { lower: problem.lower, upper: problem.upper, maxIterations: 5 };
 * const runs = await batchOptimize([createOptimizer("cmaes", { ...opts, seed: 1 }), createOptimizer("cmaes", { ...opts, seed: 2 })], problem, { out: "out/fit" });
 * console.log(runs.map((r) => r.best?.cost));
 * ```
 */
export async function batchOptimize(
  optimizers: Optimizer[],
  problems: FitProblem[] | FitProblem,
  opts: OptimizeOptions = {},
): Promise<RunResult[]> {
  const probs = Array.isArray(problems) ? problems : optimizers.map(() => problems);
  if (probs.length !== optimizers.length) {
    throw new FitConfigError(
      "problems",
      `got ${probs.length} problems for ${optimizers.length} optimizers; give one per optimizer, or a single problem for all`,
    );
  }
  optimizers.forEach((o, i) => {
    const p = probs[i]!;
    if (o.dim !== p.dim) {
      throw new FitConfigError(
        `optimizers[${i}]`,
        `has ${o.dim} dimensions but problem '${p.name}' has ${p.dim} (${
          p.dims.map((d) => d.name).join(", ")
        }); create it with the problem's lower/upper/scale`,
      );
    }
    if (o.objectives !== p.nObjectives) {
      throw new FitConfigError(
        `optimizers[${i}]`,
        `optimizes ${o.objectives} objective(s) but problem '${p.name}' has ${p.nObjectives} (objectives: "${p.objectives}")`,
      );
    }
  });
  const dirs = opts.out
    ? runFolders(opts.out, optimizers.map((o, i) => ({ optimizer: o, problem: probs[i]! })))
    : optimizers.map(() => null);
  const runs: RunState[] = optimizers.map((o, i) => ({
    label: dirs[i] ? dirs[i]!.split("/").slice(-2).join("/") : `${probs[i]!.name}/${o.type}_run-${i}`,
    dir: dirs[i]!,
    problem: probs[i]!,
    optimizer: o,
    generation: 0,
    evaluations: 0,
    diverged: 0,
    invalid: 0,
    best: null,
    historyBytes: 0,
    paretoBytes: 0,
    convergenceBytes: 0,
    finalized: false,
    elapsedMs: 0,
    backendInfo: "",
    gradient: gradientModeOf(o, opts.gradient ?? "adjoint"),
  }));
  // One writer per run folder: take every folder's lock before touching any of them.
  const releases: (() => Promise<void>)[] = [];
  try {
    for (const r of runs) if (r.dir) releases.push(await lockRunFolder(r.dir, opts.lockPurpose ?? "brainfit fit"));
    for (const r of runs) if (r.dir) await openRunFolder(r, opts);
    return await runLoop(runs, opts);
  } finally {
    for (const release of releases) await release();
  }
}

async function runLoop(runs: RunState[], opts: OptimizeOptions): Promise<RunResult[]> {
  const evaluate = opts.evaluator ?? ((reqs: readonly EvalRequest[], o: EvaluateOptions) => evaluateBatch(reqs, o));
  const t0 = Date.now();
  let evalsThisSession = 0;
  const saveBest = opts.saveBest ?? true;
  // Gradient-driven runs: where their gradients come from, said once per run.
  const gradientMode = new Map<RunState, GradientMode>();
  for (const r of runs) {
    if (!needsGradients(r.optimizer)) continue;
    const { mode, line } = resolveGradient(r.problem, r.gradient);
    gradientMode.set(r, mode);
    (opts.log ?? ((l: string) => console.log(l)))(`${r.label}: ${r.optimizer.type} ${line}`);
  }
  for (;;) {
    // Runs at maxGenerations pause: left as they are (checkpointed, not finalized), so resume continues them.
    const paused = (r: RunState) => opts.maxGenerations !== undefined && r.generation >= opts.maxGenerations && !r.optimizer.done;
    const active = runs.filter((r) => !r.optimizer.done && !r.finalized && !paused(r));
    const asks = active.map((r) => ({ r, xs: r.optimizer.ask() }));
    const live = asks.filter((a) => a.xs.length > 0);
    // Runs that ended (stop, budget, or an empty ask) are finalized together: one batch re-runs their best.
    const ended = runs.filter((r) => !r.finalized && !paused(r) && (r.optimizer.done || !live.some((a) => a.r === r)));
    if (ended.length) await finalize(ended, runs, opts, saveBest, evaluate);
    if (live.length === 0) break;
    const g0 = Date.now();
    const reqs = live.flatMap((a) => a.xs.map((x) => ({ problem: a.r.problem, x })));
    const tags = live.flatMap((a) =>
      a.xs.map((_, j) => ({ run: a.r.label, runIndex: runs.indexOf(a.r), generation: a.r.generation + 1, candidate: j }))
    );
    const modes = live.flatMap((a) => a.xs.map(() => gradientMode.get(a.r) ?? null));
    // Adjoint gradients where the fit's simulations run: the float64 reference, WebGPU, or
    // (auto, wasm) the WASM kernel where WebAssembly SIMD runs (float32, as the simulations).
    const { batch, grads } = await evaluateWithGradients(
      reqs,
      modes,
      (rs, origin) => evaluate(rs, opts, origin.map((o) => tags[o.from]!)),
      { backend: opts.backend === "reference" || opts.backend === "webgpu" ? opts.backend : "auto", threads: opts.threads },
    );
    const genMs = Date.now() - g0;
    let k = 0;
    for (const a of live) {
      const r = a.r;
      const res = batch.results.slice(k, k + a.xs.length);
      const told = gradientMode.has(r) ? { grads: grads.slice(k, k + a.xs.length) as number[][] } : undefined;
      k += a.xs.length;
      r.optimizer.tell(a.xs, res.map((x) => x.cost), told);
      r.generation++;
      let rows = "";
      let genBest = Infinity;
      res.forEach((x, j) => {
        if (x.status === "ok") genBest = Math.min(genBest, x.totalCost);
        r.evaluations++;
        if (x.status === "diverged") r.diverged++;
        if (x.status === "invalid" || x.status === "failed") r.invalid++;
        if (x.status === "ok" && (r.best === null || x.totalCost < r.best.cost)) {
          r.best = {
            params: r.problem.named(a.xs[j]!),
            x: [...a.xs[j]!],
            cost: x.totalCost,
            gof: x.gof,
            terms: x.terms,
            penalties: x.penalties,
            generation: r.generation,
            evaluation: r.evaluations,
          };
        }
        rows += historyRow(r.problem, r.generation, r.evaluations, a.xs[j]!, x);
      });
      r.elapsedMs += genMs;
      r.backendInfo = batch.backendInfo;
      const front = paretoOf(r.optimizer);
      let paretoLine = "";
      if (front && r.problem.objectives === "terms") {
        r.hypervolume = hypervolume(front.map((p) => p.f), r.problem.divergedCosts);
        r.pareto = front.map((p) => ({ params: r.problem.named(p.x), f: p.f }));
        paretoLine = JSON.stringify({
          generation: r.generation,
          evaluations: r.evaluations,
          hypervolume: r.hypervolume,
          reference: r.problem.divergedCosts,
          front: r.pareto,
        }) + "\n";
      }
      if (r.dir) {
        await appendText(`${r.dir}/history.csv`, rows);
        r.historyBytes += bytesOf(rows);
        const conv = `${r.generation},${r.evaluations},${num(r.best?.cost ?? Infinity)},${num(genBest)},${r.diverged},${r.invalid}${
          r.hypervolume !== undefined && paretoLine ? `,${num(r.hypervolume)}` : ""
        }\n`;
        await appendText(`${r.dir}/convergence.csv`, conv);
        r.convergenceBytes += bytesOf(conv);
        if (paretoLine) {
          await appendText(`${r.dir}/pareto.jsonl`, paretoLine);
          r.paretoBytes += bytesOf(paretoLine);
        }
        await writeCheckpoint(r);
      }
      evalsThisSession += a.xs.length;
    }
    if (opts.onGeneration) {
      const elapsed = (Date.now() - t0) / 1000;
      await opts.onGeneration({
        generation: Math.max(...runs.map((r) => r.generation)),
        running: runs.filter((r) => !r.optimizer.done).length,
        runs: runs.length,
        evaluations: runs.reduce((s, r) => s + r.evaluations, 0),
        evaluationsPerSecond: evalsThisSession / Math.max(elapsed, 1e-3),
        bestCost: Math.min(...runs.map((r) => r.best?.cost ?? Infinity)),
        etaSeconds: eta(runs, elapsed),
        diverged: runs.reduce((s, r) => s + r.diverged + r.invalid, 0),
      });
    }
  }
  return runs.map((r) => ({
    label: r.label,
    dir: r.dir,
    problem: r.problem,
    optimizer: r.optimizer,
    best: r.best,
    generations: r.generation,
    evaluations: r.evaluations,
    diverged: r.diverged,
    invalid: r.invalid,
    stopReason: r.optimizer.stopReason,
    pareto: r.pareto,
    hypervolume: r.hypervolume,
    backendInfo: r.backendInfo,
    elapsedMs: r.elapsedMs,
  }));
}

function eta(runs: RunState[], elapsed: number): number | null {
  let frac = 1;
  for (const r of runs) {
    if (r.optimizer.done) continue;
    const o = (r.optimizer as unknown as { options?: { maxEvaluations?: number; maxIterations?: number } }).options ?? {};
    const f = Math.max(
      o.maxEvaluations ? r.optimizer.evaluations / o.maxEvaluations : 0,
      o.maxIterations ? r.optimizer.iteration / o.maxIterations : 0,
    );
    if (f === 0) return null;
    frac = Math.min(frac, f);
  }
  return frac > 0 && frac < 1 ? (elapsed * (1 - frac)) / frac : frac >= 1 ? 0 : null;
}

async function writeCheckpoint(r: RunState): Promise<void> {
  const cp: Checkpoint = {
    format: "brainfit.fit-checkpoint",
    version: 1,
    label: r.label,
    optimizer: r.optimizer.toJSON(),
    generation: r.generation,
    evaluations: r.evaluations,
    diverged: r.diverged,
    invalid: r.invalid,
    best: r.best,
    historyBytes: r.historyBytes,
    paretoBytes: r.paretoBytes,
    convergenceBytes: r.convergenceBytes,
    finalized: r.finalized,
    elapsedMs: r.elapsedMs,
    backendInfo: r.backendInfo,
  };
  await saveFile(`${r.dir}/checkpoint.json`, JSON.stringify(cp) + "\n");
}

async function openRunFolder(r: RunState, opts: OptimizeOptions): Promise<void> {
  const dir = r.dir!;
  const cpPath = `${dir}/checkpoint.json`;
  const has = await exists(cpPath);
  if (has && opts.resume) {
    const cp = JSON.parse(await readText(cpPath)) as Checkpoint;
    if (cp.format !== "brainfit.fit-checkpoint" || cp.version !== 1) throw new FitRunError(`${cpPath} is not a brainfit fit checkpoint`);
    if (cp.optimizer.type !== r.optimizer.type) {
      throw new FitRunError(
        `${cpPath} holds a ${cp.optimizer.type} run but this run uses ${r.optimizer.type}; resume with the same configuration`,
      );
    }
    const restored = restoreOptimizer(cp.optimizer);
    if (restored.dim !== r.problem.dim) {
      throw new FitRunError(
        `${cpPath}: the checkpoint has ${restored.dim} dimensions, the problem ${r.problem.dim}; resume with the same configuration`,
      );
    }
    Object.assign(r, {
      optimizer: restored,
      generation: cp.generation,
      evaluations: cp.evaluations,
      diverged: cp.diverged,
      invalid: cp.invalid,
      best: cp.best,
      historyBytes: cp.historyBytes,
      paretoBytes: cp.paretoBytes,
      convergenceBytes: cp.convergenceBytes,
      finalized: cp.finalized,
      elapsedMs: cp.elapsedMs,
      backendInfo: cp.backendInfo,
    });
    await truncateTo(`${dir}/history.csv`, cp.historyBytes);
    await truncateTo(`${dir}/pareto.jsonl`, cp.paretoBytes);
    await truncateTo(`${dir}/convergence.csv`, cp.convergenceBytes);
    const last = cp.paretoBytes > 0 ? (await readText(`${dir}/pareto.jsonl`)).trimEnd().split("\n").pop() : undefined;
    if (last) {
      const p = JSON.parse(last) as { hypervolume: number; front: RunResult["pareto"] };
      r.hypervolume = p.hypervolume;
      r.pareto = p.front;
    }
    return;
  }
  if (has && !opts.overwrite) {
    throw new FitRunError(`${dir} already holds a run; pass resume to continue it, overwrite to start again, or choose another out folder`);
  }
  await mkdirp(dir);
  const { removeFile } = await import("./disk.ts");
  for (const f of ["pareto.jsonl", "best.json", "optimizer.json", "checkpoint.json"]) await removeFile(`${dir}/${f}`);
  const header = historyHeader(r.problem).join(",") + "\n";
  await saveFile(`${dir}/history.csv`, header);
  r.historyBytes = bytesOf(header);
  const convHeader = `generation,evaluations,best_cost,generation_best_cost,diverged,invalid${
    r.problem.objectives === "terms" ? ",hypervolume" : ""
  }\n`;
  await saveFile(`${dir}/convergence.csv`, convHeader);
  r.convergenceBytes = bytesOf(convHeader);
  await saveFile(
    `${dir}/config.json`,
    JSON.stringify(
      {
        problem: r.problem.describe(),
        optimizer: { type: r.optimizer.type, options: r.optimizer.toJSON().options },
        config: opts.config ?? null,
      },
      null,
      2,
    ) + "\n",
  );
  await writeCheckpoint(r);
}

async function finalize(
  ended: RunState[],
  runs: RunState[],
  opts: OptimizeOptions,
  saveBest: boolean,
  evaluate: BatchEvaluator,
): Promise<void> {
  const withBest = ended.filter((r) => r.best !== null && r.dir && saveBest);
  let outputs: LaneOutputs[] | undefined;
  if (withBest.length) {
    const tags = withBest.map((r) => ({ run: r.label, runIndex: runs.indexOf(r), generation: r.generation, candidate: 0, best: true }));
    const batch = await evaluate(withBest.map((r) => ({ problem: r.problem, x: r.best!.x })), {
      ...opts,
      keepOutputs: true,
      extraAverages: true,
    }, tags);
    outputs = batch.outputs;
  }
  for (const r of ended) {
    r.finalized = true;
    if (!r.dir) continue;
    const k = withBest.indexOf(r);
    if (k >= 0 && outputs) await saveOutputs(r, outputs[k]!);
    const best = {
      label: r.label,
      stopReason: r.optimizer.stopReason,
      generations: r.generation,
      evaluations: r.evaluations,
      diverged: r.diverged,
      invalid: r.invalid,
      best: r.best,
      nodeValues: r.best
        ? Object.fromEntries(Object.entries(r.problem.paramsOf(r.best.x)).map(([n, v]) => [n, typeof v === "number" ? v : Array.from(v)]))
        : null,
      pareto: r.pareto ?? null,
      hypervolume: r.hypervolume ?? null,
      backend: r.backendInfo,
      elapsedSeconds: r.elapsedMs / 1000,
    };
    await saveFile(`${r.dir}/best.json`, JSON.stringify(best, null, 2) + "\n");
    await saveFile(`${r.dir}/optimizer.json`, JSON.stringify(r.optimizer.toJSON()) + "\n");
    await writeCheckpoint(r);
  }
}

async function saveOutputs(r: RunState, out: LaneOutputs): Promise<void> {
  const p = r.problem;
  const n = p.nNodes;
  const T = out.nTime;
  const tm = new Float32Array(T * n);
  for (let i = 0; i < n; i++) for (let t = 0; t < T; t++) tm[t * n + i] = out.signal[i * T + t]!;
  const name = p.signal === "bold" ? "bold" : p.signal;
  await saveFile(`${r.dir}/${name}.npy`, writeNpy({ dtype: "float32", shape: [T, n], data: tm }));
  if (out.fcSignal && p.fc) {
    const F = out.fcNTime!;
    const fm = new Float32Array(F * n);
    for (let i = 0; i < n; i++) for (let t = 0; t < F; t++) fm[t * n + i] = out.fcSignal[i * F + t]!;
    await saveFile(`${r.dir}/${p.fc.signal}.npy`, writeNpy({ dtype: "float32", shape: [F, n], data: fm }));
  }
  if (out.summary.fcTril) {
    const fcOf = out.fcSignal ?? out.signal, F = out.fcNTime ?? T;
    await saveFile(`${r.dir}/fc.npy`, writeNpy({ dtype: "float64", shape: [n, n], data: fcMatrix(fcOf, n, F) }));
  }
  if (out.summary.fcdTril) {
    await saveFile(
      `${r.dir}/fcd_tril.npy`,
      writeNpy({ dtype: "float64", shape: [out.summary.fcdTril.length], data: Float64Array.from(out.summary.fcdTril) }),
    );
  }
  if (out.summary.series) {
    await saveFile(
      `${r.dir}/series.npy`,
      writeNpy({ dtype: "float64", shape: [out.summary.series.length], data: Float64Array.from(out.summary.series) }),
    );
  }
  for (const [obs, a] of Object.entries(out.averages)) {
    await saveFile(`${r.dir}/avg_${obs}.npy`, writeNpy({ dtype: "float64", shape: [n], data: a }));
  }
}
