// MATLAB level-5 MAT-files (save -v6 / -v7, scipy.io.savemat): numeric, logical and char
// variables, miCOMPRESSED elements, both byte orders. v7.3 (HDF5) files get a clear error.
import { zlibSync } from "fflate";
import { BrainfitIOError } from "./errors.ts";
import {
  allocNumeric,
  type ArrayData,
  fortranToC,
  isNumericDType,
  type NdArray,
  type NumericDType,
  parseStringDType,
  validateArray,
} from "./ndarray.ts";
import { DEFAULT_MAX_BYTES, inflateLimited } from "./zip.ts";

// MAT data types (miXXX)
const miINT8 = 1, miUINT8 = 2, miINT16 = 3, miUINT16 = 4, miINT32 = 5, miUINT32 = 6, miSINGLE = 7, miDOUBLE = 9;
const miINT64 = 12, miUINT64 = 13, miMATRIX = 14, miCOMPRESSED = 15, miUTF8 = 16, miUTF16 = 17, miUTF32 = 18;

// MATLAB array classes (mxXXX_CLASS)
const CLASS_NAMES: Record<number, string> = {
  1: "cell",
  2: "struct",
  3: "object",
  4: "char",
  5: "sparse",
  6: "double",
  7: "single",
  8: "int8",
  9: "uint8",
  10: "int16",
  11: "uint16",
  12: "int32",
  13: "uint32",
  14: "int64",
  15: "uint64",
  16: "function_handle",
  17: "opaque",
};
const CLASS_DTYPE: Record<number, NumericDType> = {
  6: "float64",
  7: "float32",
  8: "int8",
  9: "uint8",
  10: "int16",
  11: "uint16",
  12: "int32",
  13: "uint32",
  14: "int64",
  15: "uint64",
};
const MI_SIZE: Record<number, number> = {
  [miINT8]: 1,
  [miUINT8]: 1,
  [miINT16]: 2,
  [miUINT16]: 2,
  [miINT32]: 4,
  [miUINT32]: 4,
  [miSINGLE]: 4,
  [miDOUBLE]: 8,
  [miINT64]: 8,
  [miUINT64]: 8,
  [miUTF8]: 1,
  [miUTF16]: 2,
  [miUTF32]: 4,
};

/** Name, class and size of one variable in a MAT-file. */
export interface MatVariableInfo {
  name: string;
  /** MATLAB class: "double", "int32", "char", "struct", "cell", ... */
  matlabClass: string;
  dims: number[];
  complex: boolean;
  logical: boolean;
  /** True when brainfit can load it (numeric, logical or char, real or with {complex: "real"}). */
  loadable: boolean;
}

export interface MatReadOptions {
  source?: string;
  /** Ceiling on one decompressed variable, bytes (default 2 GiB). */
  maxBytes?: number;
  /** Complex variables: "error" (default) or "real" to keep only the real part. */
  complex?: "error" | "real";
}

/** True for the 128-byte level-5 header or a v7.3 (HDF5) MAT-file. */
export function isMat(bytes: Uint8Array): boolean {
  return bytes.length >= 10 && ascii(bytes, 0, 10) === "MATLAB 5.0" || isMatV73(bytes);
}

export function isMatV73(bytes: Uint8Array): boolean {
  return bytes.length >= 10 && ascii(bytes, 0, 10) === "MATLAB 7.3" ||
    (bytes.length >= 520 && isHdf5At(bytes, 512) && ascii(bytes, 0, 6) === "MATLAB");
}

export function isHdf5At(bytes: Uint8Array, p: number): boolean {
  const sig = [0x89, 0x48, 0x44, 0x46, 0x0d, 0x0a, 0x1a, 0x0a];
  if (bytes.length < p + 8) return false;
  for (let i = 0; i < 8; i++) if (bytes[p + i] !== sig[i]) return false;
  return true;
}

