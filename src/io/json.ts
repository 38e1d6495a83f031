// JSON for arrays and results: valid JSON everywhere, exact round trip, numpy-friendly.
//
// An NdArray is written as {"dtype": "float64", "shape": [2, 3], "data": [[...], [...]]}, data
// nested like ndarray.tolist(), so np.array(obj["data"], dtype=obj["dtype"]) rebuilds it.
// Non-finite floats, which JSON cannot hold as numbers, are the strings "NaN", "Infinity" and
// "-Infinity" (Python's float() and np.array(..., dtype=float) accept them); -0 is written -0.0.
// int64/uint64 values beyond ±2^53 are written as decimal strings so no reader rounds them.
import { BrainfitIOError } from "./errors.ts";
import { roundToHalf } from "./half.ts";
import {
  allocNumeric,
  type ArrayData,
  isNumericDType,
  type NdArray,
  type NumericDType,
  parseStringDType,
  shapeSize,
  validateArray,
} from "./ndarray.ts";
import { formatNumber } from "./text.ts";

/** Values writeJson accepts: JSON values, NdArrays, typed arrays (written as lists), Maps are not. */
export type JsonInput = unknown;

function isNdArray(x: unknown): x is NdArray {
  return typeof x === "object" && x !== null && typeof (x as NdArray).dtype === "string" && Array.isArray((x as NdArray).shape) &&
    typeof (x as NdArray).data === "object" && (x as NdArray).data !== null;
}

function numberText(x: number, precision: "float64" | "float32" | "float16"): string {
  if (Number.isNaN(x)) return '"NaN"';
  if (x === Infinity) return '"Infinity"';
  if (x === -Infinity) return '"-Infinity"';
  // "-0" would be the integer 0 in Python; "-0.0" is -0 for every reader
  if (Object.is(x, -0)) return "-0.0";
  return formatNumber(x, precision);
}

const SAFE = 2n ** 53n;

function elementText(arr: NdArray, i: number): string {
  const v = arr.data[i]!;
  if (typeof v === "string") return JSON.stringify(v);
  if (typeof v === "bigint") return v > SAFE || v < -SAFE ? `"${v}"` : v.toString();
  if (arr.dtype === "bool") return v ? "true" : "false";
  const precision = arr.dtype === "float32" ? "float32" : arr.dtype === "float16" ? "float16" : "float64";
  return numberText(v, precision);
}

function ndarrayText(arr: NdArray): string {
  validateArray(arr);
  const shape = arr.shape;
  let i = 0;
  const nest = (axis: number): string => {
    if (axis === shape.length) return elementText(arr, i++);
    const parts: string[] = [];
    for (let k = 0; k < shape[axis]!; k++) parts.push(nest(axis + 1));
    return `[${parts.join(",")}]`;
  };
  // an empty array still needs its nesting, e.g. shape [0] -> [] and [2, 0] -> [[],[]]
  return `{"dtype":${JSON.stringify(arr.dtype)},"shape":[${shape.join(",")}],"data":${nest(0)}}`;
}

function valueText(v: unknown, depth: number): string {
  if (depth > 64) throw new BrainfitIOError("WRITE_UNSUPPORTED", "value nests deeper than 64 levels (is it cyclic?)");
  if (v === null || v === undefined) return "null";
  if (typeof v === "number") return numberText(v, "float64");
  if (typeof v === "bigint") return v > SAFE || v < -SAFE ? `"${v}"` : v.toString();
  if (typeof v === "string" || typeof v === "boolean") return JSON.stringify(v);
  if (isNdArray(v)) return ndarrayText(v);
  if (ArrayBuffer.isView(v) && !(v instanceof DataView)) {
    const arr = v as unknown as ArrayLike<number | bigint>;
    const precision = v instanceof Float32Array ? "float32" : "float64";
    const parts: string[] = [];
    for (let i = 0; i < arr.length; i++) {
      const x = arr[i]!;
      parts.push(typeof x === "bigint" ? valueText(x, depth + 1) : numberText(x, precision));
    }
    return `[${parts.join(",")}]`;
  }
  if (Array.isArray(v)) return `[${v.map((x) => valueText(x, depth + 1)).join(",")}]`;
  if (typeof v === "object") {
    if (typeof (v as { toJSON?: unknown }).toJSON === "function") return valueText((v as { toJSON: () => unknown }).toJSON(), depth + 1);
    const parts: string[] = [];
    for (const [k, x] of Object.entries(v as Record<string, unknown>)) {
      if (x === undefined || typeof x === "function") continue;
      parts.push(`${JSON.stringify(k)}:${valueText(x, depth + 1)}`);
    }
    return `{${parts.join(",")}}`;
  }
  throw new BrainfitIOError("WRITE_UNSUPPORTED", `cannot write a ${typeof v} as JSON`);
}

/**
 * Encodes an NdArray, or any JSON-like value containing NdArrays and typed arrays (e.g. a fit
 * result), as UTF-8 JSON. See the module comment for the encoding of non-finite numbers.
 *
 * @example
 * ```ts
 * import { ndarray, saveFile, writeJson } from "brainfit/io";
 * await saveFile("out/result.json", writeJson({ G: 0.02, fc: ndarray(Float64Array.from([1, 0.5, 0.5, 1]), [2, 2]) }));
 * ```
 */
export function writeJson(value: JsonInput): Uint8Array {
  return new TextEncoder().encode(valueText(value, 0));
}

