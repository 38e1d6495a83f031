// Reads what a fit run folder holds (src/fit/run.ts writes it) into one RunData for the figures:
// config.json, best.json, convergence.csv, history.csv, pareto.jsonl and the best simulation's
// .npy outputs. The empirical side (target FC, FCD sample, dipole, peak frequencies, groups) is
// not in the folder: it is rebuilt from the JSON config that config.json records (the same data
// loader `brainfit fit` used), so nothing is re-simulated. What is missing is reported as a
// note on the figure, never guessed.
import { parseNpy } from "../io/npy.ts";
import { runsFromConfig } from "../fit/config.ts";
import type { FitProblem } from "../fit/problem.ts";
import { fcMatrix, fcPairs, type NodePairs } from "../stats/fc.ts";
import { peakFrequency, welchRows } from "../stats/welch.ts";

type Fs = typeof import("node:fs/promises");
const fs = (): Promise<Fs> => import("node:fs/promises");

export class ReportError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "ReportError";
  }
}

/** A CSV table: header names and numeric columns (non-numbers such as "ok" stay in `text`). */
export interface Table {
  columns: string[];
  rows: number;
  num: Record<string, Float64Array>;
  text: Record<string, string[]>;
}

export interface ParetoGeneration {
  generation: number;
  evaluations: number;
  hypervolume: number;
  reference: number[];
  front: { params: Record<string, number>; f: number[] }[];
}

export interface BestJson {
  label: string;
  stopReason: string | null;
  generations: number;
  evaluations: number;
  diverged: number;
  invalid: number;
  best: {
    params: Record<string, number>;
    cost: number;
    gof: number;
    terms: Record<string, number>;
    penalties: Record<string, number>;
    generation: number;
    evaluation: number;
  } | null;
  nodeValues: Record<string, number | number[]> | null;
  hypervolume: number | null;
  backend: string;
  elapsedSeconds: number;
}

export interface RunData {
  dir: string;
  label: string;
  /** config.json: problem description, optimizer type and options, and the JSON config (or null). */
  problemInfo: Record<string, unknown>;
  optimizer: { type: string; options: Record<string, unknown> };
  config: Record<string, unknown> | null;
  best: BestJson | null;
  convergence: Table | null;
  history: Table | null;
  pareto: ParetoGeneration[];
  nodes: number;
  gof: string[];
  /** Best simulation: FC matrix (n × n) from fc.npy, or computed from the saved FC signal. */
  simFc: Float64Array | null;
  simFcSource: string;
  simFcdTril: Float64Array | null;
  simSeries: Float64Array | null;
  /** Node averages of the best simulation (avg_<observable>.npy). */
  averages: Record<string, Float64Array>;
  /** Per-node peak frequencies of the best simulation, computed from its saved signal (.npy) as the fit did. */
  simPsdPeaks: Float64Array | null;
  /** Empirical side, from the rebuilt problem (null with a reason in `notes`). */
  problem: FitProblem | null;
  empFc: Float64Array | null;
  /** The node pairs the fit's FC terms compare (all i > j unless interhemispheric pairs are excluded). */
  pairs: NodePairs | null;
  notes: string[];
}

export function parseCsv(text: string): Table {
  const lines = text.split("\n").filter((l) => l.length > 0);
  const columns = (lines[0] ?? "").split(",");
  const rows = lines.length - 1;
  const num: Record<string, Float64Array> = {};
  const text_: Record<string, string[]> = {};
  columns.forEach((c) => {
    num[c] = new Float64Array(rows);
    text_[c] = new Array<string>(rows);
  });
  for (let r = 0; r < rows; r++) {
    const cells = lines[r + 1]!.split(",");
    columns.forEach((c, k) => {
      const s = cells[k] ?? "";
      text_[c]![r] = s;
      num[c]![r] = s === "nan" ? NaN : s === "inf" ? Infinity : s === "-inf" ? -Infinity : s === "" ? NaN : Number(s);
    });
  }
  return { columns, rows, num, text: text_ };
}

async function readIf(path: string): Promise<string | null> {
  try {
    return await (await fs()).readFile(path, "utf8");
  } catch {
    return null;
  }
}

async function npyIf(path: string): Promise<{ data: Float64Array; shape: number[] } | null> {
  let bytes: Uint8Array;
  try {
    bytes = new Uint8Array(await (await fs()).readFile(path));
  } catch {
    return null;
  }
  const a = parseNpy(bytes, path);
  return { data: Float64Array.from(a.data as ArrayLike<number>, Number), shape: [...a.shape] };
}

/** Time-major [T, n] (as run.ts saves) → node-major n × T. */
function nodeMajor(a: { data: Float64Array; shape: number[] }): { data: Float64Array; n: number; T: number } {
  const [T, n] = a.shape as [number, number];
  const out = new Float64Array(n * T);
  for (let t = 0; t < T; t++) for (let i = 0; i < n; i++) out[i * T + t] = a.data[t * n + i]!;
  return { data: out, n, T };
}

const problemCache = new Map<string, Promise<FitProblem[]>>();

/** The problems of a JSON config (cached: runs of one batch share their data). */
function problemsOf(config: unknown, baseDir?: string): Promise<FitProblem[]> {
  const key = JSON.stringify(config) + "\0" + (baseDir ?? "");
  let hit = problemCache.get(key);
  if (!hit) {
    hit = runsFromConfig(structuredClone(config), { baseDir }).then((runs) => [...new Set(runs.map((r) => r.problem))]);
    problemCache.set(key, hit);
  }
  return hit;
}

export interface ReadOptions {
  /** Folder that relative data paths of the config resolve against (default: the working directory). */
  baseDir?: string;
}

