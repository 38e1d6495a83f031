// Files brainfit writes open in numpy, pandas and scipy.io.loadmat with the same values.
// Runs only where python3 with numpy and scipy is installed (skipped otherwise).
import { spawnSync } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { type NdArray, ndarray, writeCsv, writeJson, writeMat, writeNpy, writeNpz } from "../../src/io/index.ts";

const probe = spawnSync("python3", ["-c", "import numpy, scipy.io"], { encoding: "utf8" });
const hasPython = probe.status === 0;
const tmp = mkdtempSync(path.join(tmpdir(), "brainfit-py-"));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

const specials = [NaN, Infinity, -Infinity, -0, 0.1, 1 / 3, 5e-324, 1.7976931348623157e308, -2.5];
const arrays: Record<string, NdArray> = {
  f8: ndarray(Float64Array.from(specials), [3, 3]),
  f4: ndarray(Float32Array.from([0.1, -1e-20, 3.4e38, NaN, 2, 3]), [2, 3]),
  f2: ndarray(Float32Array.from([0.5, -2, 65504, 0.0999755859375]), [4], "float16"),
  i8: ndarray(BigInt64Array.from([-(2n ** 63n), 2n ** 63n - 1n, 0n, 9007199254740993n]), [2, 2]),
  u8: ndarray(BigUint64Array.from([2n ** 64n - 1n, 0n]), [2]),
  i4: ndarray(Int32Array.from([-(2 ** 31), 2 ** 31 - 1, 7, 8, 9, 10]), [1, 2, 3]),
  u2: ndarray(Uint16Array.from([65535, 1]), [2]),
  i1: ndarray(Int8Array.from([-128, 127]), [2]),
  b: ndarray(Uint8Array.from([1, 0, 1]), [3], "bool"),
  s: ndarray(["L.BSTS", "ü", ""], [3], "<U6"),
  z: ndarray(Float64Array.from([42]), []),
};

function python(script: string): string {
  const r = spawnSync("python3", ["-c", script], { encoding: "utf8", cwd: tmp });
  if (r.status !== 0) throw new Error(r.stderr);
  return r.stdout.trim();
}

