// fast-check generators of NdArrays of every dtype and shape.
import fc from "fast-check";
import { halfToNumber } from "../../src/io/half.ts";
import type { NdArray, NumericDType } from "../../src/io/index.ts";

const INT_RANGE: Record<string, [number, number]> = {
  int8: [-128, 127],
  int16: [-32768, 32767],
  int32: [-(2 ** 31), 2 ** 31 - 1],
  uint8: [0, 255],
  uint16: [0, 65535],
  uint32: [0, 2 ** 32 - 1],
};

export const shapeArb = (maxDims = 4, maxDim = 4): fc.Arbitrary<number[]> =>
  fc.array(fc.integer({ min: 0, max: maxDim }), { minLength: 0, maxLength: maxDims });

function sizeOf(shape: number[]): number {
  return shape.reduce((a, b) => a * b, 1);
}

export function numericArb(dtype: NumericDType, shape: number[], opts: { safeInt64?: boolean } = {}): fc.Arbitrary<NdArray> {
  const n = sizeOf(shape);
  const wrap = <T>(arb: fc.Arbitrary<T>, make: (xs: T[]) => NdArray["data"]) =>
    fc.array(arb, { minLength: n, maxLength: n }).map((xs) => ({ dtype, shape, data: make(xs) }) as NdArray);
  switch (dtype) {
    case "bool":
      return wrap(fc.boolean(), (xs) => Uint8Array.from(xs, (b) => (b ? 1 : 0)));
    case "float64":
      return wrap(fc.double(), (xs) => Float64Array.from(xs));
    case "float32":
      return wrap(fc.float(), (xs) => Float32Array.from(xs));
    case "float16":
      return wrap(fc.integer({ min: 0, max: 0xffff }), (xs) => Float32Array.from(xs, halfToNumber));
    case "int64":
      return opts.safeInt64
        ? wrap(fc.integer({ min: Number.MIN_SAFE_INTEGER, max: Number.MAX_SAFE_INTEGER }), (xs) => BigInt64Array.from(xs, (x) => BigInt(x)))
        : wrap(fc.bigInt(-(2n ** 63n), 2n ** 63n - 1n), (xs) => BigInt64Array.from(xs));
    case "uint64":
      return opts.safeInt64
        ? wrap(fc.integer({ min: 0, max: Number.MAX_SAFE_INTEGER }), (xs) => BigUint64Array.from(xs, (x) => BigInt(x)))
        : wrap(fc.bigInt(0n, 2n ** 64n - 1n), (xs) => BigUint64Array.from(xs));
    default: {
      const [lo, hi] = INT_RANGE[dtype]!;
      const make = {
        int8: (xs: number[]) => Int8Array.from(xs),
        int16: (xs: number[]) => Int16Array.from(xs),
        int32: (xs: number[]) => Int32Array.from(xs),
        uint8: (xs: number[]) => Uint8Array.from(xs),
        uint16: (xs: number[]) => Uint16Array.from(xs),
        uint32: (xs: number[]) => Uint32Array.from(xs),
      }[dtype as "int8"]!;
      return wrap(fc.integer({ min: lo, max: hi }), make);
    }
  }
}

export const NUMERIC: NumericDType[] = [
  "bool",
  "int8",
  "int16",
  "int32",
  "int64",
  "uint8",
  "uint16",
  "uint32",
  "uint64",
  "float16",
  "float32",
  "float64",
];

/** Unicode (<Un) or byte (|Sn) string arrays; trailing NULs are excluded because numpy strips them. */
export function stringArb(shape: number[]): fc.Arbitrary<NdArray> {
  const n = sizeOf(shape);
  return fc.oneof(
    fc.integer({ min: 1, max: 8 }).chain((len) =>
      fc
        .array(
          fc.string({ unit: "binary", maxLength: len }).filter((s) => [...s].length <= len && !s.endsWith("\0")),
          { minLength: n, maxLength: n },
        )
        .map((xs) => ({ dtype: `<U${len}`, shape, data: xs }) as NdArray)
    ),
    fc.integer({ min: 1, max: 8 }).chain((len) =>
      fc
        .array(
          fc.string({ unit: fc.integer({ min: 1, max: 255 }).map((c) => String.fromCharCode(c)), maxLength: len }),
          { minLength: n, maxLength: n },
        )
        .map((xs) => ({ dtype: `|S${len}`, shape, data: xs }) as NdArray)
    ),
  );
}

export const anyArrayArb = (opts: { strings?: boolean; safeInt64?: boolean; maxDims?: number } = {}): fc.Arbitrary<NdArray> =>
  shapeArb(opts.maxDims ?? 4).chain((shape) => {
    const choices = NUMERIC.map((dt) => numericArb(dt, shape, opts));
    if (opts.strings ?? true) choices.push(stringArb(shape));
    return fc.oneof(...choices);
  });
