// The n-dimensional array type every reader returns and every writer accepts.
// It mirrors numpy: a dtype name, a shape, and C-order (row-major) flat data.
import { BrainfitIOError } from "./errors.ts";

/**
 * numpy's names of the numeric dtypes brainfit reads and writes.
 *
 * @example
 * ```ts
 * import { ndarray, type NumericDType } from "brainfit/io";
 * const dtype: NumericDType = "float32";
 * const a = ndarray(new Float32Array(4), [4], dtype);
 * ```
 */
export type NumericDType =
  | "bool"
  | "int8"
  | "int16"
  | "int32"
  | "int64"
  | "uint8"
  | "uint16"
  | "uint32"
  | "uint64"
  | "float16"
  | "float32"
  | "float64";

/** Flat element storage: a typed array for numbers (Uint8Array 0/1 for bool; Float32Array for float16), string[] for text. */
export type ArrayData =
  | Float64Array
  | Float32Array
  | Int8Array
  | Int16Array
  | Int32Array
  | BigInt64Array
  | Uint8Array
  | Uint16Array
  | Uint32Array
  | BigUint64Array
  | string[];

/**
 * An n-dimensional array. `dtype` uses numpy's names ("float64", "int32", "bool", "<U6" for
 * unicode strings of at most 6 characters, "|S4" for byte strings); `data` is in C order.
 *
 * @example
 * ```ts
 * import { ndarray, type NdArray } from "brainfit/io";
 * const a: NdArray = ndarray(Int32Array.from([1, 2, 3, 4]), [2, 2]);
 * console.log(a.dtype, a.shape, a.data); // "int32" [2, 2] Int32Array [1, 2, 3, 4]
 * ```
 */
export interface NdArray {
  dtype: string;
  shape: number[];
  data: ArrayData;
  /** Always absent or false: readers transpose Fortran-order input into C order. */
  fortranOrder?: false;
}

/** An NdArray known to hold float64 data. */
export interface Float64NdArray extends NdArray {
  dtype: "float64";
  data: Float64Array;
}

/** A dense row-major float64 matrix. */
export interface Float64Matrix {
  rows: number;
  cols: number;
  data: Float64Array;
}

interface NumericInfo {
  itemsize: number;
  /** Typed-array constructor that holds the values in memory. */
  make: (n: number) => Exclude<ArrayData, string[]>;
}

const NUMERIC: Record<NumericDType, NumericInfo> = {
  bool: { itemsize: 1, make: (n) => new Uint8Array(n) },
  int8: { itemsize: 1, make: (n) => new Int8Array(n) },
  int16: { itemsize: 2, make: (n) => new Int16Array(n) },
  int32: { itemsize: 4, make: (n) => new Int32Array(n) },
  int64: { itemsize: 8, make: (n) => new BigInt64Array(n) },
  uint8: { itemsize: 1, make: (n) => new Uint8Array(n) },
  uint16: { itemsize: 2, make: (n) => new Uint16Array(n) },
  uint32: { itemsize: 4, make: (n) => new Uint32Array(n) },
  uint64: { itemsize: 8, make: (n) => new BigUint64Array(n) },
  float16: { itemsize: 2, make: (n) => new Float32Array(n) },
  float32: { itemsize: 4, make: (n) => new Float32Array(n) },
  float64: { itemsize: 8, make: (n) => new Float64Array(n) },
};

/** All numeric dtype names, in a stable order. */
export const NUMERIC_DTYPES = Object.keys(NUMERIC) as NumericDType[];

export function isNumericDType(dtype: string): dtype is NumericDType {
  return Object.prototype.hasOwnProperty.call(NUMERIC, dtype);
}

/** Bytes per element of a numeric dtype as stored in .npy (float16 counts 2). */
export function numericItemsize(dtype: NumericDType): number {
  return NUMERIC[dtype].itemsize;
}

/** A zero-filled typed array of the in-memory type for `dtype`. */
export function allocNumeric(dtype: NumericDType, n: number): Exclude<ArrayData, string[]> {
  return NUMERIC[dtype].make(n);
}

/** Parses "<U6"/"U6"/"|S4"/"S4" into kind and length; undefined for anything else. */
export function parseStringDType(dtype: string): { kind: "U" | "S"; length: number } | undefined {
  const m = /^[<>|=]?([US])(\d+)$/.exec(dtype);
  if (!m) return undefined;
  return { kind: m[1] as "U" | "S", length: Number(m[2]) };
}