/** Heuristic for the 20-byte header of a MAT v4 matrix: type MOPT, rows, cols, imagf, name length. */
export function isMatV4(bytes: Uint8Array): boolean {
  if (bytes.length < 21) return false;
  const v = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  for (const little of [true, false]) {
    const type = v.getInt32(0, little);
    const rows = v.getInt32(4, little);
    const cols = v.getInt32(8, little);
    const imagf = v.getInt32(12, little);
    const namlen = v.getInt32(16, little);
    const m = Math.floor(type / 1000), o = Math.floor(type / 100) % 10, p = Math.floor(type / 10) % 10, t = type % 10;
    if (type < 0 || m > 4 || o !== 0 || p > 5 || t > 2) continue;
    if (rows < 0 || cols < 0 || (imagf !== 0 && imagf !== 1) || namlen < 1 || namlen > 64 || 20 + namlen > bytes.length) continue;
    if (bytes[20 + namlen - 1] === 0) return true;
  }
  return false;
}

function ascii(b: Uint8Array, start: number, end: number): string {
  let s = "";
  for (let i = start; i < Math.min(end, b.length); i++) s += String.fromCharCode(b[i]!);
  return s;
}

interface Tag {
  type: number;
  nbytes: number;
  dataStart: number;
  next: number;
}

class MatReader {
  readonly view: DataView;
  constructor(
    readonly bytes: Uint8Array,
    readonly little: boolean,
    readonly source: string | undefined,
  ) {
    this.view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  }

  fail(code: "MAT_TRUNCATED" | "MAT_BAD_ELEMENT", msg: string): never {
    const fix = code === "MAT_TRUNCATED"
      ? "the file is truncated; copy it again"
      : "the file is corrupt; re-save it with save(f, vars, '-v7')";
    throw new BrainfitIOError(code, `${msg}; ${fix}`, { source: this.source });
  }

  u32(p: number): number {
    return this.view.getUint32(p, this.little);
  }

  tag(p: number, end: number): Tag {
    if (p + 8 > end) this.fail("MAT_TRUNCATED", `element tag at byte ${p} runs past the end`);
    const w0 = this.u32(p);
    if (w0 >>> 16 !== 0) {
      // small data element: type and size packed in one word, up to 4 bytes of data
      const nbytes = w0 >>> 16;
      if (nbytes > 4) this.fail("MAT_BAD_ELEMENT", `small data element at byte ${p} claims ${nbytes} bytes`);
      return { type: w0 & 0xffff, nbytes, dataStart: p + 4, next: p + 8 };
    }
    const nbytes = this.u32(p + 4);
    const dataStart = p + 8;
    if (dataStart + nbytes > end) {
      this.fail("MAT_TRUNCATED", `element at byte ${p} claims ${nbytes} bytes but only ${end - dataStart} remain`);
    }
    const padded = w0 === miCOMPRESSED ? nbytes : Math.ceil(nbytes / 8) * 8;
    return { type: w0, nbytes, dataStart, next: Math.min(dataStart + padded, end) };
  }
}

interface ParsedHeader {
  name: string;
  classId: number;
  complex: boolean;
  logical: boolean;
  dims: number[];
  /** Position after the name subelement, where the data subelements start. */
  dataPos: number;
  end: number;
  reader: MatReader;
}

