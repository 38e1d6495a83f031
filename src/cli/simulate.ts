// brainfit simulate: one batch of simulations from the command line, outputs as .npy.
import { BUILTIN_MODELS, getModel } from "../models/index.ts";
import type { ModelSpec } from "../models/spec.ts";
import { simulate, type SimulateOptions } from "../sim/simulate.ts";
import { normalizeMax, normalizeMean } from "../batch/network.ts";
import type { BackendName, Integrator } from "../batch/prepare.ts";
import { asMatrix, toFloat64 } from "../io/ndarray.ts";
import { loadArray } from "../io/load.ts";
import { writeNpy } from "../io/npy.ts";
import { saveFile } from "../io/source.ts";
import { type FlagSpec, formatHelp, parseFlags, UsageError } from "./args.ts";

const FLAGS: FlagSpec[] = [
  { name: "model", type: "string", default: "SupHopf", metavar: "NAME", help: `built-in model: ${Object.keys(BUILTIN_MODELS).join(", ")}` },
  { name: "model-file", type: "string", metavar: "FILE", help: "a model spec as JSON (instead of --model)" },
  {
    name: "weights",
    type: "string",
    metavar: "FILE",
    help: "n×n weights: .npy, .npz (first array or file.npz:key), .mat, text matrix (required)",
  },
  { name: "lengths", type: "string", metavar: "FILE", help: "n×n tract lengths in mm (same formats); omit for no delays" },
  { name: "speed", type: "number", default: 6, metavar: "MM_PER_MS", help: "conduction speed in mm/ms (= m/s)" },
  {
    name: "normalize",
    type: "string",
    default: "none",
    metavar: "none|mean|max",
    help: "weights normalisation: mean → cuBNM's sc/(mean·100); max → divide by the largest weight",
  },
  {
    name: "param",
    type: "string",
    repeatable: true,
    metavar: "NAME=VALUE",
    help: "set a parameter; VALUE may be a comma list, one value per lane",
  },
  {
    name: "param-file",
    type: "string",
    repeatable: true,
    metavar: "NAME=FILE",
    help: "per-node values of a regional parameter: n values (every lane) or lanes × n (.npy, .npz, .mat, .txt, .csv)",
  },
  {
    name: "fic",
    type: "string",
    default: "none",
    metavar: "none|analytical|numerical",
    help: "rWW models: set wIE per node by feedback inhibition control (analytical: Demirtaş 2019; numerical: Deco 2014, as cuBNM)",
  },
  { name: "fic-trials", type: "number", default: 150, metavar: "N", help: "--fic numerical: adjustment budget (cuBNM max_fic_trials)" },
  { name: "lanes", type: "number", default: 1, metavar: "N", help: "simulations in the batch" },
  { name: "duration", type: "number", default: 10, metavar: "S", help: "simulated time in seconds" },
  { name: "dt", type: "number", default: 0.1, metavar: "MS", help: "integration step in ms" },
  { name: "integrator", type: "string", default: "heun", metavar: "heun|euler", help: "stochastic Heun or Euler–Maruyama" },
  {
    name: "bw-dt",
    type: "number",
    metavar: "MS",
    help: "BOLD models: Balloon–Windkessel Euler step (default 1 ms, cuBNM's bw_dt), a multiple of --dt",
  },
  { name: "seed", type: "number", default: 0, metavar: "N", help: "noise seed" },
  {
    name: "noise",
    type: "string",
    default: "shared",
    metavar: "shared|independent",
    help: "shared: all lanes draw the same noise (common random numbers); independent: one stream per lane",
  },
  {
    name: "record",
    type: "string",
    metavar: "NAMES",
    help: "comma-separated states or derived quantities to record (default: the model's states)",
  },
  { name: "period", type: "number", default: 1, metavar: "MS", help: "sampling period of recorded quantities in ms" },
  { name: "backend", type: "string", default: "auto", metavar: "auto|webgpu|wasm|reference", help: "where to run" },
  { name: "allow-software-gpu", type: "boolean", help: "let auto pick a software WebGPU adapter (lavapipe, SwiftShader)" },
  { name: "threads", type: "number", metavar: "N", help: "wasm backend worker threads (default: all cores)" },
  {
    name: "out",
    type: "string",
    default: "out/simulate",
    metavar: "DIR",
    help: "output directory: one NAME.npy per recorded quantity, shaped (lanes, time, nodes), and run.json",
  },
  { name: "help", type: "boolean", help: "show this help" },
];

export const SIMULATE_HELP = formatHelp(
  "usage: brainfit simulate --weights FILE [options]",
  "Simulate a batch of delay-coupled network models and write the recorded quantities as .npy.",
  FLAGS,
);

async function readMatrix(path: string, what: string) {
  try {
    return asMatrix(await loadArray(path), what);
  } catch (err) {
    throw new UsageError(`--${what}: ${(err as Error).message}`);
  }
}

