// Exact JSON for what travels through the queue: BullMQ stores job data and return values as
// JSON, which would turn NaN and ±Infinity into null, drop the sign of −0 and spell typed arrays
// as objects. Here non-finite numbers and −0 become {"$num": "..."} and typed arrays
// {"$ta": type, "b64": bytes}, so a candidate's x and its results come back bit for bit.
import { Buffer } from "node:buffer";

const TYPED = { Float64Array, Float32Array, Int32Array, Uint32Array, Uint8Array } as const;
type TypedName = keyof typeof TYPED;

function replacer(this: unknown, _key: string, value: unknown): unknown {
  if (typeof value === "number") {
    if (Number.isNaN(value)) return { $num: "NaN" };
    if (value === Infinity) return { $num: "Infinity" };
    if (value === -Infinity) return { $num: "-Infinity" };
    if (Object.is(value, -0)) return { $num: "-0" };
    return value;
  }
  if (ArrayBuffer.isView(value) && !(value instanceof DataView)) {
    const name = value.constructor.name as TypedName;
    if (!(name in TYPED)) throw new TypeError(`codec: cannot encode a ${name}`);
    return { $ta: name, b64: Buffer.from(value.buffer, value.byteOffset, value.byteLength).toString("base64") };
  }
  return value;
}

function reviver(_key: string, value: unknown): unknown {
  if (value && typeof value === "object" && !Array.isArray(value)) {
    const v = value as { $num?: string; $ta?: TypedName; b64?: string };
    if (typeof v.$num === "string" && Object.keys(v).length === 1) return v.$num === "-0" ? -0 : Number(v.$num);
    if (typeof v.$ta === "string" && typeof v.b64 === "string") {
      const Ctor = TYPED[v.$ta];
      if (!Ctor) throw new TypeError(`codec: unknown typed array ${v.$ta}`);
      const bytes = Buffer.from(v.b64, "base64");
      // Copy into a fresh, aligned buffer.
      const out = new Ctor(bytes.byteLength / Ctor.BYTES_PER_ELEMENT);
      new Uint8Array(out.buffer).set(bytes);
      return out;
    }
  }
  return value;
}

export function encode(value: unknown): string {
  return JSON.stringify(value, replacer);
}

export function decode<T = unknown>(text: string): T {
  return JSON.parse(text, reviver) as T;
}
