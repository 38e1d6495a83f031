// Files written by numpy/scipy (test/io/fixtures, see make_fixtures.py) read back exactly.
import { describe, expect, it } from "vitest";
import {
  BrainfitIOError,
  listMatVariables,
  listNpzKeys,
  loadArray,
  loadConnectivity,
  parseArray,
  parseMat,
  parseNpy,
  parseNpz,
  parseTvbZip,
} from "../../src/io/index.ts";
import { readNpyHeader } from "../../src/io/npy.ts";
import { sniffFormat } from "../../src/io/load.ts";
import { elementMatches, fixture, FIXTURES, manifest, pyNumber } from "./helpers.ts";

function expectCode(fn: () => unknown, code: string): BrainfitIOError {
  try {
    fn();
  } catch (e) {
    expect(e).toBeInstanceOf(BrainfitIOError);
    expect((e as BrainfitIOError).code).toBe(code);
    return e as BrainfitIOError;
  }
  throw new Error(`expected BrainfitIOError ${code}, nothing was thrown`);
}

describe(".npy fixtures of every dtype, byte order, memory order, shape and header version", () => {
  const entries = Object.entries(manifest.npy);
  it("covers the whole matrix of cases", () => {
    expect(entries.length).toBeGreaterThanOrEqual(50);
    for (const dt of ["bool", "int8", "int16", "int32", "int64", "uint8", "uint16", "uint32", "uint64", "float16", "float32", "float64"]) {
      expect(entries.some(([f]) => f.startsWith(`${dt}_le_F`))).toBe(true);
    }
  });
  for (const [file, exp] of entries) {
    it(file, () => {
      const a = parseNpy(fixture(file), file);
      expect(a.dtype).toBe(exp.dtype);
      expect(a.shape).toEqual(exp.shape);
      expect(a.data.length).toBe(exp.values.length);
      for (let i = 0; i < exp.values.length; i++) {
        if (!elementMatches(a, i, exp.values[i]!)) {
          throw new Error(`${file}[${i}]: got ${String(a.data[i])}, numpy says ${exp.values[i]}`);
        }
      }
      expect(a.fortranOrder).toBeUndefined();
    });
  }
  it("reports header versions", () => {
    expect(readNpyHeader(fixture("version_2_0.npy")).version).toEqual([2, 0]);
    expect(readNpyHeader(fixture("version_3_0.npy")).version).toEqual([3, 0]);
    expect(readNpyHeader(fixture("float64_be_F.npy")).littleEndian).toBe(false);
    expect(readNpyHeader(fixture("float64_be_F.npy")).fortranOrder).toBe(true);
  });
  it("typed arrays match the dtype", () => {
    expect(parseNpy(fixture("bool_le_C.npy")).data).toBeInstanceOf(Uint8Array);
    expect(parseNpy(fixture("int64_be_C.npy")).data).toBeInstanceOf(BigInt64Array);
    expect(parseNpy(fixture("uint64_le_F.npy")).data).toBeInstanceOf(BigUint64Array);
    expect(parseNpy(fixture("float16_le_C.npy")).data).toBeInstanceOf(Float32Array);
    expect(Array.isArray(parseNpy(fixture("str_U6.npy")).data)).toBe(true);
  });
});

describe("refused .npy dtypes give typed errors with the fix", () => {
  it("pickled object arrays", () => {
    const e = expectCode(() => parseNpy(fixture("object_pickled.npy"), "object_pickled.npy"), "NPY_OBJECT_ARRAY");
    expect(e.message).toContain("allow_pickle=False");
    expect(e.message).toContain("object_pickled.npy");
  });
  it("complex, structured, datetime", () => {
    expect(expectCode(() => parseNpy(fixture("complex_c16.npy")), "NPY_UNSUPPORTED_DTYPE").message).toMatch(/np\.real/);
    expect(expectCode(() => parseNpy(fixture("structured.npy")), "NPY_UNSUPPORTED_DTYPE").message).toMatch(/field/);
    expect(expectCode(() => parseNpy(fixture("datetime.npy")), "NPY_UNSUPPORTED_DTYPE").message).toMatch(/datetime/);
  });
});

