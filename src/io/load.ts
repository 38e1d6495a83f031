// One entry point for every format: sniff by magic bytes (then extension), parse, return C-order arrays.
import { assembleConnectivity, type Connectivity, parseCentres, parseTvbZip, tvbMemberBytes, tvbMembers } from "./connectivity.ts";
import { BrainfitIOError } from "./errors.ts";
import { parseJsonArray } from "./json.ts";
import type { NdArray } from "./ndarray.ts";
import { isHdf5At, isMat, isMatV4, listMatVariables, parseMat, parseMatAll } from "./mat.ts";
import { isNpy, parseNpy } from "./npy.ts";
import { listNpzKeys, parseNpz, parseNpzAll } from "./npz.ts";
import { resolveSource, type Source } from "./source.ts";
import { parseTextMatrix } from "./text.ts";
import { DEFAULT_MAX_BYTES, inflateLimited, isGzip, isZip, readZipDirectory } from "./zip.ts";

export type FileFormat = "npy" | "npz" | "mat" | "text" | "json" | "tvb-zip";

/**
 * How loadArray and parseArray read: the format (default: sniffed), the member of a
 * multi-array file, a size limit, and text settings (delimiter, header).
 *
 * @example
 * ```ts
 * import { loadArray, type LoadOptions } from "brainfit/io";
 * const opts: LoadOptions = { format: "text", delimiter: ",", header: true };
 * const table = await loadArray("fc.csv", opts);
 * ```
 */
export interface LoadOptions {
  /** Skip sniffing and parse as this format. */
  format?: FileFormat;
  /** npz member / MAT variable / TVB zip member ("weights", "tract_lengths"...) to read. Also settable as "file.npz:key". */
  key?: string;
  /** Ceiling on decompressed bytes of one member/variable (default 2 GiB). */
  maxBytes?: number;
  /** MAT complex variables: "error" (default) or "real". */
  complex?: "error" | "real";
  /** Text: minimum dimensions (numpy.loadtxt's ndmin). */
  ndmin?: 0 | 1 | 2;
  /** Text: field separator (default: detected). */
  delimiter?: string;
  /** Text: header row handling (default "auto"). */
  header?: "auto" | boolean;
  /** Name used in error messages when the source is bytes. */
  name?: string;
}

const SUPPORTED =
  ".npy, .npz, MATLAB level-5 .mat (-v6/-v7), delimited text (.txt/.csv/.tsv), JSON, TVB connectivity .zip (any of them optionally .gz)";