function checkHeader(bytes: Uint8Array, source: string | undefined): boolean {
  if (isMatV73(bytes) || isHdf5At(bytes, 0)) {
    throw new BrainfitIOError(
      "MAT_V73",
      "this is a MATLAB v7.3 (HDF5) MAT-file, which brainfit does not read; in MATLAB re-save with save(f, vars..., '-v7'), or in Python load it with h5py/mat73 and save as .npy",
      { source },
    );
  }
  if (bytes.length < 128 && isMatV4(bytes)) {
    throw new BrainfitIOError(
      "MAT_V4",
      "this is a MATLAB v4 MAT-file, which brainfit does not read; re-save it with save(f, vars..., '-v7') or scipy.io.savemat(f, d) (format 5)",
      { source },
    );
  }
  if (bytes.length < 128) {
    throw new BrainfitIOError(
      "MAT_BAD_HEADER",
      `file has ${bytes.length} bytes, less than the 128-byte MAT-file header; it is truncated or not a MAT-file`,
      { source },
    );
  }
  const text = ascii(bytes, 0, 116);
  if (!text.startsWith("MATLAB 5.0") && isMatV4(bytes)) {
    throw new BrainfitIOError(
      "MAT_V4",
      "this is a MATLAB v4 MAT-file, which brainfit does not read; re-save it with save(f, vars..., '-v7') or scipy.io.savemat(f, d) (format 5)",
      { source },
    );
  }
  if (!text.startsWith("MATLAB 5.0")) {
    throw new BrainfitIOError(
      "MAT_BAD_HEADER",
      "missing 'MATLAB 5.0 MAT-file' header text; this is not a level-5 MAT-file (MAT v4 files: re-save with save(f, vars..., '-v7'))",
      { source },
    );
  }
  const e0 = bytes[126], e1 = bytes[127];
  if (e0 === 0x49 && e1 === 0x4d) return true; // "IM": little-endian
  if (e0 === 0x4d && e1 === 0x49) return false; // "MI": big-endian
  throw new BrainfitIOError("MAT_BAD_HEADER", "endian indicator (bytes 126-127) is neither 'IM' nor 'MI'; the header is corrupt", {
    source,
  });
}

/** Walks the top-level elements, yielding each variable's parsed matrix header. */
function* variables(bytes: Uint8Array, opts: MatReadOptions): Generator<ParsedHeader> {
  const little = checkHeader(bytes, opts.source);
  const top = new MatReader(bytes, little, opts.source);
  let p = 128;
  for (let element = 0; p + 8 <= bytes.length; element++) {
    const t = top.tag(p, bytes.length);
    if (t.type === miCOMPRESSED) {
      const stream = bytes.subarray(t.dataStart, t.dataStart + t.nbytes);
      const inner = inflateLimited(stream, "zlib", opts.maxBytes ?? DEFAULT_MAX_BYTES, opts.source, "MAT");
      verifyAdler32(stream, inner, element, p, top);
      const r = new MatReader(inner, little, opts.source);
      const it = r.tag(0, inner.length);
      if (it.type === miMATRIX && it.nbytes > 0) yield matrixHeader(r, it);
      else if (it.type !== miMATRIX) r.fail("MAT_BAD_ELEMENT", `compressed element holds data type ${it.type}, expected a matrix`);
    } else if (t.type === miMATRIX) {
      if (t.nbytes > 0) yield matrixHeader(top, t);
    } else {
      top.fail(
        "MAT_BAD_ELEMENT",
        `top-level element at byte ${p} has data type ${t.type}, expected a matrix (14) or compressed (15) element`,
      );
    }
    if (t.next <= p) break;
    p = t.next;
  }
}

/**
 * zlib ends each stream with the Adler-32 of the inflated bytes (RFC 1950); fflate does not
 * check it, so a flipped bit inside a deflate block would otherwise load as wrong numbers.
 */
function verifyAdler32(stream: Uint8Array, inflated: Uint8Array, element: number, offset: number, r: MatReader): void {
  const n = stream.length;
  const stored = n >= 6 ? ((stream[n - 4]! << 24) | (stream[n - 3]! << 16) | (stream[n - 2]! << 8) | stream[n - 1]!) >>> 0 : -1;
  const actual = adler32(inflated);
  if (stored !== actual) {
    const hex = (v: number) => "0x" + (v >>> 0).toString(16).padStart(8, "0");
    r.fail(
      "MAT_BAD_ELEMENT",
      `compressed element ${element} (tag at byte ${offset}) fails its zlib Adler-32 check (stored ${
        stored < 0 ? "none" : hex(stored)
      }, data gives ${hex(actual)}): its contents are corrupt`,
    );
  }
}

