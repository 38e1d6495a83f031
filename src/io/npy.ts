// NumPy .npy format, versions 1.0, 2.0 and 3.0
// (https://numpy.org/doc/stable/reference/generated/numpy.lib.format.html).
import { BrainfitIOError } from "./errors.ts";
import { halfToNumber, numberToHalf } from "./half.ts";
import {
  allocNumeric,
  fortranToC,
  isNumericDType,
  numericItemsize,
  parseStringDType,
  validateArray,
  type ArrayData,
  type NdArray,
  type NumericDType,
} from "./ndarray.ts";
import { parsePyLiteral, PyTuple } from "./pyliteral.ts";

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

function parseDescr(descr: unknown, source: string | undefined): DescrInfo {
  if (typeof descr !== "string") {
    throw new BrainfitIOError(
      "NPY_UNSUPPORTED_DTYPE",
      `structured (record) dtype ${JSON.stringify(descr)} is not supported; save each field as its own array, e.g. np.savez(f, **{name: a[name] for name in a.dtype.names})`,
      { source },
    );
  }
  const m = /^([<>|=]?)([a-zA-Z?]+)(\d*)(\[.*\])?$/.exec(descr);
  if (!m) throw new BrainfitIOError("NPY_BAD_HEADER", `cannot parse dtype descr "${descr}"`, { source });
  const order = m[1]!;
  const kind = m[2]!;
  const size = m[3]!;
  const littleEndian = order === ">" ? false : order === "=" ? HOST_LITTLE_ENDIAN : true;
  if (kind === "O") {
    throw new BrainfitIOError(
      "NPY_OBJECT_ARRAY",
      "this is a pickled object array (dtype 'O'), which brainfit never unpickles (it can run arbitrary code); convert it in Python to a numeric or str dtype and re-save without pickle, e.g. np.save(f, np.asarray(a, dtype=float), allow_pickle=False) or np.save(f, a.astype(str), allow_pickle=False)",
      { source },
    );
  }
  const numeric = KIND_TO_DTYPE[kind + size] ?? (kind === "?" && size === "" ? "bool" : undefined);
  if (numeric && !m[4]) return { dtype: numeric, itemsize: numericItemsize(numeric), littleEndian };
  if ((kind === "U" || kind === "S" || kind === "a") && /^\d+$/.test(size)) {
    const n = Number(size);
    if (kind === "U") return { dtype: `<U${n}`, itemsize: 4 * n, littleEndian };
    return { dtype: `|S${n}`, itemsize: n, littleEndian };
  }
  const why =
    kind === "c"
      ? "complex arrays are not supported; save np.real(a) and np.imag(a) as separate arrays"
      : kind === "M" || kind === "m"
        ? "datetime/timedelta arrays are not supported; save a.astype('int64') or a float array of seconds"
        : kind === "f" && (size === "16" || size === "12")
          ? "long double (float128) is not supported; save a.astype(np.float64)"
          : "use one of bool, int8..int64, uint8..uint64, float16/32/64 or a str (U) dtype";
  throw new BrainfitIOError("NPY_UNSUPPORTED_DTYPE", `dtype "${descr}" is not supported: ${why}`, { source });
}