/** Product of a shape; throws on negative or non-integer dimensions. */
export function shapeSize(shape: readonly number[]): number {
  let n = 1;
  for (const d of shape) {
    if (!Number.isSafeInteger(d) || d < 0) {
      throw new BrainfitIOError(
        "BAD_ARRAY",
        `shape [${shape.join(", ")}] has an invalid dimension ${d}; dimensions must be non-negative integers`,
      );
    }
    n *= d;
  }
  return n;
}

function dtypeOfTypedArray(data: ArrayData): string {
  if (Array.isArray(data)) {
    let longest = 1;
    for (const s of data) longest = Math.max(longest, [...s].length);
    return `<U${longest}`;
  }
  if (data instanceof Float64Array) return "float64";
  if (data instanceof Float32Array) return "float32";
  if (data instanceof Int8Array) return "int8";
  if (data instanceof Int16Array) return "int16";
  if (data instanceof Int32Array) return "int32";
  if (data instanceof BigInt64Array) return "int64";
  if (data instanceof Uint8Array) return "uint8";
  if (data instanceof Uint16Array) return "uint16";
  if (data instanceof Uint32Array) return "uint32";
  if (data instanceof BigUint64Array) return "uint64";
  throw new BrainfitIOError("BAD_ARRAY", "data must be a typed array or string[]");
}

/**
 * Builds an NdArray, checking that the data length matches the shape. The dtype defaults to
 * the typed array's natural numpy name (pass "bool" for a Uint8Array of 0/1, "float16" for a
 * Float32Array of half-precision values). The shape defaults to 1-D.
 *
 * @example
 * ```ts
 * import { ndarray, writeNpy } from "brainfit/io";
 * const a = ndarray(Float64Array.from([1, 2, 3, 4, 5, 6]), [2, 3]); // dtype "float64", C order
 * const bytes = writeNpy(a);
 * ```
 */
export function ndarray(data: ArrayData, shape?: readonly number[], dtype?: string): NdArray {
  const s = shape ? [...shape] : [data.length];
  const n = shapeSize(s);
  if (n !== data.length) {
    throw new BrainfitIOError(
      "BAD_ARRAY",
      `data has ${data.length} elements but shape [${s.join(", ")}] needs ${n}; pass a matching shape`,
    );
  }
  const dt = dtype ?? dtypeOfTypedArray(data);
  validateArray({ dtype: dt, shape: s, data });
  return { dtype: dt, shape: s, data };
}

/** Throws BAD_ARRAY when the dtype, shape and data of `arr` do not agree. */
export function validateArray(arr: NdArray, what = "array"): void {
  if (arr === null || typeof arr !== "object") throw new BrainfitIOError("BAD_ARRAY", `${what} must be an NdArray {dtype, shape, data}`);
  if (!Array.isArray(arr.shape)) throw new BrainfitIOError("BAD_ARRAY", `${what}.shape must be an array of dimensions`);
  const n = shapeSize(arr.shape);
  if (arr.data === null || typeof arr.data !== "object" || typeof arr.data.length !== "number") {
    throw new BrainfitIOError("BAD_ARRAY", `${what}.data must be a typed array or string[]`);
  }
  if (arr.data.length !== n) {
    throw new BrainfitIOError("BAD_ARRAY", `${what}.data has ${arr.data.length} elements but shape [${arr.shape.join(", ")}] needs ${n}`);
  }
  if (arr.fortranOrder) throw new BrainfitIOError("BAD_ARRAY", `${what}.fortranOrder must be false: brainfit arrays are C order`);
  const str = parseStringDType(arr.dtype);
  if (str) {
    if (!Array.isArray(arr.data)) throw new BrainfitIOError("BAD_ARRAY", `${what} has dtype ${arr.dtype} but its data is not a string[]`);
    return;
  }
  if (!isNumericDType(arr.dtype)) {
    throw new BrainfitIOError(
      "BAD_ARRAY",
      `${what} has unknown dtype "${arr.dtype}"; use one of ${NUMERIC_DTYPES.join(", ")}, "<U<n>" or "|S<n>"`,
    );
  }
  const expected = allocNumeric(arr.dtype, 0);
  if (Array.isArray(arr.data) || arr.data.constructor !== expected.constructor) {
    const got = Array.isArray(arr.data) ? "string[]" : arr.data.constructor.name;
    throw new BrainfitIOError("BAD_ARRAY", `${what} has dtype ${arr.dtype} whose data must be a ${expected.constructor.name}, got ${got}`);
  }
}