/** Adler-32 checksum (RFC 1950). */
export function adler32(data: Uint8Array): number {
  let a = 1, b = 0;
  // 5552 is zlib's NMAX: the largest run for which b cannot overflow 2^53 before reducing (it is far below).
  for (let i = 0; i < data.length;) {
    const end = Math.min(data.length, i + 5552);
    for (; i < end; i++) {
      a += data[i]!;
      b += a;
    }
    a %= 65521;
    b %= 65521;
  }
  return ((b << 16) | a) >>> 0;
}

function matrixHeader(r: MatReader, t: Tag): ParsedHeader {
  const end = t.dataStart + t.nbytes;
  const flagsTag = r.tag(t.dataStart, end);
  if (flagsTag.type !== miUINT32 || flagsTag.nbytes !== 8) r.fail("MAT_BAD_ELEMENT", "matrix lacks its array-flags subelement");
  const flags = r.u32(flagsTag.dataStart);
  const classId = flags & 0xff;
  const bits = (flags >>> 8) & 0xff;
  const dimsTag = r.tag(flagsTag.next, end);
  if (dimsTag.type !== miINT32 || dimsTag.nbytes % 4 !== 0) r.fail("MAT_BAD_ELEMENT", "matrix lacks its dimensions subelement");
  const dims: number[] = [];
  for (let i = 0; i < dimsTag.nbytes / 4; i++) {
    const d = r.view.getInt32(dimsTag.dataStart + 4 * i, r.little);
    if (d < 0) r.fail("MAT_BAD_ELEMENT", `matrix has a negative dimension ${d}`);
    dims.push(d);
  }
  const nameTag = r.tag(dimsTag.next, end);
  if (nameTag.type !== miINT8 && nameTag.type !== miUINT8 && nameTag.type !== miUTF8) {
    r.fail("MAT_BAD_ELEMENT", "matrix lacks its name subelement");
  }
  const name = new TextDecoder("utf-8").decode(r.bytes.subarray(nameTag.dataStart, nameTag.dataStart + nameTag.nbytes));
  return { name, classId, complex: (bits & 0x08) !== 0, logical: (bits & 0x02) !== 0, dims, dataPos: nameTag.next, end, reader: r };
}

function info(h: ParsedHeader, opts: MatReadOptions): MatVariableInfo {
  const numeric = CLASS_DTYPE[h.classId] !== undefined;
  return {
    name: h.name,
    matlabClass: h.logical ? "logical" : (CLASS_NAMES[h.classId] ?? `class ${h.classId}`),
    dims: h.dims,
    complex: h.complex,
    logical: h.logical,
    loadable: (numeric && (!h.complex || opts.complex === "real")) || (h.classId === 4 && h.dims.length === 2),
  };
}

/**
 * Lists the variables of a level-5 MAT-file (hidden/unnamed elements are skipped).
 *
 * @example
 * ```ts
 * import { listMatVariables } from "brainfit/io";
 * import { readFile } from "node:fs/promises";
 * for (const v of listMatVariables(await readFile("subject.mat"))) console.log(v.name, v.matlabClass, v.dims);
 * ```
 */
export function listMatVariables(bytes: Uint8Array, opts: MatReadOptions = {}): MatVariableInfo[] {
  const out: MatVariableInfo[] = [];
  for (const h of variables(bytes, opts)) if (h.name !== "") out.push(info(h, opts));
  return out;
}

/**
 * Reads one variable (by name; default: the first variable) of a level-5 MAT-file into a C-order
 * NdArray. MATLAB's column-major data is transposed; shapes stay as MATLAB has them (at least 2-D).
 *
 * @example
 * ```ts
 * import { parseMat } from "brainfit/io";
 * import { readFile } from "node:fs/promises";
 * const sc = parseMat(await readFile("subject.mat"), "sc");
 * ```
 */
