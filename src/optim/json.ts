// JSON encoding that round-trips every double exactly: finite numbers are written as
// JSON numbers (shortest round-trip representation), while NaN, ±Infinity and -0
// (which JSON.stringify would turn into null or 0) are written as {"$f": "NaN"} etc.

export type JsonValue = null | boolean | number | string | JsonValue[] | { [key: string]: JsonValue };

const SPECIAL_KEY = "$f";

/** Encode a plain value (numbers, strings, booleans, null, arrays, typed arrays, plain
 *  objects) into JSON-safe form. `undefined` object fields are dropped. */
export function encodeJson(value: unknown): JsonValue {
  if (typeof value === "number") {
    if (Number.isNaN(value)) return { [SPECIAL_KEY]: "NaN" };
    if (value === Infinity) return { [SPECIAL_KEY]: "Infinity" };
    if (value === -Infinity) return { [SPECIAL_KEY]: "-Infinity" };
    if (value === 0 && 1 / value < 0) return { [SPECIAL_KEY]: "-0" };
    return value;
  }
  if (value === null || typeof value === "string" || typeof value === "boolean") return value;
  if (Array.isArray(value)) return value.map(encodeJson);
  if (ArrayBuffer.isView(value) && !(value instanceof DataView)) {
    return Array.from(value as unknown as ArrayLike<number>, encodeJson);
  }
  if (typeof value === "object") {
    const out: { [key: string]: JsonValue } = {};
    for (const [k, v] of Object.entries(value as Record<string, unknown>)) {
      if (v === undefined) continue;
      out[k] = encodeJson(v);
    }
    return out;
  }
  throw new TypeError(`encodeJson: cannot encode a value of type ${typeof value}`);
}

/** Inverse of encodeJson. */
export function decodeJson(value: JsonValue): unknown {
  if (Array.isArray(value)) return value.map(decodeJson);
  if (value !== null && typeof value === "object") {
    const keys = Object.keys(value);
    if (keys.length === 1 && keys[0] === SPECIAL_KEY) {
      switch (value[SPECIAL_KEY]) {
        case "NaN":
          return NaN;
        case "Infinity":
          return Infinity;
        case "-Infinity":
          return -Infinity;
        case "-0":
          return -0;
        default:
          throw new SyntaxError(`decodeJson: unknown special number ${String(value[SPECIAL_KEY])}`);
      }
    }
    const out: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(value)) out[k] = decodeJson(v);
    return out;
  }
  return value;
}

/** Deep copy of a plain data value (arrays, objects, primitives); typed arrays become arrays. */
export function cloneData<T>(value: T): T {
  return decodeJson(encodeJson(value)) as T;
}
