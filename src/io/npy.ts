// NumPy .npy format, versions 1.0, 2.0 and 3.0
// (https://numpy.org/doc/stable/reference/generated/numpy.lib.format.html).
import { BrainfitIOError } from "./errors.ts";
import { float32BitsToHalfBits, halfBitsToFloat32Bits } from "./half.ts";
import {
  allocNumeric,
  type ArrayData,
  fortranToC,
  isNumericDType,
  type NdArray,
  type NumericDType,
  numericItemsize,
  parseStringDType,
  validateArray,
} from "./ndarray.ts";
import { parsePyLiteral, PyOther, pyRepr, PyTuple, type PyValue } from "./pyliteral.ts";

const MAGIC = [0x93, 0x4e, 0x55, 0x4d, 0x50, 0x59]; // \x93NUMPY
export const HOST_LITTLE_ENDIAN = new Uint8Array(new Uint16Array([1]).buffer)[0] === 1;

/** True when `bytes` starts with the .npy magic string. */
export function isNpy(bytes: Uint8Array): boolean {
  if (bytes.length < MAGIC.length) return false;
  for (let i = 0; i < MAGIC.length; i++) if (bytes[i] !== MAGIC[i]) return false;
  return true;
}

/** What a .npy header says about its array. */
export interface NpyHeader {
  /** brainfit dtype name ("float64", "<U6", ...). */
  dtype: string;
  /** numpy's descr string as written in the file ("<f8", ">i4", "|b1", "<U6"). */
  descr: string;
  shape: number[];
  fortranOrder: boolean;
  littleEndian: boolean;
  /** Bytes per element in the file. */
  itemsize: number;
  version: [number, number];
  /** Offset of the first data byte. */
  dataOffset: number;
}

interface DescrInfo {
  dtype: string;
  /** numpy's canonical descr of the dtype ("<f8", "|b1", "<U6"). */
  descr: string;
  itemsize: number;
  littleEndian: boolean;
}

const KIND_TO_DTYPE: Record<string, NumericDType> = {
  b1: "bool",
  i1: "int8",
  i2: "int16",
  i4: "int32",
  i8: "int64",
  u1: "uint8",
  u2: "uint16",
  u4: "uint32",
  u8: "uint64",
  f2: "float16",
  f4: "float32",
  f8: "float64",
};

/** numpy's one-character type codes (np.dtype("d") etc., 64-bit Linux/macOS sizes), as kind+size. */
const TYPE_CHARS: Record<string, string> = {
  "?": "b1",
  b: "i1",
  B: "u1",
  h: "i2",
  H: "u2",
  i: "i4",
  I: "u4",
  l: "i8",
  L: "u8",
  q: "i8",
  Q: "u8",
  p: "i8",
  P: "u8",
  e: "f2",
  f: "f4",
  d: "f8",
  g: "f16",
};

/** Type names np.dtype accepts without a byte-order prefix. */
const TYPE_NAMES: Record<string, string> = {
  bool: "b1",
  bool_: "b1",
  int8: "i1",
  int16: "i2",
  int32: "i4",
  int64: "i8",
  uint8: "u1",
  uint16: "u2",
  uint32: "u4",
  uint64: "u8",
  float16: "f2",
  float32: "f4",
  float64: "f8",
  float: "f8",
  int: "i8",
  double: "f8",
  single: "f4",
  half: "f2",
  byte: "i1",
  ubyte: "u1",
  short: "i2",
  ushort: "u2",
  intc: "i4",
  uintc: "u4",
  long: "i8",
  ulong: "u8",
  longlong: "i8",
  ulonglong: "u8",
  int_: "i8",
  intp: "i8",
  uint: "u8",
  uintp: "u8",
  longdouble: "f16",
};

