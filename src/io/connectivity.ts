// Structural connectivity: weights, tract lengths, region labels and centres, from TVB
// connectivity zips, .npz/.mat archives with named arrays, or separate files.
import { BrainfitIOError } from "./errors.ts";
import { asMatrix, type Float64Matrix, type NdArray } from "./ndarray.ts";
import { parseNumberToken, parseTextMatrix } from "./text.ts";
import { DEFAULT_MAX_BYTES, inflateLimited, isGzip, readZipDirectory, readZipEntry, type ZipEntry } from "./zip.ts";

/**
 * A structural connectome. Matrices are n×n row-major float64 exactly as stored in the file
 * (weights.data[i*n + j] is row i, column j; DTI connectomes are symmetric).
 *
 * @example
 * ```ts
 * import { loadConnectivity, type Connectivity } from "brainfit/io";
 * import { simulate } from "brainfit/sim";
 * import { supHopf } from "brainfit/models";
 * const conn: Connectivity = await loadConnectivity("connectivity_76.zip");
 * await simulate({ model: supHopf, network: { weights: conn.weights.data, lengths: conn.tractLengths?.data, speed: 6 }, duration: 1 });
 * ```
 */
export interface Connectivity {
  nRegions: number;
  weights: Float64Matrix;
  /** Tract lengths in mm (n×n), when the source has them. */
  tractLengths?: Float64Matrix;
  regionLabels?: string[];
  /** Region centres (n×3, mm). */
  centres?: Float64Matrix;
  /** TVB extras, when present: 1 for cortical regions, 1 for right hemisphere, region areas. */
  cortical?: Float64Array;
  hemispheres?: Float64Array;
  areas?: Float64Array;
  /** Where it came from, for messages and provenance. */
  source: string;
}

const TVB_MEMBERS = {
  weights: ["weights.txt"],
  tractLengths: ["tract_lengths.txt", "tract_lenghts.txt", "tract_length.txt", "tract_lengths_mm.txt"],
  centres: ["centres.txt", "centers.txt"],
  cortical: ["cortical.txt"],
  hemispheres: ["hemispheres.txt"],
  areas: ["areas.txt"],
} as const;

function baseName(name: string): string {
  const i = name.lastIndexOf("/");
  return (i >= 0 ? name.slice(i + 1) : name).toLowerCase();
}

/** The members of a zip that form a TVB connectivity (undefined if there is no weights.txt). */
export function tvbMembers(entries: ZipEntry[]): Map<string, ZipEntry> | undefined {
  const usable = entries.filter((e) => !e.name.endsWith("/") && !e.name.startsWith("__MACOSX/") && !baseName(e.name).startsWith("._"));
  const weightsEntries = usable.filter((e) =>
    [...TVB_MEMBERS.weights].some((n) => baseName(e.name) === n || baseName(e.name) === `${n}.gz` || baseName(e.name) === `${n}.bz2`)
  );
  if (weightsEntries.length === 0) return undefined;
  // shallowest weights.txt decides the folder; the other members must sit next to it
  weightsEntries.sort((a, b) => a.name.split("/").length - b.name.split("/").length);
  const w = weightsEntries[0]!;
  const folder = w.name.slice(0, w.name.length - baseName(w.name).length);
  const out = new Map<string, ZipEntry>();
  for (const [role, names] of Object.entries(TVB_MEMBERS)) {
    const hit = usable.find((e) => {
      if (!e.name.toLowerCase().startsWith(folder.toLowerCase()) || e.name.slice(folder.length).includes("/")) return false;
      const b = baseName(e.name);
      return (names as readonly string[]).some((n) => b === n || b === `${n}.gz` || b === `${n}.bz2`);
    });
    if (hit) out.set(role, hit);
  }
  return out;
}

/** Decompressed text of a TVB member (plain or .gz). */
export function tvbMemberBytes(bytes: Uint8Array, entry: ZipEntry, source: string, maxBytes?: number): Uint8Array {
  const where = `${source}:${entry.name}`;
  if (entry.name.toLowerCase().endsWith(".bz2")) {
    throw new BrainfitIOError(
      "ZIP_UNSUPPORTED",
      "bzip2-compressed members are not supported; unpack with bunzip2 and re-zip the .txt files",
      { source: where },
    );
  }
  const raw = readZipEntry(bytes, entry, { source, maxBytes: maxBytes ?? DEFAULT_MAX_BYTES });
  return isGzip(raw) ? inflateLimited(raw, "gzip", maxBytes ?? DEFAULT_MAX_BYTES, where, "GZIP") : raw;
}