export function parseMat(bytes: Uint8Array, name?: string, opts: MatReadOptions = {}): NdArray {
  const seen: string[] = [];
  for (const h of variables(bytes, opts)) {
    if (h.name === "") continue;
    seen.push(h.name);
    if (name === undefined || h.name === name) return readVariable(h, opts);
  }
  if (seen.length === 0) throw new BrainfitIOError("MAT_NO_VARIABLES", "the MAT-file holds no variables", { source: opts.source });
  throw new BrainfitIOError(
    "MAT_VAR_NOT_FOUND",
    `no variable "${name}" in the MAT-file; variables: ${seen.join(", ")} (select one with "file.mat:NAME" or {key: "NAME"})`,
    { source: opts.source },
  );
}

/** Reads every loadable variable; structs, cells and other unsupported classes are skipped. */
export function parseMatAll(bytes: Uint8Array, opts: MatReadOptions = {}): Record<string, NdArray> {
  const out: Record<string, NdArray> = {};
  for (const h of variables(bytes, opts)) {
    if (h.name !== "" && info(h, opts).loadable) out[h.name] = readVariable(h, opts);
  }
  return out;
}

function readVariable(h: ParsedHeader, opts: MatReadOptions): NdArray {
  const r = h.reader;
  const cls = CLASS_NAMES[h.classId] ?? `class ${h.classId}`;
  if (h.classId === 4) return readChar(h, opts.source ? `${opts.source}:${h.name}` : h.name);
  const dtype0 = CLASS_DTYPE[h.classId];
  if (dtype0 === undefined) {
    const fix = h.classId === 5
      ? `convert it to a full matrix first: ${h.name} = full(${h.name}); save(f, '${h.name}', '-v7')`
      : h.classId === 1
      ? `save each numeric cell as its own variable (e.g. w = ${h.name}{1}; save(f, 'w', '-v7')) and load that`
      : h.classId === 2
      ? `save each numeric field as its own variable (e.g. w = ${h.name}.weights; save(f, 'w', '-v7')) and load that`
      : `convert it to a numeric array in MATLAB (e.g. w = double(${h.name}); save(f, 'w', '-v7')) and load that`;
    throw new BrainfitIOError("MAT_UNSUPPORTED_CLASS", `variable "${h.name}" is a MATLAB ${cls}, which brainfit cannot load; ${fix}`, {
      source: opts.source,
    });
  }
  if (h.complex && opts.complex !== "real") {
    throw new BrainfitIOError(
      "MAT_COMPLEX",
      `variable "${h.name}" is complex; save real(${h.name}) and imag(${h.name}) as separate variables, or load with {complex: "real"} to keep the real part`,
      { source: opts.source },
    );
  }
  const dtype: NumericDType = h.logical ? "bool" : dtype0;
  let count = 1;
  for (const d of h.dims) count *= d;
  const t = r.tag(h.dataPos, h.end);
  const storedSize = MI_SIZE[t.type];
  if (storedSize === undefined || t.type === miUTF8 || t.type === miUTF16 || t.type === miUTF32) {
    r.fail("MAT_BAD_ELEMENT", `variable "${h.name}" stores its data as type ${t.type}`);
  }
  // size guard before any allocation
  if (count * storedSize !== t.nbytes) {
    r.fail(
      "MAT_BAD_ELEMENT",
      `variable "${h.name}" has dims [${h.dims.join(", ")}] (${count} values) but ${t.nbytes} bytes of type ${t.type} data`,
    );
  }
  const data = convertStored(r, t.dataStart, count, t.type, dtype);
  return { dtype, shape: [...h.dims], data: fortranToC(data, h.dims) };
}

/** Reads `count` stored values of MAT type `mi` into an array of the class's dtype. */
/** MAT storage types whose bytes are exactly the class's in-memory representation. */
const SAME_LAYOUT: Partial<Record<NumericDType, number>> = {
  float64: miDOUBLE,
  float32: miSINGLE,
  int8: miINT8,
  uint8: miUINT8,
  int16: miINT16,
  uint16: miUINT16,
  int32: miINT32,
  uint32: miUINT32,
  int64: miINT64,
  uint64: miUINT64,
};
const HOST_LITTLE = new Uint8Array(new Uint16Array([1]).buffer)[0] === 1;