/** Reads and validates a .npy header without touching the data. */
export function readNpyHeader(bytes: Uint8Array, source?: string): NpyHeader {
  if (!isNpy(bytes)) {
    throw new BrainfitIOError("NPY_BAD_MAGIC", "not a .npy file (it does not start with \\x93NUMPY); save arrays with numpy.save", { source });
  }
  if (bytes.length < 10) throw new BrainfitIOError("NPY_TRUNCATED", `file ends after ${bytes.length} bytes, inside the .npy preamble`, { source });
  const major = bytes[6]!;
  const minor = bytes[7]!;
  let headerLen: number;
  let start: number;
  if (major === 1) {
    headerLen = bytes[8]! | (bytes[9]! << 8);
    start = 10;
  } else if (major === 2 || major === 3) {
    if (bytes.length < 12) throw new BrainfitIOError("NPY_TRUNCATED", `file ends after ${bytes.length} bytes, inside the .npy preamble`, { source });
    headerLen = (bytes[8]! | (bytes[9]! << 8) | (bytes[10]! << 16)) + bytes[11]! * 2 ** 24;
    start = 12;
  } else {
    throw new BrainfitIOError("NPY_BAD_VERSION", `unknown .npy format version ${major}.${minor}; brainfit reads 1.0, 2.0 and 3.0 (re-save with a current numpy)`, { source });
  }
  if (start + headerLen > bytes.length) {
    throw new BrainfitIOError("NPY_TRUNCATED", `header claims ${headerLen} bytes but the file has only ${bytes.length - start} after the preamble; the file is truncated`, { source });
  }
  const raw = bytes.subarray(start, start + headerLen);
  const text = major === 3 ? new TextDecoder("utf-8").decode(raw) : latin1(raw);
  let dict: unknown;
  try {
    dict = parsePyLiteral(text.trim());
  } catch (e) {
    throw new BrainfitIOError("NPY_BAD_HEADER", `corrupt .npy header (${(e as Error).message}): ${JSON.stringify(text.slice(0, 120))}`, { source });
  }
  if (dict === null || typeof dict !== "object" || Array.isArray(dict) || dict instanceof PyTuple) {
    throw new BrainfitIOError("NPY_BAD_HEADER", "corrupt .npy header: it is not a dict", { source });
  }
  const d = dict as Record<string, unknown>;
  for (const key of ["descr", "fortran_order", "shape"]) {
    if (!(key in d)) throw new BrainfitIOError("NPY_BAD_HEADER", `corrupt .npy header: missing key '${key}'`, { source });
  }
  const info = parseDescr(d["descr"], source);
  if (typeof d["fortran_order"] !== "boolean") {
    throw new BrainfitIOError("NPY_BAD_HEADER", "corrupt .npy header: 'fortran_order' must be True or False", { source });
  }
  const shapeV = d["shape"];
  const dims = shapeV instanceof PyTuple ? shapeV.items : Array.isArray(shapeV) ? shapeV : typeof shapeV === "number" ? [shapeV] : undefined;
  if (!dims || !dims.every((x) => typeof x === "number" && Number.isInteger(x) && x >= 0)) {
    throw new BrainfitIOError("NPY_BAD_HEADER", `corrupt .npy header: 'shape' must be a tuple of non-negative integers, got ${JSON.stringify(text.slice(0, 120))}`, { source });
  }
  return {
    dtype: info.dtype,
    descr: d["descr"] as string,
    shape: dims as number[],
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
 */
export function parseNpy(bytes: Uint8Array, source?: string): NdArray {
  const h = readNpyHeader(bytes, source);
  // Check the implied size against the bytes actually present BEFORE allocating anything.
  const available = bytes.length - h.dataOffset;
  let count = 1;
  for (const d of h.shape) count *= d;
  const needed = count * h.itemsize;
  if (h.itemsize === 0 && count > 1 << 20) {
    throw new BrainfitIOError("NPY_BAD_HEADER", `header claims ${count} elements of zero-width dtype ${h.descr}; the header is corrupt`, { source });
  }
  if (!Number.isSafeInteger(count) || !(needed <= available)) {
    throw new BrainfitIOError(
      "NPY_TRUNCATED",
      `header claims shape (${h.shape.join(", ")}) of ${h.descr} = ${needed} bytes but the file holds only ${available} bytes of data; the file is truncated or its header corrupt`,
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
  if (h.fortranOrder && h.shape.length > 1) data = fortranToC(data, h.shape);
  return { dtype: h.dtype, shape: h.shape, data };
}

function decodeNumeric(raw: Uint8Array, count: number, dtype: NumericDType, fileLittle: boolean): Exclude<ArrayData, string[]> {
  const itemsize = numericItemsize(dtype);
  if (dtype === "float16") {
    const out = new Float32Array(count);
    for (let i = 0, p = 0; i < count; i++, p += 2) {
      const bits = fileLittle ? raw[p]! | (raw[p + 1]! << 8) : (raw[p]! << 8) | raw[p + 1]!;
      out[i] = halfToNumber(bits);
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

function decodeStrings(raw: Uint8Array, count: number, kind: "U" | "S", length: number, fileLittle: boolean, source: string | undefined): string[] {
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
        throw new BrainfitIOError("NPY_BAD_DATA", `string element ${i} holds an invalid code point 0x${cp.toString(16)}; the file is corrupt`, { source });
      }
      s += String.fromCodePoint(cp);
    }
    out[i] = s;
  }
  return out;
}

function descrOf(arr: NdArray): { descr: string; itemsize: number } {
  const str = parseStringDType(arr.dtype);
  if (str) return str.kind === "U" ? { descr: `<U${str.length}`, itemsize: 4 * str.length } : { descr: `|S${str.length}`, itemsize: str.length };
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

/** Encodes an NdArray as a .npy file (format 1.0, little-endian, C order) that numpy.load reads. */
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
    for (let i = 0, p = 0; i < n; i++, p += 2) {
      const h = numberToHalf(src[i]!);
      body[p] = h & 0xff;
      body[p + 1] = h >> 8;
    }
  } else {
    const src = arr.data as Exclude<ArrayData, string[]>;
    body.set(new Uint8Array(src.buffer, src.byteOffset, src.byteLength));
    if (itemsize > 1 && !HOST_LITTLE_ENDIAN) swapBytes(body, itemsize);
    if (arr.dtype === "bool") for (let i = 0; i < n; i++) if (body[i] !== 0) body[i] = 1;
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
        throw new BrainfitIOError("BAD_ARRAY", `string element ${i} ("${s.slice(0, 40)}") is longer than its dtype allows (${length}); use a wider dtype such as "<U${[...s].length}"`);
      }
      if (kind === "U") view.setUint32((i * length + c) * 4, cp, true);
      else {
        if (cp > 0xff) throw new BrainfitIOError("BAD_ARRAY", `string element ${i} has a character beyond latin-1, which a byte-string dtype ("|S") cannot hold; use "<U${length}"`);
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
