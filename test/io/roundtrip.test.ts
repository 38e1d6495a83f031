// Write then read gives back exactly the same array, for every dtype and shape (fast-check).
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { roundToHalf } from "../../src/io/half.ts";
import {
  loadArray,
  type NdArray,
  parseArray,
  parseNpy,
  parseTextMatrix,
  toFloat64,
  writeCsv,
  writeJson,
  writeMat,
  writeNpy,
  writeNpz,
} from "../../src/io/index.ts";
import { arraysEqual } from "../../src/io/ndarray.ts";
import { formatNumber } from "../../src/io/text.ts";
import { parseMatAll } from "../../src/io/mat.ts";
import { parseNpzAll } from "../../src/io/npz.ts";
import { readJson } from "../../src/io/json.ts";
import { anyArrayArb, NUMERIC, numericArb, shapeArb } from "./arbitraries.ts";

const RUNS = 300;

function explain(a: NdArray, b: NdArray): string {
  return `${a.dtype}[${a.shape}] vs ${b.dtype}[${b.shape}]: ${String(Array.from(a.data as ArrayLike<unknown>).slice(0, 6))} / ${
    String(Array.from(b.data as ArrayLike<unknown>).slice(0, 6))
  }`;
}

describe("round trips", () => {
  it(".npy: every dtype and shape, bit-exact", () => {
    fc.assert(
      fc.property(anyArrayArb(), (a) => {
        const back = parseNpy(writeNpy(a));
        if (!arraysEqual(a, back)) throw new Error(explain(a, back));
        // sniffing picks .npy from the magic
        expect(parseArray(writeNpy(a)).dtype).toBe(a.dtype);
      }),
      { numRuns: RUNS },
    );
  });

  it(".npz: several arrays, stored or deflated", () => {
    fc.assert(
      fc.property(fc.array(anyArrayArb({ maxDims: 3 }), { minLength: 1, maxLength: 3 }), fc.boolean(), (arrays, compress) => {
        const record: Record<string, NdArray> = {};
        arrays.forEach((a, i) => (record[`k${i}`] = a));
        const back = parseNpzAll(writeNpz(record, { compress }));
        expect(Object.keys(back)).toEqual(Object.keys(record));
        for (const k of Object.keys(record)) if (!arraysEqual(record[k]!, back[k]!)) throw new Error(explain(record[k]!, back[k]!));
      }),
      { numRuns: 150 },
    );
  });

  it(".mat: numeric and logical arrays (MATLAB shapes are at least 2-D)", () => {
    fc.assert(
      fc.property(shapeArb(4).chain((shape) => fc.oneof(...NUMERIC.map((dt) => numericArb(dt, shape)))), fc.boolean(), (a, compress) => {
        const back = parseMatAll(writeMat({ x: a }, { compress }))["x"]!;
        const shape = a.shape.length === 0 ? [1, 1] : a.shape.length === 1 ? [1, a.shape[0]!] : a.shape;
        const dtype = a.dtype === "float16" ? "float32" : a.dtype;
        const expected: NdArray = { dtype, shape, data: a.data };
        if (!arraysEqual(expected, back)) throw new Error(explain(expected, back));
      }),
      { numRuns: 200 },
    );
  });

  it("JSON: every dtype, including NaN/±Inf, -0, 64-bit integers and strings", () => {
    fc.assert(
      fc.property(anyArrayArb(), (a) => {
        const bytes = writeJson({ result: a, note: "x" });
        const back = (readJson(bytes) as { result: NdArray }).result;
        if (!arraysEqual(a, back)) throw new Error(explain(a, back));
        // standard JSON: parses with the platform parser
        JSON.parse(new TextDecoder().decode(bytes));
      }),
      { numRuns: RUNS },
    );
  });

  it("CSV: exact values for 1-D and 2-D numeric arrays (float32/16 via shortest text)", () => {
    const arb = fc
      .tuple(fc.integer({ min: 1, max: 6 }), fc.integer({ min: 1, max: 6 }), fc.boolean())
      .chain(([r, c, twoD]) => fc.oneof(...NUMERIC.map((dt) => numericArb(dt, twoD ? [r, c] : [r], { safeInt64: true }))));
    fc.assert(
      fc.property(arb, fc.boolean(), (a, withHeader) => {
        const cols = a.shape.length === 2 ? a.shape[1]! : 1;
        const header = withHeader ? Array.from({ length: cols }, (_, i) => `col ${i}`) : undefined;
        const text = writeCsv(a, header ? { header } : {});
        const back = parseTextMatrix(text, { ndmin: 2 });
        expect(back.header).toEqual(header);
        const rows = a.shape[0]!;
        expect(back.array.shape).toEqual([rows, cols]);
        const want = toFloat64(a).data;
        const round = a.dtype === "float32" ? Math.fround : a.dtype === "float16" ? roundToHalf : (x: number) => x;
        for (let i = 0; i < want.length; i++) {
          if (!Object.is(round(back.array.data[i]!), want[i])) throw new Error(`${a.dtype} ${want[i]} -> ${back.array.data[i]}`);
        }
      }),
      { numRuns: RUNS },
    );
  });

  it("formatNumber gives the shortest text for float32 and numpy's nan/inf spelling", () => {
    expect(formatNumber(Math.fround(0.1), "float32")).toBe("0.1");
    expect(formatNumber(0.1)).toBe("0.1");
    expect(formatNumber(NaN)).toBe("nan");
    expect(formatNumber(-Infinity)).toBe("-inf");
    expect(formatNumber(-0)).toBe("-0");
    expect(formatNumber(5e-324)).toBe("5e-324");
  });

  it("loadArray reads JSON written by writeJson and plain nested lists", async () => {
    const a: NdArray = { dtype: "float64", shape: [2, 2], data: Float64Array.from([1, NaN, -0, Infinity]) };
    const back = await loadArray(writeJson(a));
    expect(arraysEqual(a, back)).toBe(true);
    const list = await loadArray(new TextEncoder().encode('[[1, 2.5], [3, "NaN"]]'));
    expect(list.shape).toEqual([2, 2]);
    expect(Array.from(list.data as Float64Array)).toEqual([1, 2.5, 3, NaN]);
  });
});