function parseDescr(descr: PyValue, source: string | undefined): DescrInfo {
  if (descr instanceof PyTuple && descr.items.length === 2 && descr.items[1] instanceof PyTuple && descr.items[1].items.length === 0) {
    return parseDescr(descr.items[0]!, source); // (dtype, ()) is dtype itself
  }
  if (typeof descr !== "string") {
    const structured = Array.isArray(descr);
    throw new BrainfitIOError(
      "NPY_UNSUPPORTED_DTYPE",
      structured
        ? `structured (record) dtype dtype(${
          pyRepr(descr)
        }) is not supported; save each field as its own array, e.g. np.savez(f, **{name: a[name] for name in a.dtype.names})`
        : `dtype ${pyRepr(descr).slice(0, 120)} is not supported (a subarray or not a dtype at all); save a plain numeric array`,
      { source },
    );
  }
  const sub = /^[<>|=]?(?:\d+|\(.*\))[<>|=]?[a-zA-Z?]/.exec(descr);
  if (sub) {
    // "2f8" is numpy's subarray shorthand, dtype(('<f8', (2,))); np.load reads such files with a
    // count in subarrays, so a mutated "f8" -> "2f8" silently halves the array. brainfit refuses.
    throw new BrainfitIOError(
      "NPY_UNSUPPORTED_DTYPE",
      `subarray dtype ${pyRepr(descr)} is not supported; save a plain array with the subarray as extra trailing axes (a.reshape(a.shape))`,
      { source },
    );
  }
  const named = TYPE_NAMES[descr];
  const m = named ? ["", "", named.slice(0, 1), named.slice(1)] : /^([<>|=]?)([a-zA-Z?])(\d*)(\[\w+\])?$/.exec(descr);
  if (!m) {
    throw new BrainfitIOError(
      "NPY_UNSUPPORTED_DTYPE",
      `data type ${pyRepr(descr)} not understood (numpy refuses it too); the header is corrupt`,
      { source },
    );
  }
  const order = m[1]!;
  let kind = m[2]!;
  let size = m[3]!;
  if (size === "" && TYPE_CHARS[kind]) {
    size = TYPE_CHARS[kind]!.slice(1);
    kind = TYPE_CHARS[kind]!.slice(0, 1);
  }
  const littleEndian = order === ">" ? false : order === "<" ? true : HOST_LITTLE_ENDIAN;
  if (kind === "O") {
    throw new BrainfitIOError(
      "NPY_OBJECT_ARRAY",
      "this is a pickled object array (dtype 'O'), which brainfit never unpickles (it can run arbitrary code); convert it in Python to a numeric or str dtype and re-save without pickle, e.g. np.save(f, np.asarray(a, dtype=float), allow_pickle=False) or np.save(f, a.astype(str), allow_pickle=False)",
      { source },
    );
  }
  const numeric = m[4] ? undefined : KIND_TO_DTYPE[kind + size];
  if (numeric) {
    const itemsize = numericItemsize(numeric);
    return { dtype: numeric, descr: `${itemsize === 1 ? "|" : littleEndian ? "<" : ">"}${kind}${size}`, itemsize, littleEndian };
  }
  if ((kind === "U" || kind === "S" || kind === "a") && /^\d+$/.test(size) && !m[4]) {
    const n = Number(size);
    if (kind === "U") return { dtype: `<U${n}`, descr: `${littleEndian ? "<" : ">"}U${n}`, itemsize: 4 * n, littleEndian };
    return { dtype: `|S${n}`, descr: `|S${n}`, itemsize: n, littleEndian };
  }
  const why = kind === "c" || kind === "F" || kind === "D" || kind === "G"
    ? "complex arrays are not supported; save np.real(a) and np.imag(a) as separate arrays"
    : kind === "M" || kind === "m"
    ? "datetime/timedelta arrays are not supported; save a.astype('int64') or a float array of seconds"
    : kind === "f" && (size === "16" || size === "12")
    ? "long double (float128) is not supported; save a.astype(np.float64)"
    : "use one of bool, int8..int64, uint8..uint64, float16/32/64 or a str (U) dtype";
  throw new BrainfitIOError("NPY_UNSUPPORTED_DTYPE", `dtype ${pyRepr(descr)} is not supported: ${why}`, { source });
}

/** numpy refuses longer headers unless the file is trusted with allow_pickle (format._MAX_HEADER_SIZE). */
export const NPY_MAX_HEADER_CHARS = 10000;