/**
 * Returns a float64 view of a numeric array (the same object when it already is float64).
 * bool becomes 0/1; int64/uint64 values beyond 2^53 round to the nearest double.
 *
 * @example
 * ```ts
 * import { loadArray, toFloat64 } from "brainfit/io";
 * const sc = toFloat64(await loadArray("counts.npy")); // int32 counts → Float64Array data
 * ```
 */
export function toFloat64(arr: NdArray): Float64NdArray {
  if (arr.data instanceof Float64Array && arr.dtype === "float64") {
    return arr as Float64NdArray;
  }
  if (Array.isArray(arr.data)) {
    throw new BrainfitIOError(
      "BAD_ARRAY",
      `cannot convert a ${arr.dtype} string array to float64; select a numeric array (e.g. the "weights" key) instead`,
    );
  }
  const src = arr.data;
  const out = new Float64Array(src.length);
  if (src instanceof BigInt64Array || src instanceof BigUint64Array) {
    for (let i = 0; i < src.length; i++) out[i] = Number(src[i]);
  } else {
    out.set(src);
  }
  return { dtype: "float64", shape: [...arr.shape], data: out };
}

/**
 * The array as a row-major float64 matrix (sharing memory when it is already float64); throws NOT_A_MATRIX unless it is 2-D.
 *
 * @example
 * ```ts
 * import { asMatrix, loadArray } from "brainfit/io";
 * const { rows, cols, data } = asMatrix(await loadArray("sc.npy"), "sc"); // throws NOT_A_MATRIX unless 2-D
 * ```
 */
export function asMatrix(arr: NdArray, name = "array"): Float64Matrix {
  if (arr.shape.length !== 2) {
    const hint = arr.shape.length === 1
      ? ` (a 1-D array of ${arr.shape[0]} values; for a text file with one row or column load it with {ndmin: 2})`
      : "";
    throw new BrainfitIOError(
      "NOT_A_MATRIX",
      `${name} must be a 2-D matrix but has shape [${arr.shape.join(", ")}]${hint}`,
    );
  }
  const f = toFloat64(arr);
  return { rows: arr.shape[0]!, cols: arr.shape[1]!, data: f.data };
}

/**
 * Reorders Fortran-order (column-major) flat data of `shape` into C order.
 * Works for typed arrays and string[]; returns a new container of the same kind.
 */
export function fortranToC<T extends ArrayData>(src: T, shape: readonly number[]): T {
  const n = src.length;
  const nd = shape.length;
  const out = (Array.isArray(src) ? new Array<string>(n) : new (src.constructor as new (k: number) => T)(n)) as T;
  if (nd <= 1 || n === 0) {
    copyInto(out, src);
    return out;
  }
  const o = out as unknown as { [i: number]: unknown };
  const s = src as unknown as { [i: number]: unknown };
  if (nd === 2) {
    const rows = shape[0]!;
    const cols = shape[1]!;
    for (let r = 0; r < rows; r++) {
      const base = r * cols;
      for (let c = 0; c < cols; c++) o[base + c] = s[c * rows + r];
    }
    return out;
  }
  // Fortran strides: axis 0 moves fastest.
  const stride = new Array<number>(nd);
  let acc = 1;
  for (let k = 0; k < nd; k++) {
    stride[k] = acc;
    acc *= shape[k]!;
  }
  const idx = new Array<number>(nd).fill(0);
  let off = 0;
  for (let i = 0; i < n; i++) {
    o[i] = s[off];
    // advance the C-order odometer (last axis fastest), keeping the Fortran offset in step
    for (let k = nd - 1; k >= 0; k--) {
      idx[k]!++;
      off += stride[k]!;
      if (idx[k]! < shape[k]!) break;
      off -= stride[k]! * shape[k]!;
      idx[k] = 0;
    }
  }
  return out;
}

function copyInto(out: ArrayData, src: ArrayData): void {
  if (Array.isArray(out)) {
    for (let i = 0; i < src.length; i++) out[i] = (src as string[])[i]!;
  } else {
    (out as Float64Array).set(src as Float64Array);
  }
}

/** Element-wise equality of two arrays including dtype and shape; NaN equals NaN and -0 differs from 0. */
export function arraysEqual(a: NdArray, b: NdArray): boolean {
  if (a.dtype !== b.dtype || a.shape.length !== b.shape.length) return false;
  for (let i = 0; i < a.shape.length; i++) if (a.shape[i] !== b.shape[i]) return false;
  if (a.data.length !== b.data.length) return false;
  for (let i = 0; i < a.data.length; i++) {
    if (!Object.is(a.data[i], b.data[i])) return false;
  }
  return true;
}