function convertStored(r: MatReader, p: number, count: number, mi: number, dtype: NumericDType): Exclude<ArrayData, string[]> {
  const out = allocNumeric(dtype, count);
  if (SAME_LAYOUT[dtype] === mi && r.little === HOST_LITTLE) {
    // fast path: one byte copy (the usual case for double data)
    new Uint8Array(out.buffer, out.byteOffset, out.byteLength).set(r.bytes.subarray(p, p + out.byteLength));
    return out;
  }
  const v = r.view;
  const le = r.little;
  const get: (q: number) => number | bigint = mi === miINT8
    ? (q) => v.getInt8(q)
    : mi === miUINT8
    ? (q) => v.getUint8(q)
    : mi === miINT16
    ? (q) => v.getInt16(q, le)
    : mi === miUINT16
    ? (q) => v.getUint16(q, le)
    : mi === miINT32
    ? (q) => v.getInt32(q, le)
    : mi === miUINT32
    ? (q) => v.getUint32(q, le)
    : mi === miSINGLE
    ? (q) => v.getFloat32(q, le)
    : mi === miDOUBLE
    ? (q) => v.getFloat64(q, le)
    : mi === miINT64
    ? (q) => v.getBigInt64(q, le)
    : (q) => v.getBigUint64(q, le);
  const size = MI_SIZE[mi]!;
  if (out instanceof BigInt64Array || out instanceof BigUint64Array) {
    for (let i = 0; i < count; i++) {
      const x = get(p + i * size);
      out[i] = typeof x === "bigint" ? x : BigInt(Math.trunc(x));
    }
  } else {
    const o = out as Float64Array;
    for (let i = 0; i < count; i++) {
      const x = get(p + i * size);
      o[i] = typeof x === "bigint" ? Number(x) : x;
    }
    if (dtype === "bool") { for (let i = 0; i < count; i++) if (o[i] !== 0) o[i] = 1; }
  }
  return out;
}

function readChar(h: ParsedHeader, where: string): NdArray {
  const r = h.reader;
  if (h.dims.length !== 2) {
    throw new BrainfitIOError(
      "MAT_UNSUPPORTED_CLASS",
      `char variable "${h.name}" has ${h.dims.length} dimensions; save it as a 2-D char matrix or a cellstr-free string row`,
      { source: where },
    );
  }
  const [rows, cols] = h.dims as [number, number];
  const count = rows * cols;
  if (rows > h.end) r.fail("MAT_BAD_ELEMENT", `char variable "${h.name}" claims ${rows} rows, more than the file could hold`);
  const t = r.tag(h.dataPos, h.end);
  const raw = r.bytes.subarray(t.dataStart, t.dataStart + t.nbytes);
  let units: number[];
  if (t.type === miUTF8) {
    units = [...new TextDecoder("utf-8").decode(raw)].map((c) => c.codePointAt(0)!);
  } else {
    const size = MI_SIZE[t.type];
    if (size === undefined || t.nbytes !== count * size) {
      r.fail("MAT_BAD_ELEMENT", `char variable "${h.name}" has ${count} characters but ${t.nbytes} bytes of type ${t.type}`);
    }
    units = [];
    for (let i = 0; i < count; i++) {
      const q = t.dataStart + i * size;
      units.push(size === 1 ? r.view.getUint8(q) : size === 2 ? r.view.getUint16(q, r.little) : r.view.getUint32(q, r.little));
    }
  }
  if (units.length !== count) {
    r.fail("MAT_BAD_ELEMENT", `char variable "${h.name}" decodes to ${units.length} characters, dims say ${count}`);
  }
  const strings: string[] = [];
  for (let i = 0; i < rows; i++) {
    let s = "";
    for (let j = 0; j < cols; j++) {
      const u = units[j * rows + i]!;
      s += u > 0x10ffff ? "\ufffd" : String.fromCodePoint(u);
    }
    strings.push(s);
  }
  return { dtype: `<U${Math.max(1, cols)}`, shape: [rows], data: strings };
}

// ---------------------------------------------------------------- writer