/**
 * Reads and validates a .npy header without touching the data. The grammar is numpy's own
 * (format._read_array_header): versions 1.0/2.0/3.0 only, latin-1 (1.0, 2.0) or strict UTF-8
 * (3.0) text of at most 10,000 characters, a Python dict literal with exactly the keys descr,
 * fortran_order and shape, shape a tuple of ints, fortran_order a bool.
 */
export function readNpyHeader(bytes: Uint8Array, source?: string): NpyHeader {
  if (!isNpy(bytes)) {
    throw new BrainfitIOError("NPY_BAD_MAGIC", "not a .npy file (it does not start with \\x93NUMPY); save arrays with numpy.save", {
      source,
    });
  }
  if (bytes.length < 10) {
    throw new BrainfitIOError("NPY_TRUNCATED", `file ends after ${bytes.length} bytes, inside the .npy preamble`, { source });
  }
  const major = bytes[6]!;
  const minor = bytes[7]!;
  if (minor !== 0 || major < 1 || major > 3) {
    throw new BrainfitIOError(
      "NPY_BAD_VERSION",
      `unknown .npy format version ${major}.${minor}; numpy and brainfit read 1.0, 2.0 and 3.0 (re-save with numpy.save)`,
      { source },
    );
  }
  let headerLen: number;
  let start: number;
  if (major === 1) {
    headerLen = bytes[8]! | (bytes[9]! << 8);
    start = 10;
  } else {
    if (bytes.length < 12) {
      throw new BrainfitIOError("NPY_TRUNCATED", `file ends after ${bytes.length} bytes, inside the .npy preamble`, { source });
    }
    headerLen = (bytes[8]! | (bytes[9]! << 8) | (bytes[10]! << 16)) + bytes[11]! * 2 ** 24;
    start = 12;
  }
  if (start + headerLen > bytes.length) {
    throw new BrainfitIOError(
      "NPY_TRUNCATED",
      `header claims ${headerLen} bytes but the file has only ${bytes.length - start} after the preamble; the file is truncated`,
      { source },
    );
  }
  const raw = bytes.subarray(start, start + headerLen);
  let text: string;
  if (major === 3) {
    try {
      text = new TextDecoder("utf-8", { fatal: true }).decode(raw);
    } catch {
      throw new BrainfitIOError("NPY_BAD_HEADER", "corrupt .npy header: a format 3.0 header must be valid UTF-8", { source });
    }
  } else {
    text = latin1(raw);
  }
  if ([...text].length > NPY_MAX_HEADER_CHARS) {
    throw new BrainfitIOError(
      "NPY_BAD_HEADER",
      `.npy header is ${
        [...text].length
      } characters, above numpy's limit of ${NPY_MAX_HEADER_CHARS} (np.load refuses it too unless allow_pickle=True); the header is corrupt or the array has a huge structured dtype`,
      { source },
    );
  }
  let dict: PyValue;
  try {
    dict = parsePyLiteral(text, { python2Longs: major <= 2 });
  } catch (e) {
    throw new BrainfitIOError("NPY_BAD_HEADER", `corrupt .npy header (${(e as Error).message}): ${JSON.stringify(text.slice(0, 120))}`, {
      source,
    });
  }
  if (dict === null || typeof dict !== "object" || Array.isArray(dict) || dict instanceof PyTuple || dict instanceof PyOther) {
    throw new BrainfitIOError("NPY_BAD_HEADER", `corrupt .npy header: it is not a dict (${pyRepr(dict).slice(0, 120)})`, { source });
  }
  const d = dict as Record<string, PyValue>;
  const keys = Object.keys(d).sort();
  if (keys.join() !== "descr,fortran_order,shape") {
    throw new BrainfitIOError(
      "NPY_BAD_HEADER",
      `corrupt .npy header: its keys are ${pyRepr(keys)}, numpy requires exactly ['descr', 'fortran_order', 'shape']`,
      { source },
    );
  }
  const shapeV = d["shape"];
  // numpy's header check lets (True, 3) through (bool is an int) but reading then fails; refuse it here.
  const dims = shapeV instanceof PyTuple && shapeV.items.every((x) => typeof x === "number" && Number.isInteger(x))
    ? (shapeV.items as number[])
    : undefined;
  if (!dims) {
    throw new BrainfitIOError(
      "NPY_BAD_HEADER",
      `corrupt .npy header: 'shape' must be a tuple of ints, got ${pyRepr(shapeV).slice(0, 120)}`,
      { source },
    );
  }
  if (typeof d["fortran_order"] !== "boolean") {
    throw new BrainfitIOError(
      "NPY_BAD_HEADER",
      `corrupt .npy header: 'fortran_order' must be True or False, got ${pyRepr(d["fortran_order"]!).slice(0, 120)}`,
      { source },
    );
  }
  const info = parseDescr(d["descr"]!, source);
  if (!dims.every((x) => x >= 0)) {
    throw new BrainfitIOError("NPY_BAD_HEADER", `corrupt .npy header: 'shape' ${pyRepr(shapeV)} has a negative dimension`, { source });
  }
  return {
    dtype: info.dtype,
    descr: info.descr,
    shape: dims,
    fortranOrder: d["fortran_order"] as boolean,
    littleEndian: info.littleEndian,
    itemsize: info.itemsize,
    version: [major, minor],
    dataOffset: start + headerLen,
  };
}

