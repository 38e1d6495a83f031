// NumPy .npz archives: a ZIP of .npy members (numpy.savez / savez_compressed).
import { BrainfitIOError } from "./errors.ts";
import type { NdArray } from "./ndarray.ts";
import { parseNpy, writeNpy } from "./npy.ts";
import { readZipDirectory, readZipEntry, writeZip, type ZipEntry } from "./zip.ts";

export interface NpzReadOptions {
  /** File name or URL, used in error messages. */
  source?: string;
  /** Ceiling on one decompressed member, bytes (default 2 GiB). */
  maxBytes?: number;
}

function keyOf(name: string): string {
  return name.endsWith(".npy") ? name.slice(0, -4) : name;
}

function npyEntries(bytes: Uint8Array, source?: string): ZipEntry[] {
  return readZipDirectory(bytes, source).filter((e) => !e.name.endsWith("/"));
}

/**
 * Keys of the arrays in an .npz archive, in archive order ("arr_0", "weights", ...).
 *
 * @example
 * ```ts
 * import { listNpzKeys } from "brainfit/io";
 * import { readFile } from "node:fs/promises";
 * console.log(listNpzKeys(await readFile("conn.npz"))); // ["weights", "lengths"]
 * ```
 */
export function listNpzKeys(bytes: Uint8Array, source?: string): string[] {
  return npyEntries(bytes, source).map((e) => keyOf(e.name));
}

/**
 * Reads one array of an .npz archive: `key` when given, otherwise the first member
 * (the only one for files written by numpy.savez(f, a)).
 *
 * @example
 * ```ts
 * import { parseNpz } from "brainfit/io";
 * import { readFile } from "node:fs/promises";
 * const weights = parseNpz(await readFile("conn.npz"), "weights");
 * ```
 */
export function parseNpz(bytes: Uint8Array, key?: string, opts: NpzReadOptions = {}): NdArray {
  const entries = npyEntries(bytes, opts.source);
  if (entries.length === 0) {
    throw new BrainfitIOError("NPZ_EMPTY", "the .npz archive holds no arrays", { source: opts.source });
  }
  let entry = entries[0]!;
  if (key !== undefined) {
    const found = entries.find((e) => keyOf(e.name) === key || e.name === key);
    if (!found) {
      throw new BrainfitIOError(
        "NPZ_KEY_NOT_FOUND",
        `no array "${key}" in the archive; available keys: ${
          entries.map((e) => keyOf(e.name)).join(", ")
        } (select one with "file.npz:KEY" or {key: "KEY"})`,
        { source: opts.source },
      );
    }
    entry = found;
  }
  const member = readZipEntry(bytes, entry, opts);
  return parseNpy(member, `${opts.source ?? "npz"}:${keyOf(entry.name)}`);
}

/** Reads every array of an .npz archive into a record keyed like numpy's NpzFile. */
export function parseNpzAll(bytes: Uint8Array, opts: NpzReadOptions = {}): Record<string, NdArray> {
  const out: Record<string, NdArray> = {};
  for (const entry of npyEntries(bytes, opts.source)) {
    const member = readZipEntry(bytes, entry, opts);
    out[keyOf(entry.name)] = parseNpy(member, `${opts.source ?? "npz"}:${keyOf(entry.name)}`);
  }
  return out;
}

export interface NpzWriteOptions {
  /** Deflate members like numpy.savez_compressed (default false: stored, like numpy.savez). */
  compress?: boolean;
  /** Deflate level 1-9 when compressing (default 6). */
  level?: number;
}

/**
 * Encodes arrays as an .npz archive. An array or list of arrays gets numpy's positional
 * names arr_0, arr_1, ...; a record keeps its keys.
 *
 * @example
 * ```ts
 * import { ndarray, saveFile, writeNpz } from "brainfit/io";
 * const w = ndarray(Float64Array.from([0, 1, 1, 0]), [2, 2]);
 * await saveFile("out/conn.npz", writeNpz({ weights: w }, { compress: true })); // numpy.load("out/conn.npz")["weights"]
 * ```
 */
export function writeNpz(arrays: NdArray | NdArray[] | Record<string, NdArray>, opts: NpzWriteOptions = {}): Uint8Array {
  const record: Record<string, NdArray> = {};
  if (Array.isArray(arrays)) arrays.forEach((a, i) => (record[`arr_${i}`] = a));
  else if (isNdArrayLike(arrays)) record["arr_0"] = arrays;
  else Object.assign(record, arrays);
  const members: Record<string, Uint8Array> = {};
  for (const [k, a] of Object.entries(record)) {
    if (k === "" || k.includes("/") || k.includes("\\")) {
      throw new BrainfitIOError("BAD_ARRAY", `npz key "${k}" is not a valid member name; use a plain identifier such as "weights"`);
    }
    members[`${k}.npy`] = writeNpy(a);
  }
  return writeZip(members, opts);
}

function isNdArrayLike(x: unknown): x is NdArray {
  return typeof x === "object" && x !== null && "dtype" in x && "shape" in x && "data" in x && typeof (x as NdArray).dtype === "string";
}