/** Same as writeJson but returns the string. */
export function toJsonText(value: JsonInput): string {
  return valueText(value, 0);
}

function decodeNumber(x: unknown, dtype: NumericDType, where: string): number | bigint {
  if (dtype === "int64" || dtype === "uint64") {
    if (typeof x === "number" && Number.isInteger(x)) return BigInt(x);
    if (typeof x === "string" && /^-?\d+$/.test(x)) return BigInt(x);
    throw new BrainfitIOError("JSON_BAD", `${where}: ${JSON.stringify(x)} is not an integer`);
  }
  if (dtype === "bool") {
    if (typeof x === "boolean") return x ? 1 : 0;
    if (x === 0 || x === 1) return x;
    throw new BrainfitIOError("JSON_BAD", `${where}: ${JSON.stringify(x)} is not a boolean`);
  }
  if (typeof x === "number") return x;
  if (x === "NaN" || x === "nan") return NaN;
  if (x === "Infinity" || x === "inf") return Infinity;
  if (x === "-Infinity" || x === "-inf") return -Infinity;
  throw new BrainfitIOError("JSON_BAD", `${where}: ${JSON.stringify(x)} is not a number`);
}

/** Rebuilds an NdArray from the {dtype, shape, data} envelope written by writeJson. */
export function ndarrayFromJson(obj: { dtype: string; shape: number[]; data: unknown }, source?: string): NdArray {
  const where = source ?? "JSON array";
  const { dtype, shape } = obj;
  if (!Array.isArray(shape) || !shape.every((d) => Number.isSafeInteger(d) && d >= 0)) {
    throw new BrainfitIOError("JSON_BAD", `${where}: "shape" must be a list of non-negative integers`);
  }
  if (shape.length > 64) throw new BrainfitIOError("JSON_BAD", `${where}: ${shape.length} dimensions; at most 64 are supported`);
  const n = shapeSize(shape);
  const flat: unknown[] = [];
  const walk = (x: unknown, axis: number): void => {
    if (axis === shape.length) {
      if (flat.length >= n) throw new BrainfitIOError("JSON_BAD", `${where}: "data" holds more values than shape [${shape.join(", ")}]`);
      flat.push(x);
      return;
    }
    if (!Array.isArray(x) || x.length !== shape[axis]) {
      throw new BrainfitIOError("JSON_BAD", `${where}: "data" does not match shape [${shape.join(", ")}] at axis ${axis}`);
    }
    for (const y of x) walk(y, axis + 1);
  };
  walk(obj.data, 0);
  let data: ArrayData;
  const str = parseStringDType(dtype);
  if (str) {
    if (!flat.every((x) => typeof x === "string")) throw new BrainfitIOError("JSON_BAD", `${where}: a ${dtype} array must hold strings`);
    data = flat as string[];
  } else if (isNumericDType(dtype)) {
    const out = allocNumeric(dtype, n);
    for (let i = 0; i < n; i++) {
      const v = decodeNumber(flat[i], dtype, where);
      (out as unknown as { [k: number]: number | bigint })[i] = dtype === "float16" ? roundHalf(v as number) : v;
    }
    data = out;
  } else {
    throw new BrainfitIOError("JSON_BAD", `${where}: unknown dtype "${dtype}"`);
  }
  return { dtype, shape: [...shape], data };
}

/** float16 values live in a Float32Array; round what was read to half precision. */
function roundHalf(x: number): number {
  return roundToHalf(x);
}

function isEnvelope(x: unknown): x is { dtype: string; shape: number[]; data: unknown } {
  return typeof x === "object" && x !== null && !Array.isArray(x) && typeof (x as { dtype?: unknown }).dtype === "string" &&
    Array.isArray((x as { shape?: unknown }).shape) && "data" in x;
}

/**
 * Parses JSON written by writeJson, turning every {dtype, shape, data} envelope back into an
 * NdArray (exact values, including NaN/±Inf, -0 and 64-bit integers).
 */
export function readJson(input: Uint8Array | string, source?: string): unknown {
  const text = typeof input === "string" ? input : new TextDecoder("utf-8").decode(input);
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch (e) {
    throw new BrainfitIOError("JSON_BAD", `not valid JSON (${(e as Error).message})`, { source, cause: e });
  }
  const revive = (x: unknown, depth: number): unknown => {
    if (depth > 64) return x;
    if (isEnvelope(x)) return ndarrayFromJson(x, source);
    if (Array.isArray(x)) return x.map((y) => revive(y, depth + 1));
    if (typeof x === "object" && x !== null) {
      const out: Record<string, unknown> = {};
      for (const [k, y] of Object.entries(x)) out[k] = revive(y, depth + 1);
      return out;
    }
    return x;
  };
  return revive(parsed, 0);
}

/**
 * JSON to one NdArray: an envelope, or a (nested) list of numbers read as float64
 * (the strings "NaN", "Infinity", "-Infinity" allowed).
 */
export function parseJsonArray(input: Uint8Array | string, source?: string): NdArray {
  const v = readJson(input, source);
  if (isNdArray(v)) return v;
  if (Array.isArray(v)) {
    const shape: number[] = [];
    let probe: unknown = v;
    while (Array.isArray(probe)) {
      shape.push(probe.length);
      probe = probe[0];
    }
    return ndarrayFromJson({ dtype: "float64", shape, data: v }, source);
  }
  throw new BrainfitIOError("JSON_BAD", "JSON holds neither an array envelope {dtype, shape, data} nor a list of numbers", { source });
}