/** A model spec from a JSON file; a missing or malformed file is a usage error naming the file. */
export async function readModelFile(file: string): Promise<ModelSpec> {
  const { readFile } = await import("node:fs/promises");
  let text: string;
  try {
    text = await readFile(file, "utf8");
  } catch (err) {
    throw new UsageError(`--model-file ${file}: cannot read it (${(err as NodeJS.ErrnoException).code ?? (err as Error).message})`);
  }
  let spec: unknown;
  try {
    spec = JSON.parse(text);
  } catch (err) {
    throw new UsageError(
      `--model-file ${file}: not valid JSON (${
        (err as Error).message
      }); a model spec is a JSON object with name, states, parameters, couplings, drift (docs/models.md)`,
    );
  }
  if (typeof spec !== "object" || spec === null || Array.isArray(spec)) {
    throw new UsageError(
      `--model-file ${file}: expected a JSON object (a model spec), got ${Array.isArray(spec) ? "an array" : typeof spec}`,
    );
  }
  return spec as ModelSpec;
}

/**
 * wIE per lane × node by FIC, for the lanes' own G, w_p, J_N and I_ext (defaults where not
 * given): analytical (Demirtaş 2019), or numerical (Deco 2014 as cuBNM; it simulates).
 */
async function ficWeights(
  mode: "analytical" | "numerical",
  opts: SimulateOptions,
  maxTrials: number,
): Promise<{ wIE: Float64Array; failed?: boolean[]; trials?: number[] }> {
  if (mode === "numerical") {
    const { numericalFic } = await import("../sim/fic.ts");
    const r = await numericalFic(opts, { maxTrials });
    return { wIE: r.wIE, failed: r.failed, trials: r.trials };
  }
  const { analyticalFic } = await import("../models/fic.ts");
  const lanes = opts.lanes ?? 1;
  const weights = opts.network.weights;
  const n = Math.round(Math.sqrt(weights.length));
  const spec = opts.model as ModelSpec;
  const value = (name: string, lane: number, node: number): number => {
    const v = opts.params?.[name];
    if (v === undefined) return spec.parameters.find((p) => p.name === name)?.default ?? 0;
    if (typeof v === "number") return v;
    return v.length === lanes ? v[lane]! : v[lane * n + node]!;
  };
  const out = new Float64Array(lanes * n);
  for (let l = 0; l < lanes; l++) {
    const per = (name: string) => Float64Array.from({ length: n }, (_, i) => value(name, l, i));
    out.set(analyticalFic({ sc: weights, G: value("G", l, 0), w_p: per("w_p"), J_N: per("J_N"), I_ext: per("I_ext") }).wIE, l * n);
  }
  return { wIE: out };
}