/** Parses centres.txt: "label x y z" per line (TVB), or "x y z" without labels. */
export function parseCentres(text: string, source: string): { labels?: string[]; centres: Float64Matrix } {
  const labels: string[] = [];
  const xyz: number[] = [];
  let withLabels: boolean | undefined;
  const lines = text.replace(/^\ufeff/, "").split(/\r\n|\n|\r/);
  for (let li = 0; li < lines.length; li++) {
    const line = lines[li]!.replace(/#.*$/, "").trim();
    if (line === "") continue;
    const f = line.split(/[\s,]+/);
    const hasLabel = f.length === 4 && parseNumberToken(f[0]!) === undefined;
    if (withLabels === undefined) withLabels = hasLabel;
    const nums = withLabels ? f.slice(1) : f;
    if (nums.length !== 3 || hasLabel !== withLabels) {
      throw new BrainfitIOError(
        "TVB_BAD_SHAPE",
        `line ${li + 1} of centres should be "label x y z" (TVB) or "x y z", got "${line.slice(0, 60)}"`,
        { source },
      );
    }
    for (const t of nums) {
      const v = parseNumberToken(t);
      if (v === undefined) throw new BrainfitIOError("TEXT_BAD_NUMBER", `line ${li + 1} of centres: "${t}" is not a number`, { source });
      xyz.push(v);
    }
    if (withLabels) labels.push(f[0]!);
  }
  const rows = xyz.length / 3;
  const out: { labels?: string[]; centres: Float64Matrix } = { centres: { rows, cols: 3, data: Float64Array.from(xyz) } };
  if (withLabels) out.labels = labels;
  return out;
}

function vectorOf(bytes: Uint8Array, n: number, what: string, source: string): Float64Array {
  const m = parseTextMatrix(bytes, { source: `${source}:${what}` }).array;
  if (m.data.length !== n) {
    throw new BrainfitIOError("TVB_BAD_SHAPE", `${what} has ${m.data.length} values but weights has ${n} regions`, { source });
  }
  return m.data;
}

/** Checks the pieces agree in size and returns the assembled Connectivity. */
export function assembleConnectivity(parts: {
  weights: NdArray | Float64Matrix;
  tractLengths?: NdArray | Float64Matrix;
  regionLabels?: string[];
  centres?: Float64Matrix;
  cortical?: Float64Array;
  hemispheres?: Float64Array;
  areas?: Float64Array;
  source: string;
}): Connectivity {
  const source = parts.source;
  const toMat = (a: NdArray | Float64Matrix, name: string): Float64Matrix => ("rows" in a ? a : asMatrix(a, name));
  const weights = toMat(parts.weights, "weights");
  if (weights.rows !== weights.cols) {
    throw new BrainfitIOError("CONNECTIVITY_BAD", `weights must be square (regions × regions) but is ${weights.rows}×${weights.cols}`, {
      source,
    });
  }
  const n = weights.rows;
  const out: Connectivity = { nRegions: n, weights, source };
  if (parts.tractLengths) {
    const L = toMat(parts.tractLengths, "tract lengths");
    if (L.rows !== n || L.cols !== n) {
      throw new BrainfitIOError(
        "CONNECTIVITY_BAD",
        `tract lengths are ${L.rows}×${L.cols} but weights are ${n}×${n}; they must describe the same regions`,
        { source },
      );
    }
    out.tractLengths = L;
  }
  if (parts.regionLabels) {
    if (parts.regionLabels.length !== n) {
      throw new BrainfitIOError("CONNECTIVITY_BAD", `${parts.regionLabels.length} region labels for ${n} regions`, { source });
    }
    out.regionLabels = parts.regionLabels;
  }
  if (parts.centres) {
    if (parts.centres.rows !== n) {
      throw new BrainfitIOError("CONNECTIVITY_BAD", `${parts.centres.rows} centres for ${n} regions`, { source });
    }
    out.centres = parts.centres;
  }
  if (parts.cortical) out.cortical = parts.cortical;
  if (parts.hemispheres) out.hemispheres = parts.hemispheres;
  if (parts.areas) out.areas = parts.areas;
  return out;
}

/**
 * Reads a TVB connectivity zip (weights.txt, tract_lengths.txt, centres.txt, ... possibly inside a folder).
 *
 * @example
 * ```ts
 * import { parseTvbZip } from "brainfit/io";
 * import { readFile } from "node:fs/promises";
 * const conn = parseTvbZip(await readFile("connectivity_76.zip"));
 * console.log(conn.nRegions, conn.regionLabels?.slice(0, 3));
 * ```
 */
export function parseTvbZip(bytes: Uint8Array, opts: { source?: string; maxBytes?: number } = {}): Connectivity {
  const source = opts.source ?? "connectivity.zip";
  const entries = readZipDirectory(bytes, source);
  const members = tvbMembers(entries);
  if (!members) {
    throw new BrainfitIOError(
      "TVB_MISSING_MEMBER",
      `no weights.txt in the zip (members: ${
        entries.slice(0, 12).map((e) => e.name).join(", ")
      }); a TVB connectivity zip needs weights.txt and usually tract_lengths.txt and centres.txt`,
      { source },
    );
  }
  const read = (role: string): Uint8Array | undefined => {
    const e = members.get(role);
    return e ? tvbMemberBytes(bytes, e, source, opts.maxBytes) : undefined;
  };
  const weights = parseTextMatrix(read("weights")!, { source: `${source}:${members.get("weights")!.name}`, ndmin: 2 }).array;
  const n = weights.shape[0]!;
  const lengthsBytes = read("tractLengths");
  const tractLengths = lengthsBytes
    ? parseTextMatrix(lengthsBytes, { source: `${source}:${members.get("tractLengths")!.name}`, ndmin: 2 }).array
    : undefined;
  const centresBytes = read("centres");
  const centres = centresBytes
    ? parseCentres(new TextDecoder().decode(centresBytes), `${source}:${members.get("centres")!.name}`)
    : undefined;
  const extra = (role: "cortical" | "hemispheres" | "areas"): Float64Array | undefined => {
    const b = read(role);
    return b ? vectorOf(b, n, members.get(role)!.name, source) : undefined;
  };
  const parts: Parameters<typeof assembleConnectivity>[0] = { weights, source };
  if (tractLengths) parts.tractLengths = tractLengths;
  if (centres) {
    parts.centres = centres.centres;
    if (centres.labels) parts.regionLabels = centres.labels;
  }
  const cortical = extra("cortical");
  const hemispheres = extra("hemispheres");
  const areas = extra("areas");
  if (cortical) parts.cortical = cortical;
  if (hemispheres) parts.hemispheres = hemispheres;
  if (areas) parts.areas = areas;
  return assembleConnectivity(parts);
}