export interface MatWriteOptions {
  /** Wrap each variable in a zlib-compressed element, as MATLAB's -v7 does (default true). */
  compress?: boolean;
}

const DTYPE_CLASS: Record<NumericDType, { cls: number; mi: number; size: number }> = {
  float64: { cls: 6, mi: miDOUBLE, size: 8 },
  float32: { cls: 7, mi: miSINGLE, size: 4 },
  float16: { cls: 7, mi: miSINGLE, size: 4 },
  int8: { cls: 8, mi: miINT8, size: 1 },
  uint8: { cls: 9, mi: miUINT8, size: 1 },
  bool: { cls: 9, mi: miUINT8, size: 1 },
  int16: { cls: 10, mi: miINT16, size: 2 },
  uint16: { cls: 11, mi: miUINT16, size: 2 },
  int32: { cls: 12, mi: miINT32, size: 4 },
  uint32: { cls: 13, mi: miUINT32, size: 4 },
  int64: { cls: 14, mi: miINT64, size: 8 },
  uint64: { cls: 15, mi: miUINT64, size: 8 },
};

class ByteSink {
  private buf = new Uint8Array(1024);
  private view = new DataView(this.buf.buffer);
  length = 0;
  private ensure(n: number): void {
    if (this.length + n <= this.buf.length) return;
    let cap = this.buf.length * 2;
    while (cap < this.length + n) cap *= 2;
    const next = new Uint8Array(cap);
    next.set(this.buf.subarray(0, this.length));
    this.buf = next;
    this.view = new DataView(next.buffer);
  }
  u32(x: number): void {
    this.ensure(4);
    this.view.setUint32(this.length, x, true);
    this.length += 4;
  }
  i32(x: number): void {
    this.ensure(4);
    this.view.setInt32(this.length, x, true);
    this.length += 4;
  }
  bytes(b: Uint8Array): void {
    this.ensure(b.length);
    this.buf.set(b, this.length);
    this.length += b.length;
  }
  pad8(): void {
    const n = (8 - (this.length % 8)) % 8;
    this.ensure(n);
    this.buf.fill(0, this.length, this.length + n);
    this.length += n;
  }
  setU32(at: number, x: number): void {
    this.view.setUint32(at, x, true);
  }
  result(): Uint8Array {
    return this.buf.slice(0, this.length);
  }
}

function matDims(shape: readonly number[]): number[] {
  // MATLAB arrays are at least 2-D; 1-D becomes a row vector as scipy.io.savemat does (oned_as='row').
  if (shape.length === 0) return [1, 1];
  if (shape.length === 1) return [1, shape[0]!];
  return [...shape];
}

function toFortran<T extends ArrayData>(data: T, shape: readonly number[]): T {
  // C order of `shape` is Fortran order of the reversed shape; reorder as if transposing.
  return fortranToC(data, [...shape].reverse());
}