describe(".npz", () => {
  for (const file of ["conn_stored.npz", "conn_deflated.npz"]) {
    it(`${file}: keys, selection, default member`, () => {
      const bytes = fixture(file);
      expect(listNpzKeys(bytes)).toEqual(["weights", "lengths", "region_labels"]);
      const w = parseNpz(bytes);
      expect(w.shape).toEqual([4, 4]);
      expect(Array.from(w.data as Float64Array)).toEqual(manifest.npz.weights.map(pyNumber));
      expect(Array.from(parseNpz(bytes, "lengths").data as Float64Array)).toEqual(manifest.npz.lengths.map(pyNumber));
      expect(parseNpz(bytes, "region_labels").data).toEqual(manifest.npz.region_labels);
      const e = expectCode(() => parseNpz(bytes, "nope", { source: file }), "NPZ_KEY_NOT_FOUND");
      expect(e.message).toContain("weights, lengths, region_labels");
    });
  }
  it("positional arr_0/arr_1 and path:key selection", async () => {
    expect(listNpzKeys(fixture("positional.npz"))).toEqual(["arr_0", "arr_1"]);
    const a = await loadArray(`${FIXTURES}/positional.npz:arr_1`);
    expect(Array.from(a.data as Float64Array)).toEqual(manifest.npz.lengths.map(pyNumber));
  });
  it("loadConnectivity picks weights, lengths and labels by name", async () => {
    const c = await loadConnectivity(`${FIXTURES}/conn_deflated.npz`);
    expect(c.nRegions).toBe(4);
    expect(c.regionLabels).toEqual(manifest.npz.region_labels);
    expect(Array.from(c.tractLengths!.data)).toEqual(manifest.npz.lengths.map(pyNumber));
  });
});

describe("MATLAB level-5 .mat", () => {
  for (const file of ["vars_v6.mat", "vars_v7.mat"]) {
    it(`${file}: every class matches scipy.io.loadmat`, () => {
      const bytes = fixture(file);
      const names = listMatVariables(bytes).map((v) => v.name);
      for (const [name, exp] of Object.entries(manifest.mat)) {
        expect(names).toContain(name);
        const a = parseMat(bytes, name, { source: file });
        if (exp.dtype === "str") {
          expect(a.data).toEqual(exp.values);
          continue;
        }
        expect(a.dtype, name).toBe(exp.dtype);
        expect(a.shape, name).toEqual(exp.shape);
        for (let i = 0; i < exp.values.length; i++) {
          if (!elementMatches(a, i, exp.values[i]!)) {
            throw new Error(`${file}:${name}[${i}] got ${String(a.data[i])}, scipy says ${exp.values[i]}`);
          }
        }
      }
    });
  }
  it("file.mat:var selection and default variable", async () => {
    const a = await loadArray(`${FIXTURES}/vars_v7.mat:i32`);
    expect(a.dtype).toBe("int32");
    expect(sniffFormat(fixture("vars_v7.mat"))).toBe("mat");
  });
  it("structs, cells, complex and sparse give errors naming the variable and the fix", () => {
    const bytes = fixture("struct_cell.mat");
    const info = listMatVariables(bytes);
    expect(info.map((v) => [v.name, v.matlabClass, v.loadable])).toEqual([
      ["ok", "double", true],
      ["st", "struct", false],
      ["ce", "cell", false],
      ["cplx", "double", false],
      ["sp", "sparse", false],
    ]);
    expect(parseMat(bytes, "ok").shape).toEqual([2, 2]);
    expect(expectCode(() => parseMat(bytes, "st"), "MAT_UNSUPPORTED_CLASS").message).toMatch(/"st" is a MATLAB struct/);
    expect(expectCode(() => parseMat(bytes, "ce"), "MAT_UNSUPPORTED_CLASS").message).toMatch(/"ce" is a MATLAB cell/);
    expect(expectCode(() => parseMat(bytes, "sp"), "MAT_UNSUPPORTED_CLASS").message).toMatch(/full\(sp\)/);
    expect(expectCode(() => parseMat(bytes, "cplx"), "MAT_COMPLEX").message).toMatch(/real\(cplx\)/);
    const re = parseMat(bytes, "cplx", { complex: "real" });
    expect(Array.from(re.data as Float64Array)).toEqual([1, 0]);
    expect(expectCode(() => parseMat(bytes, "zz"), "MAT_VAR_NOT_FOUND").message).toContain("ok, st, ce, cplx, sp");
  });
  it("v7.3 (HDF5) and v4 files are refused with the re-save command", () => {
    for (const [file, code] of Object.entries(manifest.errors)) {
      if (!file.endsWith(".mat")) continue;
      const e = expectCode(() => parseArray(fixture(file), { name: file }), code);
      expect(e.message).toContain("-v7");
      expect(e.message).toContain(file);
    }
  });
});

