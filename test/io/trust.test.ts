// Corrupt data must never load as wrong numbers, and bit-exact promises must hold.
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { BrainfitIOError } from "../../src/io/errors.ts";
import { parseMat, parseMatAll, writeMat } from "../../src/io/mat.ts";
import { parseNpy, writeNpy } from "../../src/io/npy.ts";
import { FitConfigError } from "../../src/fit/index.ts";
import { DataLoader } from "../../src/fit/config.ts";
import { fixture } from "./helpers.ts";

function npyFloat16(bits: number[], shape: number[], opts: { bigEndian?: boolean; fortran?: boolean } = {}): Uint8Array {
  const dict = `{'descr': '${opts.bigEndian ? ">" : "<"}f2', 'fortran_order': ${opts.fortran ? "True" : "False"}, 'shape': (${
    shape.join(", ")
  }${shape.length === 1 ? "," : ""}), }`;
  const pad = 64 - ((10 + dict.length + 1) % 64);
  const header = dict + " ".repeat(pad % 64) + "\n";
  const out = new Uint8Array(10 + header.length + 2 * bits.length);
  out.set([0x93, 0x4e, 0x55, 0x4d, 0x50, 0x59, 1, 0, header.length & 0xff, header.length >> 8]);
  for (let i = 0; i < header.length; i++) out[10 + i] = header.charCodeAt(i);
  const dv = new DataView(out.buffer, 10 + header.length);
  bits.forEach((b, i) => dv.setUint16(2 * i, b, !opts.bigEndian));
  return out;
}

function float16Bits(file: Uint8Array): number[] {
  const h = parseNpy(file); // writeNpy output is little-endian, C order
  const start = file.length - 2 * h.data.length;
  return Array.from({ length: h.data.length }, (_, i) => file[start + 2 * i]! | (file[start + 2 * i + 1]! << 8));
}

describe("float16 read-then-write is bit-exact", () => {
  const nans = [0xffff, 0xfe00, 0x7e01, 0x7c01, 0x7e00, 0xfc01, 0x7dff];
  const others = [0x0000, 0x8000, 0x0001, 0x8001, 0x03ff, 0x0400, 0x3c00, 0x7bff, 0xfbff, 0x7c00, 0xfc00];
  it("NaN sign and payload survive, C order, both byte orders", () => {
    for (const bigEndian of [false, true]) {
      const bits = [...nans, ...others];
      const back = float16Bits(writeNpy(parseNpy(npyFloat16(bits, [bits.length], { bigEndian }))));
      expect(back.map((b) => b.toString(16))).toEqual(bits.map((b) => b.toString(16)));
    }
  });
  it("and through a Fortran-order reorder", () => {
    const bits = [0xffff, 0xfe00, 0x7e01, 0x7c01, 0x3c00, 0xc000]; // (2, 3) in Fortran order
    const back = float16Bits(writeNpy(parseNpy(npyFloat16(bits, [2, 3], { fortran: true }))));
    // C order of a Fortran (2,3) array: element (r,c) was at c*2+r
    expect(back).toEqual([bits[0], bits[2], bits[4], bits[1], bits[3], bits[5]]);
  });
});

describe(".mat miCOMPRESSED elements are Adler-32 checked", () => {
  const values = Float64Array.from({ length: 36 }, (_, i) => 0.4204 + i / 7);
  const file = writeMat({
    a: { dtype: "float64", shape: [6, 6], data: values },
    b: { dtype: "float64", shape: [1, 3], data: Float64Array.from([1, 2, 3]) },
  });

  it("a flipped bit anywhere in a compressed element is refused or changes nothing", () => {
    let refused = 0;
    const accepted: string[] = [];
    for (let p = 128; p < file.length; p++) {
      for (const bit of [0x01, 0x10, 0x80]) {
        const bad = file.slice();
        bad[p]! ^= bit;
        let got: Record<string, unknown>;
        try {
          got = parseMatAll(bad);
        } catch (e) {
          expect(e).toBeInstanceOf(BrainfitIOError);
          refused++;
          continue;
        }
        const a = got["a"] as { data: Float64Array } | undefined;
        if (a && Array.from(a.data).some((v, i) => !Object.is(v, values[i]))) accepted.push(`byte ${p} bit ${bit}`);
      }
    }
    expect(accepted).toEqual([]);
    expect(refused).toBeGreaterThan(100);
  });

  it("names the element and its byte offset", () => {
    const bad = file.slice();
    const secondTag = 128 + 8 + new DataView(file.buffer).getUint32(132, true);
    bad[bad.length - 1]! ^= 0x01; // last byte of element 1: its Adler-32 trailer
    expect(() => parseMat(bad, "b")).toThrow(
      new RegExp(`compressed element 1 \\(tag at byte ${secondTag}\\) fails its zlib Adler-32 check`),
    );
  });
});

describe("messages say what is true", () => {
  it("a .mat cell array's fix uses cell syntax, a struct's field syntax", () => {
    const bytes = fixture("struct_cell.mat");
    expect(() => parseMat(bytes, "ce")).toThrow(/w = ce\{1\}/);
    expect(() => parseMat(bytes, "st")).toThrow(/w = st\.weights/);
  });

  it("a structured dtype is printed as numpy prints it", () => {
    expect(() => parseNpy(fixture("structured.npy"))).toThrow(/dtype\(\[\('[^']+', '[<>|]\w+'\)/);
  });

  it("a missing file named in a config names the config's folder, not the working directory", async () => {
    const dir = mkdtempSync(path.join(tmpdir(), "brainfit-cfg-"));
    writeFileSync(path.join(dir, "w.npy"), writeNpy({ dtype: "float64", shape: [1], data: Float64Array.from([1]) }));
    const loader = new DataLoader({ baseDir: dir });
    await expect(loader.load("w.npy", "network.weights")).resolves.toBeTruthy();
    const err = await loader.load("missing.npy", "network.weights").catch((e: unknown) => e);
    expect(err).toBeInstanceOf(FitConfigError);
    expect((err as Error).message).toContain(`config file's folder (${dir})`);
    expect((err as Error).message).not.toContain("working directory");
  });
});
