// Fuzzing: truncated files, corrupted headers, wrong magic, absurd shapes, malformed zips and
// MAT-files must end in a BrainfitIOError with a message (or a valid array) — never another
// exception, a hang, or a giant allocation. 12,000+ generated cases in total.
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import {
  BrainfitIOError,
  type NdArray,
  parseArray,
  parseNpy,
  parseTextMatrix,
  parseTvbZip,
  writeMat,
  writeNpy,
  writeNpz,
} from "../../src/io/index.ts";
import { parseJsonArray } from "../../src/io/json.ts";
import { parseMatAll } from "../../src/io/mat.ts";
import { parseNpzAll } from "../../src/io/npz.ts";
import { validateArray } from "../../src/io/ndarray.ts";
import { writeZip } from "../../src/io/zip.ts";
import { anyArrayArb, NUMERIC, numericArb, shapeArb } from "./arbitraries.ts";
import { fixture } from "./helpers.ts";

const MAX_BYTES = 1 << 22; // fuzzed inputs never justify more than 4 MiB of output

/** Runs a parser on hostile input: a valid array or a BrainfitIOError, nothing else. */
function survive(input: Uint8Array, parse: (b: Uint8Array) => NdArray | Record<string, NdArray> | unknown): void {
  try {
    const out = parse(input);
    const arrays = out && typeof out === "object" && "dtype" in (out as object)
      ? [out as NdArray]
      : Object.values((out ?? {}) as Record<string, NdArray>);
    for (const a of arrays) {
      if (a && typeof a === "object" && "dtype" in a) {
        validateArray(a);
        // no output larger than the input could justify (deflate's ratio bound, or the ceiling)
        const elements = a.data.length;
        if (elements > Math.max(MAX_BYTES, input.length * 1100)) throw new Error(`suspicious output of ${elements} elements`);
      }
    }
  } catch (e) {
    if (!(e instanceof BrainfitIOError)) throw e;
    if (e.message.length < 20) throw new Error(`error message too terse: ${e.message}`);
  }
}

/** Mutations applied to valid files. */
const mutation = fc.oneof(
  fc.record({ kind: fc.constant("truncate" as const), at: fc.nat({ max: 1 << 20 }) }),
  fc.record({
    kind: fc.constant("flip" as const),
    flips: fc.array(fc.tuple(fc.nat({ max: 1 << 20 }), fc.integer({ min: 0, max: 255 })), { minLength: 1, maxLength: 8 }),
  }),
  fc.record({
    kind: fc.constant("headerFlip" as const),
    flips: fc.array(fc.tuple(fc.integer({ min: 0, max: 200 }), fc.integer({ min: 0, max: 255 })), { minLength: 1, maxLength: 4 }),
  }),
  fc.record({ kind: fc.constant("insert" as const), at: fc.nat({ max: 1 << 20 }), bytes: fc.uint8Array({ maxLength: 16 }) }),
);

interface Mutation {
  kind: string;
  at?: number;
  flips?: [number, number][];
  bytes?: Uint8Array;
}

function mutate(b: Uint8Array, m: Mutation): Uint8Array {
  const out = b.slice();
  switch (m.kind) {
    case "truncate":
      // positions are drawn uniformly-ish over a large range, then folded onto the file
      return out.subarray(0, m.at! % (b.length + 1));
    case "flip":
      for (const [pos, v] of m.flips!) if (out.length) out[pos % out.length] = v;
      return out;
    case "headerFlip":
      for (const [pos, v] of m.flips!) if (pos < out.length) out[pos] = v;
      return out;
    default: {
      const at = m.at! % (b.length + 1);
      const r = new Uint8Array(b.length + m.bytes!.length);
      r.set(b.subarray(0, at));
      r.set(m.bytes!, at);
      r.set(b.subarray(at), at + m.bytes!.length);
      return r;
    }
  }
}

const enc = (s: string) => new TextEncoder().encode(s);
const smallArray = anyArrayArb({ maxDims: 3 });

function npyWithHeader(dict: string, body = new Uint8Array(16)): Uint8Array {
  const h = enc(dict + "\n");
  const out = new Uint8Array(10 + h.length + body.length);
  out.set([0x93, 0x4e, 0x55, 0x4d, 0x50, 0x59, 1, 0, h.length & 0xff, h.length >> 8]);
  out.set(h, 10);
  out.set(body, 10 + h.length);
  return out;
}