export async function simulateCommand(argv: string[]): Promise<number> {
  const { flags, positional } = parseFlags(argv, FLAGS, "simulate");
  if (flags.help) {
    process.stdout.write(SIMULATE_HELP);
    return 0;
  }
  if (positional.length) throw new UsageError(`unexpected argument '${positional[0]}'; options start with --`);
  if (!flags.weights) throw new UsageError("--weights FILE is required (an n×n matrix)");
  let spec: ModelSpec;
  if (flags["model-file"]) {
    spec = await readModelFile(String(flags["model-file"]));
  } else {
    try {
      spec = getModel(String(flags.model));
    } catch (err) {
      throw new UsageError(`--model: ${(err as Error).message}`);
    }
  }
  const W = await readMatrix(String(flags.weights), "weights");
  if (W.rows !== W.cols) throw new UsageError(`--weights: expected a square matrix, got ${W.rows}×${W.cols}`);
  const norm = String(flags.normalize);
  if (!["none", "mean", "max"].includes(norm)) throw new UsageError(`--normalize must be none, mean or max, got '${norm}'`);
  const weights = norm === "mean" ? normalizeMean(W.data) : norm === "max" ? normalizeMax(W.data) : W.data;
  const lengths = flags.lengths ? (await readMatrix(String(flags.lengths), "lengths")).data : undefined;
  const params: Record<string, number | number[]> = {};
  for (const p of (flags.param as string[] | undefined) ?? []) {
    const m = /^([A-Za-z_][A-Za-z0-9_]*)=(.+)$/.exec(p);
    if (!m) throw new UsageError(`--param '${p}': write NAME=VALUE or NAME=V1,V2,… (one per lane)`);
    const values = m[2]!.split(",").map(Number);
    if (values.some((v) => !Number.isFinite(v))) {
      throw new UsageError(`--param ${m[1]}: '${m[2]}' is not a number or comma list of numbers`);
    }
    params[m[1]!] = values.length === 1 ? values[0]! : values;
  }
  const n = W.rows;
  const lanes = Number(flags.lanes);
  for (const p of (flags["param-file"] as string[] | undefined) ?? []) {
    const m = /^([A-Za-z_][A-Za-z0-9_]*)=(.+)$/.exec(p);
    if (!m) throw new UsageError(`--param-file '${p}': write NAME=FILE (n values, or lanes × n)`);
    const [, name, file] = m as unknown as [string, string, string];
    if (name in params) throw new UsageError(`--param-file ${name}: also given with --param; give one`);
    let values: Float64Array;
    try {
      values = toFloat64(await loadArray(file)).data;
    } catch (err) {
      throw new UsageError(`--param-file ${name}=${file}: ${(err as Error).message}`);
    }
    if (values.length === n) {
      const all = new Float64Array(lanes * n);
      for (let l = 0; l < lanes; l++) all.set(values, l * n);
      params[name] = Array.from(all);
    } else if (values.length === lanes * n) params[name] = Array.from(values);
    else {throw new UsageError(
        `--param-file ${name}=${file}: ${values.length} values; expected ${n} (one per node) or ${lanes * n} (lanes × nodes)`,
      );}
  }
  const ficMode = String(flags.fic);
  if (!["none", "analytical", "numerical"].includes(ficMode)) {
    throw new UsageError(`--fic must be none, analytical or numerical, got '${ficMode}'`);
  }
  if (ficMode !== "none") {
    if (!spec.parameters.some((p) => p.name === "wIE") || !spec.states.some((s) => s.name === "S_E")) {
      throw new UsageError(`--fic: model '${spec.name}' is not rWW (it has no wIE parameter); use --model rWW or rWW_BOLD`);
    }
    if ("wIE" in params) throw new UsageError("--fic sets wIE; do not give it with --param or --param-file");
  }
  const integrator = String(flags.integrator) as Integrator;
  if (integrator !== "heun" && integrator !== "euler") throw new UsageError(`--integrator must be heun or euler, got '${integrator}'`);
  const noise = String(flags.noise);
  if (noise !== "shared" && noise !== "independent") throw new UsageError(`--noise must be shared or independent, got '${noise}'`);
  const backend = String(flags.backend) as BackendName;
  if (!["auto", "webgpu", "wasm", "reference"].includes(backend)) {
    throw new UsageError(`--backend must be auto, webgpu, wasm or reference, got '${backend}'`);
  }
  const record = flags.record ? String(flags.record).split(",").map((s) => s.trim()).filter(Boolean) : spec.states.map((s) => s.name);

  const slowDt = flags["bw-dt"] === undefined ? undefined : Number(flags["bw-dt"]);
  let fic: { mode: string; failedLanes?: number; trials?: number[] } | undefined;
  if (ficMode !== "none") {
    const wIE = await ficWeights(ficMode as "analytical" | "numerical", {
      model: spec,
      network: { weights, lengths, speed: Number(flags.speed) },
      lanes,
      params,
      dt: Number(flags.dt),
      integrator,
      slowDt,
      seed: Number(flags.seed),
      noise,
      duration: Number(flags.duration),
      backend,
      allowSoftwareGpu: Boolean(flags["allow-software-gpu"]),
      threads: flags.threads === undefined ? undefined : Number(flags.threads),
    }, Number(flags["fic-trials"]));
    params.wIE = Array.from(wIE.wIE);
    fic = { mode: ficMode, ...(wIE.failed ? { failedLanes: wIE.failed.filter(Boolean).length, trials: wIE.trials } : {}) };
  }
  const result = await simulate({
    model: spec,
    network: { weights, lengths, speed: Number(flags.speed) },
    lanes,
    params,
    duration: Number(flags.duration),
    dt: Number(flags.dt),
    integrator,
    slowDt,
    seed: Number(flags.seed),
    noise,
    record: { observables: record, period: Number(flags.period) },
    backend,
    allowSoftwareGpu: Boolean(flags["allow-software-gpu"]),
    threads: flags.threads === undefined ? undefined : Number(flags.threads),
  });

  const out = String(flags.out);
  const T = result.times.length;
  const files: string[] = [];
  for (const [name, data] of Object.entries(result.recorded)) {
    const file = `${out}/${name}.npy`;
    await saveFile(file, writeNpy({ dtype: "float32", shape: [result.lanes, T, result.nNodes], data }));
    files.push(file);
  }
  const info = {
    model: spec.name,
    backend: result.backend,
    backendInfo: result.backendInfo,
    lanes: result.lanes,
    nodes: result.nNodes,
    steps: result.nSteps,
    dt_ms: Number(flags.dt),
    duration_s: Number(flags.duration),
    period_ms: Number(flags.period),
    integrator,
    slowDt,
    seed: Number(flags.seed),
    noise,
    params,
    recorded: Object.keys(result.recorded),
    shape: [result.lanes, T, result.nNodes],
    elapsed_s: result.elapsedMs / 1000,
    node_steps_per_s: result.nodeStepsPerSecond,
    weights: String(flags.weights),
    lengths: flags.lengths ? String(flags.lengths) : null,
    speed_mm_per_ms: Number(flags.speed),
    normalize: norm,
    param_files: (flags["param-file"] as string[] | undefined) ?? [],
    fic: fic ?? null,
  };
  await saveFile(`${out}/run.json`, JSON.stringify(info, null, 2) + "\n");
  process.stdout.write(
    `simulated ${result.lanes} × ${result.nNodes} nodes × ${result.nSteps} steps on ${result.backendInfo}\n` +
      `${(result.nodeStepsPerSecond / 1e6).toFixed(2)} M node-steps/s, ${(result.elapsedMs / 1000).toFixed(2)} s\n` +
      `wrote ${[...files, `${out}/run.json`].join(", ")}\n`,
  );
  return 0;
}