function latin1(bytes: Uint8Array): string {
  let s = "";
  for (let i = 0; i < bytes.length; i += 8192) {
    s += String.fromCharCode(...bytes.subarray(i, Math.min(bytes.length, i + 8192)));
  }
  return s;
}

/**
 * Parses a .npy file into a C-order NdArray. Every numeric dtype, both byte orders, C and
 * Fortran order and str arrays are supported; object arrays are refused (no unpickling).
 *
 * @example
 * ```ts
 * import { parseNpy } from "brainfit/io";
 * import { readFile } from "node:fs/promises";
 * const sc = parseNpy(await readFile("sc.npy"), "sc.npy");
 * console.log(sc.dtype, sc.shape);
 * ```
 */
export function parseNpy(bytes: Uint8Array, source?: string): NdArray {
  const h = readNpyHeader(bytes, source);
  // Check the implied size against the bytes actually present BEFORE allocating anything.
  const available = bytes.length - h.dataOffset;
  let count = 1;
  for (const d of h.shape) count *= d;
  const needed = count * h.itemsize;
  if (h.itemsize === 0 && count > 1 << 20) {
    throw new BrainfitIOError("NPY_BAD_HEADER", `header claims ${count} elements of zero-width dtype ${h.descr}; the header is corrupt`, {
      source,
    });
  }
  if (!Number.isSafeInteger(count) || !(needed <= available)) {
    throw new BrainfitIOError(
      "NPY_TRUNCATED",
      `header claims shape (${
        h.shape.join(", ")
      }) of ${h.descr} = ${needed} bytes but the file holds only ${available} bytes of data; the file is truncated or its header corrupt`,
      { source },
    );
  }
  const raw = bytes.subarray(h.dataOffset, h.dataOffset + needed);
  let data: ArrayData;
  const str = parseStringDType(h.dtype);
  if (str) {
    data = decodeStrings(raw, count, str.kind, str.length, h.littleEndian, source);
  } else {
    data = decodeNumeric(raw, count, h.dtype as NumericDType, h.littleEndian);
  }
  // Reorder through the integer view: copying float elements through JS numbers may quiet NaNs.
  if (h.fortranOrder && h.shape.length > 1) {
    data = data instanceof Float32Array || data instanceof Float64Array ? reorderBits(data, h.shape) : fortranToC(data, h.shape);
  }
  return { dtype: h.dtype, shape: h.shape, data };
}