describe("TVB connectivity zips", () => {
  for (const file of ["tvb_nested.zip", "tvb_flat.zip"]) {
    it(file, async () => {
      const c = parseTvbZip(fixture(file), { source: file });
      expect(c.nRegions).toBe(4);
      expect(Array.from(c.weights.data)).toEqual(manifest.tvb.weights.map(pyNumber));
      expect(Array.from(c.tractLengths!.data)).toEqual(manifest.tvb.tract_lengths.map(pyNumber));
      expect(c.regionLabels).toEqual(manifest.tvb.labels);
      expect(Array.from(c.centres!.data)).toEqual(manifest.tvb.centres);
      const viaLoader = await loadConnectivity(`${FIXTURES}/${file}`);
      expect(viaLoader.regionLabels).toEqual(manifest.tvb.labels);
      const tl = await loadArray(`${FIXTURES}/${file}:tract_lengths`);
      expect(tl.shape).toEqual([4, 4]);
    });
  }
  it("nested zip extras: cortical, hemispheres, areas", () => {
    const c = parseTvbZip(fixture("tvb_nested.zip"));
    expect(Array.from(c.cortical!)).toEqual([1, 1, 0, 1]);
    expect(Array.from(c.hemispheres!)).toEqual([1, 1, 0, 0]);
    expect(Array.from(c.areas!)).toEqual([10.5, 20, 30, 40]);
  });
});

describe("text matrices", () => {
  it("header row, comma separation, # and % comments, nan/inf", async () => {
    const exp = manifest.text["header_comma.csv"]!;
    const a = await loadArray(`${FIXTURES}/header_comma.csv`);
    expect(a.shape).toEqual(exp.shape);
    for (let i = 0; i < exp.values.length; i++) expect(elementMatches(a, i, exp.values[i]!)).toBe(true);
  });
  it("tab separated and gzip-wrapped", async () => {
    expect(Array.from((await loadArray(`${FIXTURES}/tabbed.txt`)).data as Float64Array)).toEqual([1, 2, 3, 4]);
    const g = await loadArray(`${FIXTURES}/gz_matrix.txt.gz`);
    expect(g.shape).toEqual([2, 3]);
    expect(Array.from(g.data as Float64Array)).toEqual([1, 2, 3, 4, 5, 6]);
  });
});

describe("labelled text matrices", () => {
  it("pandas to_csv with an index of region names: labels and header both come back", async () => {
    const { parseTextMatrix } = await import("../../src/io/index.ts");
    const t = parseTextMatrix(",rA1,rA2\nrA1,0,1.5\nrA2,1.5,0\n");
    expect(t.array.shape).toEqual([2, 2]);
    expect(t.rowLabels).toEqual(["rA1", "rA2"]);
    expect(t.header).toEqual(["rA1", "rA2"]);
    const c = await loadConnectivity(new TextEncoder().encode("region,rA1,rA2\nrA1,0,1.5\nrA2,1.5,0\n"), { name: "sc.csv" });
    expect(c.regionLabels).toEqual(["rA1", "rA2"]);
    expect(Array.from(c.weights.data)).toEqual([0, 1.5, 1.5, 0]);
  });
  it("TVB centres.txt style rows (label x y z, no header) keep the first row as data", async () => {
    const { parseTextMatrix } = await import("../../src/io/index.ts");
    const t = parseTextMatrix("rA1 51.8 -21.2 6.3\nrA2 44.1 -17.0 6.7\n");
    expect(t.header).toBeUndefined();
    expect(t.rowLabels).toEqual(["rA1", "rA2"]);
    expect(Array.from(t.array.data)).toEqual([51.8, -21.2, 6.3, 44.1, -17, 6.7]);
  });
  it("UTF-16 text (Excel 'Unicode text') is decoded", async () => {
    const text = "\ufeff1\t2\r\n3\t4\r\n";
    const le = new Uint8Array(text.length * 2);
    for (let i = 0; i < text.length; i++) {
      le[2 * i] = text.charCodeAt(i) & 0xff;
      le[2 * i + 1] = text.charCodeAt(i) >> 8;
    }
    const a = parseArray(le, { name: "x.txt" });
    expect(Array.from(a.data as Float64Array)).toEqual([1, 2, 3, 4]);
  });
});