function matrixElement(name: string, arr: NdArray): Uint8Array {
  const s = new ByteSink();
  s.u32(miMATRIX);
  s.u32(0); // patched below
  const str = parseStringDType(arr.dtype);
  let cls: number;
  let dims: number[];
  let payload: Uint8Array;
  let mi: number;
  if (str) {
    const strings = arr.data as string[];
    if (arr.shape.length > 1) {
      throw new BrainfitIOError("WRITE_UNSUPPORTED", `string variable "${name}" must be 0-d or 1-D to become a MATLAB char matrix`);
    }
    // miUTF8 keeps non-ASCII characters intact in MATLAB and scipy (UTF-16 code units do not survive scipy's reader)
    const chars = strings.map((x) => [...x]);
    const width = chars.reduce((m, x) => Math.max(m, x.length), 0);
    dims = [strings.length, width];
    cls = 4;
    mi = miUTF8;
    let text = "";
    for (let j = 0; j < width; j++) for (let i = 0; i < chars.length; i++) text += chars[i]![j] ?? " ";
    payload = new TextEncoder().encode(text);
  } else {
    const dt = arr.dtype as NumericDType;
    const spec = DTYPE_CLASS[dt];
    cls = spec.cls;
    mi = spec.mi;
    dims = matDims(arr.shape);
    let data = arr.data as Exclude<ArrayData, string[]>;
    if (dt === "bool") data = Uint8Array.from(data as Uint8Array, (x) => (x ? 1 : 0));
    const fortran = toFortran(data, arr.shape);
    payload = new Uint8Array(fortran.buffer, fortran.byteOffset, fortran.byteLength);
    const hostLittle = new Uint8Array(new Uint16Array([1]).buffer)[0] === 1;
    if (!hostLittle && spec.size > 1) {
      payload = payload.slice();
      for (let p = 0; p < payload.length; p += spec.size) payload.subarray(p, p + spec.size).reverse();
    }
  }
  // array flags
  s.u32(miUINT32);
  s.u32(8);
  s.u32(cls | (arr.dtype === "bool" ? 0x0200 : 0));
  s.u32(0);
  // dimensions
  s.u32(miINT32);
  s.u32(dims.length * 4);
  for (const d of dims) s.i32(d);
  s.pad8();
  // name
  const nameBytes = new TextEncoder().encode(name);
  s.u32(miINT8);
  s.u32(nameBytes.length);
  s.bytes(nameBytes);
  s.pad8();
  // real part
  s.u32(mi);
  s.u32(payload.length);
  s.bytes(payload);
  s.pad8();
  s.setU32(4, s.length - 8);
  return s.result();
}

/**
 * Encodes variables as a level-5 MAT-file (MATLAB -v7 layout) that MATLAB's load and
 * scipy.io.loadmat read. 1-D arrays become row vectors; bool becomes logical; float16 single;
 * 1-D string arrays become space-padded char matrices (UTF-8 encoded).
 *
 * @example
 * ```ts
 * import { ndarray, saveFile, writeMat } from "brainfit/io";
 * await saveFile("out/result.mat", writeMat({ fc: ndarray(Float64Array.from([1, 0.5, 0.5, 1]), [2, 2]) })); // MATLAB: load("result.mat")
 * ```
 */
export function writeMat(vars: Record<string, NdArray>, opts: MatWriteOptions = {}): Uint8Array {
  const compress = opts.compress ?? true;
  const parts: Uint8Array[] = [];
  const header = new Uint8Array(128).fill(0x20);
  const text = `MATLAB 5.0 MAT-file, Platform: brainfit, Created on: ${new Date().toUTCString()}`;
  for (let i = 0; i < text.length && i < 116; i++) header[i] = text.charCodeAt(i) & 0x7f;
  header.fill(0, 116, 124);
  header[124] = 0x00;
  header[125] = 0x01;
  header[126] = 0x49; // 'I'
  header[127] = 0x4d; // 'M'
  parts.push(header);
  for (const [name, arr] of Object.entries(vars)) {
    if (!/^[A-Za-z][A-Za-z0-9_]{0,62}$/.test(name)) {
      throw new BrainfitIOError(
        "WRITE_UNSUPPORTED",
        `"${name}" is not a valid MATLAB variable name; use a letter followed by letters, digits or _ (at most 63)`,
      );
    }
    validateArray(arr, name);
    if (!isNumericDType(arr.dtype) && !parseStringDType(arr.dtype)) {
      throw new BrainfitIOError("WRITE_UNSUPPORTED", `variable "${name}" has dtype ${arr.dtype}`);
    }
    const el = matrixElement(name, arr);
    if (compress) {
      const z = zlibSync(el, { level: 6 });
      const tag = new Uint8Array(8);
      const dv = new DataView(tag.buffer);
      dv.setUint32(0, miCOMPRESSED, true);
      dv.setUint32(4, z.length, true);
      parts.push(tag, z);
    } else {
      parts.push(el);
    }
  }
  let total = 0;
  for (const p of parts) total += p.length;
  const out = new Uint8Array(total);
  let o = 0;
  for (const p of parts) {
    out.set(p, o);
    o += p.length;
  }
  return out;
}