describe("fuzzing the readers", () => {
  it(".npy: mutated valid files (3000 cases)", () => {
    fc.assert(
      fc.property(smallArray, mutation, (a, m) => {
        survive(mutate(writeNpy(a), m), (b) => parseNpy(b, "fuzz.npy"));
      }),
      { numRuns: 3000 },
    );
  });

  it(".npy: random headers, absurd shapes and descrs (2000 cases)", () => {
    const descr = fc.oneof(
      fc.constantFrom("<f8", ">i4", "|b1", "<U3", "|S2", "<U0", "O", "<c16", "<f16", "V8", "[('a','<f8')]", "<M8[D]"),
      fc.string({ maxLength: 6 }).map((s) => JSON.stringify(s)),
    );
    const dim = fc.oneof(
      fc.integer({ min: 0, max: 8 }),
      fc.constantFrom(2 ** 31, 2 ** 40, 2 ** 53, 1e30, -1),
      fc.bigInt(0n, 10n ** 30n).map(Number),
    );
    const shape = fc.array(dim, { maxLength: 5 }).map((d) => `(${d.map(String).join(", ")}${d.length === 1 ? "," : ""})`);
    const header = fc.oneof(
      fc.tuple(descr, fc.constantFrom("False", "True", "0", "None"), shape).map(([d, f, s]) =>
        `{'descr': ${d.startsWith("[") || d.startsWith('"') ? d : `'${d}'`}, 'fortran_order': ${f}, 'shape': ${s}, }`
      ),
      fc.string({ maxLength: 80 }),
      fc.constantFrom(
        "{",
        "{'descr': '<f8'",
        "((((((((((((((((((((((((((((((((",
        "{'descr': '<f8', 'fortran_order': False}",
        "{'shape': (2,)}",
      ),
    );
    fc.assert(
      fc.property(header, fc.uint8Array({ maxLength: 64 }), (h, body) => {
        survive(npyWithHeader(h, body), (b) => parseNpy(b, "fuzz.npy"));
      }),
      { numRuns: 2000 },
    );
  });

  it("a header claiming 2^40 elements fails fast with NPY_TRUNCATED, before allocating", () => {
    const t0 = Date.now();
    for (const shape of ["(1099511627776,)", "(1048576, 1048576)", "(4294967296, 4294967296, 4294967296)"]) {
      try {
        parseNpy(npyWithHeader(`{'descr': '<f8', 'fortran_order': False, 'shape': ${shape}, }`), "huge.npy");
        throw new Error("no error");
      } catch (e) {
        expect((e as BrainfitIOError).code).toBe("NPY_TRUNCATED");
        expect((e as Error).message).toMatch(/huge\.npy.*bytes/);
      }
    }
    expect(Date.now() - t0).toBeLessThan(200);
  });

  it(".npz: mutated archives, stored and deflated (2000 cases)", () => {
    fc.assert(
      fc.property(fc.array(smallArray, { minLength: 1, maxLength: 2 }), fc.boolean(), mutation, (arrays, compress, m) => {
        survive(mutate(writeNpz(arrays, { compress }), m), (b) => parseNpzAll(b, { source: "fuzz.npz", maxBytes: MAX_BYTES }));
      }),
      { numRuns: 2000 },
    );
  });

  it("zip members claiming absurd sizes are refused before inflating", () => {
    const z = writeNpz({ a: { dtype: "float64", shape: [64], data: new Float64Array(64) } }, { compress: true });
    // patch the central-directory uncompressed size of the only member to 0xFFFFFFF0
    const view = new DataView(z.buffer, z.byteOffset, z.byteLength);
    let cd = -1;
    for (let p = z.length - 4; p >= 0; p--) if (view.getUint32(p, true) === 0x02014b50) cd = p;
    view.setUint32(cd + 24, 0xfffffff0, true);
    for (const maxBytes of [undefined, 1 << 20]) {
      try {
        parseNpzAll(z, maxBytes === undefined ? { source: "bomb.npz" } : { source: "bomb.npz", maxBytes });
        throw new Error("no error");
      } catch (e) {
        expect(["ZIP_CORRUPT_MEMBER", "TOO_LARGE"]).toContain((e as BrainfitIOError).code);
      }
    }
  });

  it(".mat: mutated files written by brainfit and scipy (2500 cases)", () => {
    const scipyFiles = ["vars_v6.mat", "vars_v7.mat", "struct_cell.mat"].map(fixture);
    const numeric = shapeArb(3).chain((shape) => fc.oneof(...NUMERIC.map((dt) => numericArb(dt, shape))));
    const source = fc.oneof(
      fc.tuple(numeric, fc.boolean()).map(([a, compress]) =>
        writeMat({ x: a, y: { dtype: "<U3", shape: [2], data: ["ab", "c"] } }, { compress })
      ),
      fc.constantFrom(...scipyFiles),
    );
    fc.assert(
      fc.property(source, mutation, (bytes, m) => {
        survive(mutate(bytes, m), (b) => parseMatAll(b, { source: "fuzz.mat", maxBytes: MAX_BYTES }));
      }),
      { numRuns: 2500 },
    );
  });

  it("MAT dims claiming 2^31 × 2^31 values are refused before allocating", () => {
    const m = writeMat({ x: { dtype: "float64", shape: [2, 2], data: new Float64Array(4) } }, { compress: false });
    const v = new DataView(m.buffer);
    // dims subelement follows the 8-byte matrix tag and the 16-byte flags subelement
    v.setInt32(128 + 8 + 16 + 8, 2 ** 31 - 1, true);
    v.setInt32(128 + 8 + 16 + 12, 2 ** 31 - 1, true);
    expect(() => parseMatAll(m)).toThrow(BrainfitIOError);
    try {
      parseMatAll(m, { source: "dims.mat" });
    } catch (e) {
      expect((e as BrainfitIOError).code).toBe("MAT_BAD_ELEMENT");
      expect((e as Error).message).toContain('"x"');
    }
  });

  it("random bytes behind every magic prefix, through the sniffer (1500 cases)", () => {
    const prefix = fc.constantFrom(
      new Uint8Array(0),
      new Uint8Array([0x93, 0x4e, 0x55, 0x4d, 0x50, 0x59, 1, 0]),
      new Uint8Array([0x93, 0x4e, 0x55, 0x4d, 0x50, 0x59, 3, 0]),
      new Uint8Array([0x50, 0x4b, 3, 4]),
      new Uint8Array([0x50, 0x4b, 5, 6]),
      new Uint8Array([0x1f, 0x8b, 8, 0]),
      enc("MATLAB 5.0 MAT-file".padEnd(124, " ") + "\x00\x01IM"),
      enc("MATLAB 7.3 MAT-file"),
      new Uint8Array([0x89, 0x48, 0x44, 0x46, 0x0d, 0x0a, 0x1a, 0x0a]),
      enc("{"),
      enc("["),
    );
    fc.assert(
      fc.property(
        prefix,
        fc.uint8Array({ maxLength: 300 }),
        fc.constantFrom("x.npy", "x.npz", "x.mat", "x.txt", "x.json", "x.zip", "x"),
        (p, rest, name) => {
          const b = new Uint8Array(p.length + rest.length);
          b.set(p);
          b.set(rest, p.length);
          survive(b, (x) => parseArray(x, { name, maxBytes: MAX_BYTES }));
        },
      ),
      { numRuns: 1500 },
    );
  });

  it("text matrices and JSON from a hostile alphabet (1500 cases)", () => {
    const alphabet = fc.constantFrom(..."0123456789.,;-+eEdD \t\n\r#%naNifINF\"'[]{}:xyz".split(""));
    const text = fc.string({ unit: alphabet, maxLength: 120 });
    fc.assert(
      fc.property(text, fc.boolean(), (t, asJson) => {
        const b = enc(asJson ? `[${t}]` : t);
        survive(b, (x) => (asJson ? parseJsonArray(x) : parseTextMatrix(x).array));
        survive(b, (x) => parseArray(x, { name: "fuzz.txt" }));
      }),
      { numRuns: 1500 },
    );
  });

  it("TVB zips with malformed members (500 cases)", () => {
    const cell = fc.oneof(fc.double({ noNaN: true }).map(String), fc.constantFrom("nan", "x", "", "1,2"));
    const textArb = fc.array(fc.array(cell, { maxLength: 5 }).map((r) => r.join(" ")), { maxLength: 6 }).map((rows) => rows.join("\n"));
    fc.assert(
      fc.property(textArb, textArb, textArb, fc.boolean(), (w, l, c, nested) => {
        const pre = nested ? "conn/" : "";
        const z = writeZip({ [`${pre}weights.txt`]: enc(w), [`${pre}tract_lengths.txt`]: enc(l), [`${pre}centres.txt`]: enc(c) }, {
          compress: nested,
        });
        survive(z, (b) => parseTvbZip(b, { source: "fuzz.zip", maxBytes: MAX_BYTES }).weights && {});
      }),
      { numRuns: 500 },
    );
  });
});