function decodeNumeric(raw: Uint8Array, count: number, dtype: NumericDType, fileLittle: boolean): Exclude<ArrayData, string[]> {
  const itemsize = numericItemsize(dtype);
  if (dtype === "float16") {
    const out = new Float32Array(count);
    const outBits = new Uint32Array(out.buffer, out.byteOffset, count);
    for (let i = 0, p = 0; i < count; i++, p += 2) {
      const bits = fileLittle ? raw[p]! | (raw[p + 1]! << 8) : (raw[p]! << 8) | raw[p + 1]!;
      outBits[i] = halfBitsToFloat32Bits(bits);
    }
    return out;
  }
  const out = allocNumeric(dtype, count);
  const outBytes = new Uint8Array(out.buffer, out.byteOffset, out.byteLength);
  outBytes.set(raw);
  if (itemsize > 1 && fileLittle !== HOST_LITTLE_ENDIAN) swapBytes(outBytes, itemsize);
  if (dtype === "bool") {
    for (let i = 0; i < count; i++) if (outBytes[i] !== 0) outBytes[i] = 1;
  }
  return out;
}

function reorderBits<T extends Float32Array | Float64Array>(data: T, shape: readonly number[]): T {
  const bits = data instanceof Float32Array
    ? new Uint32Array(data.buffer, data.byteOffset, data.length)
    : new BigUint64Array(data.buffer, data.byteOffset, data.length);
  const c = fortranToC(bits, shape);
  return (data instanceof Float32Array
    ? new Float32Array(c.buffer, c.byteOffset, c.length)
    : new Float64Array(c.buffer, c.byteOffset, c.length)) as T;
}

/** Reverses the byte order of each `itemsize`-byte element in place. */
export function swapBytes(b: Uint8Array, itemsize: number): void {
  for (let p = 0; p + itemsize <= b.length; p += itemsize) {
    for (let i = 0, j = itemsize - 1; i < j; i++, j--) {
      const t = b[p + i]!;
      b[p + i] = b[p + j]!;
      b[p + j] = t;
    }
  }
}

function decodeStrings(
  raw: Uint8Array,
  count: number,
  kind: "U" | "S",
  length: number,
  fileLittle: boolean,
  source: string | undefined,
): string[] {
  const out = new Array<string>(count);
  if (kind === "S") {
    for (let i = 0; i < count; i++) {
      let end = (i + 1) * length;
      const begin = i * length;
      while (end > begin && raw[end - 1] === 0) end--;
      out[i] = latin1(raw.subarray(begin, end));
    }
    return out;
  }
  const view = new DataView(raw.buffer, raw.byteOffset, raw.byteLength);
  const cps: number[] = [];
  for (let i = 0; i < count; i++) {
    cps.length = 0;
    const base = i * length * 4;
    for (let c = 0; c < length; c++) cps.push(view.getUint32(base + 4 * c, fileLittle));
    while (cps.length > 0 && cps[cps.length - 1] === 0) cps.pop();
    let s = "";
    for (const cp of cps) {
      if (cp > 0x10ffff) {
        throw new BrainfitIOError(
          "NPY_BAD_DATA",
          `string element ${i} holds an invalid code point 0x${cp.toString(16)}; the file is corrupt`,
          { source },
        );
      }
      s += String.fromCodePoint(cp);
    }
    out[i] = s;
  }
  return out;
}

function descrOf(arr: NdArray): { descr: string; itemsize: number } {
  const str = parseStringDType(arr.dtype);
  if (str) {
    return str.kind === "U" ? { descr: `<U${str.length}`, itemsize: 4 * str.length } : { descr: `|S${str.length}`, itemsize: str.length };
  }
  const dt = arr.dtype as NumericDType;
  const size = numericItemsize(dt);
  const code = dt === "bool" ? "b" : dt.startsWith("uint") ? "u" : dt.startsWith("int") ? "i" : "f";
  return { descr: `${size === 1 ? "|" : "<"}${code}${size}`, itemsize: size };
}