function extensionOf(name: string): string {
  const clean = name.split(/[?#]/)[0]!.toLowerCase();
  const m = /\.([a-z0-9]+)$/.exec(clean);
  return m ? m[1]! : "";
}

function looksLikeText(bytes: Uint8Array): boolean {
  const n = Math.min(bytes.length, 4096);
  if (n === 0) return true;
  let control = 0;
  for (let i = 0; i < n; i++) {
    const b = bytes[i]!;
    if (b === 0) return false;
    if (b < 9 || (b > 13 && b < 32)) control++;
  }
  return control <= n / 100;
}

/** Detects the format of `bytes` (magic bytes first, then the name's extension). */
export function sniffFormat(bytes: Uint8Array, name = ""): FileFormat {
  if (isNpy(bytes)) return "npy";
  if (isZip(bytes)) {
    try {
      const entries = readZipDirectory(bytes, name);
      if (tvbMembers(entries) && !entries.some((e) => e.name.endsWith(".npy"))) return "tvb-zip";
    } catch {
      // fall through: the npz reader reports the archive error
    }
    return "npz";
  }
  if (isMat(bytes)) return "mat";
  if (isHdf5At(bytes, 0)) {
    if (extensionOf(name) === "mat") return "mat"; // reports MAT_V73
    throw new BrainfitIOError(
      "HDF5_UNSUPPORTED",
      "this is an HDF5 file, which brainfit does not read; export the dataset to .npy (Python: np.save(out, h5py.File(f)['name'][()])) or a MATLAB -v7 .mat",
      { source: name },
    );
  }
  if (isMatV4(bytes)) return "mat"; // reports MAT_V4 with the fix
  const ext = extensionOf(name);
  if (ext === "npy") return "npy";
  if (ext === "npz") return "npz";
  if (ext === "mat") return "mat";
  if (ext === "zip") return "tvb-zip";
  if (looksLikeText(bytes)) {
    let i = 0;
    while (
      i < bytes.length &&
      (bytes[i] === 0x20 || bytes[i] === 0x0a || bytes[i] === 0x0d || bytes[i] === 0x09 || bytes[i] === 0xef || bytes[i] === 0xbb ||
        bytes[i] === 0xbf)
    ) i++;
    if (ext === "json" || bytes[i] === 0x7b /* { */ || bytes[i] === 0x5b /* [ */) return "json";
    return "text";
  }
  const head = [...bytes.subarray(0, 8)].map((b) => b.toString(16).padStart(2, "0")).join(" ");
  throw new BrainfitIOError("FORMAT_UNKNOWN", `unrecognised binary format (first bytes ${head}); brainfit reads ${SUPPORTED}`, {
    source: name || undefined,
  });
}

function ungzip(bytes: Uint8Array, name: string, opts: LoadOptions): { bytes: Uint8Array; name: string } {
  // UTF-16 text (Excel/Windows "Unicode text") becomes UTF-8 so the text reader can take it
  if (bytes.length >= 2 && ((bytes[0] === 0xff && bytes[1] === 0xfe) || (bytes[0] === 0xfe && bytes[1] === 0xff))) {
    const text = new TextDecoder(bytes[0] === 0xff ? "utf-16le" : "utf-16be").decode(bytes);
    return { bytes: new TextEncoder().encode(text), name };
  }
  if (!isGzip(bytes)) return { bytes, name };
  const inner = inflateLimited(bytes, "gzip", opts.maxBytes ?? DEFAULT_MAX_BYTES, name, "GZIP");
  return { bytes: inner, name: name.replace(/\.gz$/i, "") };
}

/**
 * Parses bytes already in memory (synchronous form of loadArray).
 *
 * @example
 * ```ts
 * import { parseArray } from "brainfit/io";
 * const bytes = new Uint8Array(await (await fetch("sc.npy")).arrayBuffer());
 * const sc = parseArray(bytes, { name: "sc.npy" }); // format sniffed from the bytes
 * ```
 */
export function parseArray(input: Uint8Array, opts: LoadOptions = {}): NdArray {
  const un = ungzip(input, opts.name ?? "bytes", opts);
  const bytes = un.bytes;
  const name = un.name;
  const format = opts.format ?? sniffFormat(bytes, name);
  switch (format) {
    case "npy":
      return parseNpy(bytes, name);
    case "npz":
      return parseNpz(bytes, opts.key, { source: name, maxBytes: opts.maxBytes ?? DEFAULT_MAX_BYTES });
    case "mat": {
      const o: Parameters<typeof parseMat>[2] = { source: name };
      if (opts.maxBytes !== undefined) o.maxBytes = opts.maxBytes;
      if (opts.complex !== undefined) o.complex = opts.complex;
      return parseMat(bytes, opts.key, o);
    }
    case "json":
      return parseJsonArray(bytes, name);
    case "tvb-zip":
      return tvbZipMember(bytes, name, opts);
    case "text": {
      const o: Parameters<typeof parseTextMatrix>[1] = { source: name };
      if (opts.ndmin !== undefined) o.ndmin = opts.ndmin;
      if (opts.delimiter !== undefined) o.delimiter = opts.delimiter;
      if (opts.header !== undefined) o.header = opts.header;
      return parseTextMatrix(bytes, o).array;
    }
    default:
      throw new BrainfitIOError("FORMAT_UNKNOWN", `unknown format option "${String(format)}"; use npy, npz, mat, text, json or tvb-zip`, {
        source: name,
      });
  }
}

function tvbZipMember(bytes: Uint8Array, name: string, opts: LoadOptions): NdArray {
  const entries = readZipDirectory(bytes, name);
  const members = tvbMembers(entries);
  if (!members) {
    throw new BrainfitIOError(
      "TVB_MISSING_MEMBER",
      `zip holds neither .npy arrays nor a TVB weights.txt (members: ${entries.slice(0, 12).map((e) => e.name).join(", ")})`,
      { source: name },
    );
  }
  const role = opts.key === undefined || /^weights?$/i.test(opts.key)
    ? "weights"
    : /^tract_?len/i.test(opts.key) || opts.key === "lengths"
    ? "tractLengths"
    : /^cent/i.test(opts.key)
    ? "centres"
    : opts.key;
  const entry = members.get(role);
  if (!entry) {
    throw new BrainfitIOError(
      "NPZ_KEY_NOT_FOUND",
      `no member "${opts.key}" in the TVB zip; available: ${[...members.values()].map((e) => e.name).join(", ")}`,
      { source: name },
    );
  }
  const text = tvbMemberBytes(bytes, entry, name, opts.maxBytes);
  if (role === "centres") {
    const c = parseCentres(new TextDecoder().decode(text), `${name}:${entry.name}`);
    return { dtype: "float64", shape: [c.centres.rows, 3], data: c.centres.data };
  }
  return parseTextMatrix(text, { source: `${name}:${entry.name}`, ndmin: 2 }).array;
}

/**
 * Loads one array from a path ("sc.npy", "conn.npz:weights", "x.mat:sc"), URL, Response, Blob,
 * ArrayBuffer or Uint8Array. The format is sniffed from magic bytes, then the extension.
 *
 * @example
 * ```ts
 * import { loadArray, toFloat64 } from "brainfit/io";
 * const sc = toFloat64(await loadArray("data/conn.npz:weights")); // file:key; also URLs, Blobs, bytes
 * ```
 */
export async function loadArray(source: Source, opts: LoadOptions = {}): Promise<NdArray> {
  const r = await resolveSource(source, opts.name);
  return parseArray(r.bytes, { ...opts, name: r.name, key: opts.key ?? r.key });
}

/**
 * Keys of a multi-array file: npz members, MAT variables, TVB zip members; [] for single-array formats.
 *
 * @example
 * ```ts
 * import { listKeys } from "brainfit/io";
 * console.log(await listKeys("conn.npz")); // ["weights", "lengths"]
 * ```
 */
export async function listKeys(source: Source, opts: LoadOptions = {}): Promise<string[]> {
  const r = await resolveSource(source, opts.name);
  const un = ungzip(r.bytes, r.name, opts);
  const format = opts.format ?? sniffFormat(un.bytes, un.name);
  if (format === "npz") return listNpzKeys(un.bytes, un.name);
  if (format === "mat") return listMatVariables(un.bytes, { source: un.name }).map((v) => v.name);
  if (format === "tvb-zip") {
    const m = tvbMembers(readZipDirectory(un.bytes, un.name));
    return m ? [...m.values()].map((e) => e.name) : [];
  }
  return [];
}

const WEIGHT_KEYS = ["weights", "weight", "sc", "SC", "Cmat", "cmat", "sc_strength", "W", "w", "connectivity", "arr_0"];
const LENGTH_KEYS = ["tract_lengths", "lengths", "tract_lenghts", "Dmat", "dmat", "len", "sc_length", "distances", "D", "L"];
const LABEL_KEYS = ["region_labels", "labels", "names", "region_names"];

export interface ConnectivityParts {
  weights: Source;
  tractLengths?: Source;
  /** A text file (one label per line), a str .npy, or the labels themselves. */
  regionLabels?: Source | string[];
}

function isConnectivityParts(x: unknown): x is ConnectivityParts {
  if (typeof x !== "object" || x === null || !("weights" in x)) return false;
  if (x instanceof Uint8Array || x instanceof ArrayBuffer || x instanceof URL) return false;
  if (typeof Blob !== "undefined" && x instanceof Blob) return false;
  if (typeof Response !== "undefined" && x instanceof Response) return false;
  return true;
}

function pick<T>(record: Record<string, T>, keys: string[]): T | undefined {
  for (const k of keys) if (record[k] !== undefined) return record[k];
  return undefined;
}

async function loadLabels(src: Source | string[], opts: LoadOptions): Promise<string[]> {
  if (Array.isArray(src)) return src;
  const r = await resolveSource(src, opts.name);
  if (isNpy(r.bytes) || isZip(r.bytes)) {
    const a = parseArray(r.bytes, { ...opts, name: r.name, key: r.key });
    if (!Array.isArray(a.data)) throw new BrainfitIOError("CONNECTIVITY_BAD", "region labels must be a string array", { source: r.name });
    return a.data;
  }
  return new TextDecoder()
    .decode(r.bytes)
    .split(/\r\n|\n|\r/)
    .map((l) => l.trim())
    .filter((l) => l !== "" && !l.startsWith("#"));
}

/**
 * Loads a structural connectome: a TVB connectivity zip; an .npz or .mat holding weights
 * (weights/sc/Cmat...), optional lengths (tract_lengths/lengths/Dmat/len...) and labels
 * (region_labels...); a single matrix file (weights only); or {weights, tractLengths?, regionLabels?}
 * naming separate sources.
 *
 * @example
 * ```ts
 * import { loadConnectivity } from "brainfit/io";
 * const conn = await loadConnectivity("connectivity_76.zip"); // or { weights: "sc.npy", tractLengths: "len.npy" }
 * ```
 */
export async function loadConnectivity(source: Source | ConnectivityParts, opts: LoadOptions = {}): Promise<Connectivity> {
  if (isConnectivityParts(source)) {
    const parts = source;
    const weights = await loadArray(parts.weights, { ...opts, key: undefined });
    const assembled: Parameters<typeof assembleConnectivity>[0] = {
      weights,
      source: typeof parts.weights === "string" ? parts.weights : "weights",
    };
    if (parts.tractLengths !== undefined) assembled.tractLengths = await loadArray(parts.tractLengths, { ...opts, key: undefined });
    if (parts.regionLabels !== undefined) assembled.regionLabels = await loadLabels(parts.regionLabels, opts);
    return assembleConnectivity(assembled);
  }
  const r = await resolveSource(source as Source, opts.name);
  const un = ungzip(r.bytes, r.name, opts);
  const name = un.name;
  const format = opts.format ?? sniffFormat(un.bytes, name);
  if (format === "tvb-zip") return parseTvbZip(un.bytes, { source: name, maxBytes: opts.maxBytes ?? DEFAULT_MAX_BYTES });
  let record: Record<string, NdArray>;
  if (format === "npz") record = parseNpzAll(un.bytes, { source: name, maxBytes: opts.maxBytes ?? DEFAULT_MAX_BYTES });
  else if (format === "mat") record = parseMatAll(un.bytes, { source: name });
  else if (format === "text") {
    // a labelled CSV (pandas to_csv with region names) carries the labels in its first column or header
    const t = parseTextMatrix(un.bytes, { source: name, ndmin: 2, ...(opts.delimiter === undefined ? {} : { delimiter: opts.delimiter }) });
    const parts: Parameters<typeof assembleConnectivity>[0] = { weights: t.array, source: name };
    const labels = t.rowLabels ?? t.header;
    if (labels && labels.length === t.array.shape[0]) parts.regionLabels = labels;
    return assembleConnectivity(parts);
  } else return assembleConnectivity({ weights: parseArray(un.bytes, { ...opts, name, format, ndmin: 2 }), source: name });
  const key = opts.key ?? r.key;
  const weights = key !== undefined
    ? record[key]
    : pick(record, WEIGHT_KEYS) ?? (Object.keys(record).length === 1 ? Object.values(record)[0] : undefined);
  if (!weights) {
    throw new BrainfitIOError(
      "CONNECTIVITY_BAD",
      `cannot tell which array holds the weights (arrays: ${
        Object.keys(record).join(", ")
      }); name it "weights", or pass {key: "NAME"} / "file:NAME"`,
      { source: name },
    );
  }
  const parts: Parameters<typeof assembleConnectivity>[0] = { weights, source: name };
  const lengths = pick(record, LENGTH_KEYS);
  if (lengths) parts.tractLengths = lengths;
  const labels = pick(record, LABEL_KEYS);
  if (labels && Array.isArray(labels.data)) parts.regionLabels = labels.data;
  return assembleConnectivity(parts);
}