describe.skipIf(!hasPython)("numpy / pandas / scipy read what brainfit writes", () => {
  it(".npy, .npz (stored and deflated) and JSON: same dtype, shape and bits in numpy", () => {
    for (const [k, a] of Object.entries(arrays)) {
      writeFileSync(path.join(tmp, `${k}.npy`), writeNpy(a));
      writeFileSync(path.join(tmp, `${k}.json`), writeJson(a));
    }
    writeFileSync(path.join(tmp, "all.npz"), writeNpz(arrays));
    writeFileSync(path.join(tmp, "allz.npz"), writeNpz(arrays, { compress: true }));
    const expected = Object.fromEntries(Object.entries(arrays).map(([k, a]) => [k, { dtype: a.dtype, shape: a.shape }]));
    writeFileSync(path.join(tmp, "expected.json"), JSON.stringify(expected));
    const out = python(`
import json, numpy as np
exp = json.load(open("expected.json"))
names = {"f8":"float64","f4":"float32","f2":"float16","i8":"int64","u8":"uint64","i4":"int32","u2":"uint16","i1":"int8","b":"bool","s":"<U6","z":"float64"}
npz, npzc = np.load("all.npz"), np.load("allz.npz")
bad = []
for k, e in exp.items():
    a = np.load(k + ".npy", allow_pickle=False)
    want = names[k] if k != "s" else "<U6"
    if (a.dtype.name if k != "s" else a.dtype.str) != want or list(a.shape) != e["shape"]:
        bad.append((k, str(a.dtype), a.shape))
    for other in (npz[k], npzc[k]):
        if other.dtype != a.dtype or other.shape != a.shape or other.tobytes() != a.tobytes(): bad.append(("npz", k))
    j = json.load(open(k + ".json"))
    b = np.array(j["data"], dtype=j["dtype"]) if a.dtype.kind not in "iu" else np.array([int(x) for x in np.ravel(np.array(j["data"], dtype=object))], dtype=j["dtype"]).reshape(j["shape"])
    if b.dtype != a.dtype or b.shape != a.shape or b.tobytes() != a.tobytes(): bad.append(("json", k, b, a))
print(json.dumps({"bad": [str(x) for x in bad], "f8": np.load("f8.npy").ravel().tolist()[3:6], "i8": str(np.load("i8.npy").ravel()[3]), "s": np.load("s.npy").tolist()}))
`);
    const r = JSON.parse(out) as { bad: string[]; f8: number[]; i8: string; s: string[] };
    expect(r.bad).toEqual([]);
    expect(r.i8).toBe("9007199254740993");
    expect(r.s).toEqual(["L.BSTS", "ü", ""]);
  });

  it("CSV: numpy.loadtxt and pandas.read_csv get the exact doubles (nan/inf included)", () => {
    const m = arrays["f8"]!;
    writeFileSync(path.join(tmp, "m.csv"), writeCsv(m));
    writeFileSync(path.join(tmp, "mh.csv"), writeCsv(m, { header: ["a", "b", "c"] }));
    const out = python(`
import json, numpy as np
a = np.loadtxt("m.csv", delimiter=",")
b = np.loadtxt("mh.csv", delimiter=",", skiprows=1)
try:
    import pandas as pd
    c = pd.read_csv("mh.csv").to_numpy()
    cols = list(pd.read_csv("mh.csv").columns)
except ImportError:
    c, cols = b, ["a", "b", "c"]
print(json.dumps({"hex": [x.hex() for x in a.ravel()], "same": bool(a.tobytes() == b.tobytes() == c.tobytes()), "cols": cols}))
`);
    const r = JSON.parse(out) as { hex: string[]; same: boolean; cols: string[] };
    expect(r.same).toBe(true);
    expect(r.cols).toEqual(["a", "b", "c"]);
    expect(r.hex[3]).toBe("-0x0.0p+0");
    expect(r.hex[0]).toBe("nan");
    expect(r.hex[6]).toBe("0x0.0000000000001p-1022");
  });

  it(".mat: scipy.io.loadmat reads every class, logical and char, compressed or not", () => {
    const vars: Record<string, NdArray> = { ...arrays };
    delete vars["z"];
    writeFileSync(path.join(tmp, "v7.mat"), writeMat(vars));
    writeFileSync(path.join(tmp, "v6.mat"), writeMat(vars, { compress: false }));
    const out = python(`
import json, numpy as np, scipy.io
res = {}
for f in ("v6.mat", "v7.mat"):
    m = scipy.io.loadmat(f)
    who = {n: c for n, _, c in scipy.io.whosmat(f)}
    res[f] = {k: [str(v.dtype), list(v.shape), who[k]] for k, v in m.items() if not k.startswith("__")}
    res[f + ":f8"] = [x.hex() for x in m["f8"].ravel()]
    res[f + ":i8"] = str(m["i8"][1, 1])
    res[f + ":s"] = [str(x) for x in m["s"]]
print(json.dumps(res))
`);
    const r = JSON.parse(out) as Record<string, unknown>;
    for (const f of ["v6.mat", "v7.mat"]) {
      const info = r[f] as Record<string, [string, number[], string]>;
      expect(info["f8"]).toEqual(["float64", [3, 3], "double"]);
      expect(info["f4"]).toEqual(["float32", [2, 3], "single"]);
      expect(info["f2"]).toEqual(["float32", [1, 4], "single"]);
      expect(info["i8"]).toEqual(["int64", [2, 2], "int64"]);
      expect(info["i4"]).toEqual(["int32", [1, 2, 3], "int32"]);
      expect(info["b"]![2]).toBe("logical");
      expect(info["s"]![2]).toBe("char");
      expect(r[`${f}:i8`]).toBe("9007199254740993");
      expect((r[`${f}:s`] as string[]).map((x) => x.trimEnd())).toEqual(["L.BSTS", "ü", ""]);
      expect((r[`${f}:f8`] as string[]).slice(0, 4)).toEqual(["nan", "inf", "-inf", "-0x0.0p+0"]);
    }
  });
});