/** The Python dict literal numpy writes, padded so the data starts on a 64-byte boundary. */
function headerBytes(descr: string, shape: readonly number[]): Uint8Array {
  const shapeText = shape.length === 1 ? `(${shape[0]},)` : `(${shape.join(", ")})`;
  const dict = `{'descr': '${descr}', 'fortran_order': False, 'shape': ${shapeText}, }`;
  let pre = 10;
  let total = Math.ceil((pre + dict.length + 1) / 64) * 64;
  let major = 1;
  if (total - pre > 0xffff) {
    pre = 12;
    major = 2;
    total = Math.ceil((pre + dict.length + 1) / 64) * 64;
  }
  const out = new Uint8Array(total);
  out.set(MAGIC, 0);
  out[6] = major;
  out[7] = 0;
  const len = total - pre;
  out[8] = len & 0xff;
  out[9] = (len >> 8) & 0xff;
  if (major === 2) {
    out[10] = (len >> 16) & 0xff;
    out[11] = (len >>> 24) & 0xff;
  }
  for (let i = 0; i < dict.length; i++) out[pre + i] = dict.charCodeAt(i);
  for (let i = pre + dict.length; i < total - 1; i++) out[i] = 0x20;
  out[total - 1] = 0x0a;
  return out;
}

/**
 * Encodes an NdArray as a .npy file (format 1.0, little-endian, C order) that numpy.load reads.
 *
 * @example
 * ```ts
 * import { ndarray, saveFile, writeNpy } from "brainfit/io";
 * await saveFile("out/fc.npy", writeNpy(ndarray(Float64Array.from([1, 0.5, 0.5, 1]), [2, 2])));
 * ```
 */
export function writeNpy(arr: NdArray): Uint8Array {
  validateArray(arr);
  const { descr, itemsize } = descrOf(arr);
  const header = headerBytes(descr, arr.shape);
  const n = arr.data.length;
  const out = new Uint8Array(header.length + n * itemsize);
  out.set(header, 0);
  const body = out.subarray(header.length);
  const str = parseStringDType(arr.dtype);
  if (str) {
    encodeStrings(arr.data as string[], body, str.kind, str.length);
  } else if (arr.dtype === "float16") {
    const src = arr.data as Float32Array;
    const srcBits = new Uint32Array(src.buffer, src.byteOffset, n);
    for (let i = 0, p = 0; i < n; i++, p += 2) {
      const h = float32BitsToHalfBits(srcBits[i]!, src[i]!);
      body[p] = h & 0xff;
      body[p + 1] = h >> 8;
    }
  } else {
    const src = arr.data as Exclude<ArrayData, string[]>;
    body.set(new Uint8Array(src.buffer, src.byteOffset, src.byteLength));
    if (itemsize > 1 && !HOST_LITTLE_ENDIAN) swapBytes(body, itemsize);
    if (arr.dtype === "bool") { for (let i = 0; i < n; i++) if (body[i] !== 0) body[i] = 1; }
  }
  return out;
}

function encodeStrings(data: string[], body: Uint8Array, kind: "U" | "S", length: number): void {
  const view = new DataView(body.buffer, body.byteOffset, body.byteLength);
  for (let i = 0; i < data.length; i++) {
    const s = data[i];
    if (typeof s !== "string") throw new BrainfitIOError("BAD_ARRAY", `element ${i} of a string array is not a string`);
    let c = 0;
    for (const ch of s) {
      const cp = ch.codePointAt(0)!;
      if (c >= length) {
        throw new BrainfitIOError(
          "BAD_ARRAY",
          `string element ${i} ("${s.slice(0, 40)}") is longer than its dtype allows (${length}); use a wider dtype such as "<U${
            [...s].length
          }"`,
        );
      }
      if (kind === "U") view.setUint32((i * length + c) * 4, cp, true);
      else {
        if (cp > 0xff) {
          throw new BrainfitIOError(
            "BAD_ARRAY",
            `string element ${i} has a character beyond latin-1, which a byte-string dtype ("|S") cannot hold; use "<U${length}"`,
          );
        }
        body[i * length + c] = cp;
      }
      c++;
    }
  }
}

/** Whether a dtype name is one that writeNpy accepts. */
export function isWritableDType(dtype: string): boolean {
  return isNumericDType(dtype) || parseStringDType(dtype) !== undefined;
}