export async function readRunFolder(dir: string, opts: ReadOptions = {}): Promise<RunData> {
  dir = dir.replace(/[\\/]+$/, "");
  const cfgText = await readIf(`${dir}/config.json`);
  if (cfgText === null) {
    throw new ReportError(`${dir} is not a brainfit run folder (no config.json); give folders such as out/fit/quickstart/cmaes_run-0`);
  }
  const cfg = JSON.parse(cfgText) as {
    problem: Record<string, unknown>;
    optimizer: RunData["optimizer"];
    config: Record<string, unknown> | null;
  };
  const notes: string[] = [];
  const bestText = await readIf(`${dir}/best.json`);
  const best = bestText ? (JSON.parse(bestText) as BestJson) : null;
  if (!best) notes.push("best.json is missing: the run has not finished (figures show the generations so far)");
  const convText = await readIf(`${dir}/convergence.csv`);
  const histText = await readIf(`${dir}/history.csv`);
  const parText = await readIf(`${dir}/pareto.jsonl`);
  const pareto = parText ? parText.split("\n").filter((l) => l.trim()).map((l) => JSON.parse(l) as ParetoGeneration) : [];
  const nodes = Number(cfg.problem.nodes);
  const gof = (cfg.problem.gof as string[]) ?? [];
  const sim = (cfg.problem.simulation ?? {}) as { signal?: string; fcSignal?: string };
  const label = best?.label ?? dir.split("/").slice(-2).join("/");

  // Simulated FC: fc.npy, or from the saved FC signal when only that was kept.
  let simFc: Float64Array | null = null;
  let simFcSource = "";
  const fcNpy = await npyIf(`${dir}/fc.npy`);
  if (fcNpy) {
    simFc = fcNpy.data;
    simFcSource = "fc.npy (the best candidate re-run at the end of the fit)";
  } else {
    const sig = sim.fcSignal ?? sim.signal;
    const s = sig ? await npyIf(`${dir}/${sig}.npy`) : null;
    if (s && s.shape.length === 2) {
      const nm = nodeMajor(s);
      simFc = fcMatrix(nm.data, nm.n, nm.T);
      simFcSource = `computed from ${sig}.npy`;
    }
  }
  const fcd = await npyIf(`${dir}/fcd_tril.npy`);
  const series = await npyIf(`${dir}/series.npy`);
  const averages: Record<string, Float64Array> = {};
  try {
    for (const f of (await (await fs()).readdir(dir)).sort()) {
      const m = /^avg_(.+)\.npy$/.exec(f);
      if (m) averages[m[1]!] = (await npyIf(`${dir}/${f}`))!.data;
    }
  } catch {
    // no listing: no averages
  }

  const data: RunData = {
    dir,
    label,
    problemInfo: cfg.problem,
    optimizer: cfg.optimizer,
    config: cfg.config,
    best,
    convergence: convText ? parseCsv(convText) : null,
    history: histText ? parseCsv(histText) : null,
    pareto,
    nodes,
    gof,
    simFc,
    simFcSource,
    simFcdTril: fcd?.data ?? null,
    simSeries: series?.data ?? null,
    averages,
    simPsdPeaks: null,
    problem: null,
    empFc: null,
    pairs: null,
    notes,
  };

  // The empirical side: rebuild the problem from the recorded config.
  if (!cfg.config) {
    notes.push(
      "config.json records no JSON config (the run was started from code), so the target data are not known: empirical panels are left out",
    );
  } else {
    try {
      const problems = await problemsOf(cfg.config, opts.baseDir);
      const name = String(cfg.problem.name);
      let p = problems.find((q) => q.name === name) ?? null;
      if (!p && problems.length === 1) {
        p = problems[0]!;
        notes.push(`target data from the config's problem '${p.name}' (this run's problem '${name}' derives from it)`);
      }
      if (!p) notes.push(`the recorded config has no problem named '${name}'; empirical panels are left out`);
      else {
        data.problem = p;
        data.pairs = fcPairs(p.nNodes, p.pairOptions);
        const t = p.spec.target.fc;
        const tril = p.empirical.fcTril;
        if (t && t.length === p.nNodes * p.nNodes) data.empFc = Float64Array.from(t);
        else if (tril && tril.length === data.pairs.length) {
          // Target given as BOLD: its FC exists only as the compared pairs; the rest stays NaN (not drawn).
          const n = p.nNodes, m = new Float64Array(n * n).fill(NaN);
          for (let k = 0; k < tril.length; k++) {
            const i = data.pairs.rows[k]!, j = data.pairs.cols[k]!;
            m[i * n + j] = m[j * n + i] = tril[k]!;
          }
          for (let i = 0; i < n; i++) m[i * n + i] = 1;
          data.empFc = m;
          notes.push(
            `empirical FC computed by the fit from the target BOLD (${tril.length} pairs${
              p.pairOptions.excludeInterhemispheric ? ", interhemispheric pairs excluded and not drawn" : ""
            })`,
          );
        }
      }
    } catch (e) {
      notes.push(`could not load the target data of the recorded config (${(e as Error).message}); empirical panels are left out`);
    }
  }

  // Peak frequencies: the fit computed them per candidate but saved only the signal; recompute
  // them from it exactly as scoreLane does (Welch, then the peak in [fmin, fmax]).
  const p = data.problem;
  if (p?.empirical.psdPeaks) {
    const s = await npyIf(`${dir}/${p.signal}.npy`);
    if (s && s.shape.length === 2) {
      const nm = nodeMajor(s);
      const { f, psd } = welchRows(nm.data, nm.n, nm.T, { fs: p.psdOptions.fs, nperseg: p.psdOptions.nperseg });
      data.simPsdPeaks = peakFrequency(f, psd, { fmin: p.psdOptions.fmin, fmax: p.psdOptions.fmax });
    }
  }
  return data;
}
