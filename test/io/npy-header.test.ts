// brainfit must accept exactly the .npy headers numpy accepts. The cases and numpy's verdicts come
// from scripts/npy-header-oracle.py (run locally; CI has no Python): hand-written headers around
// each rule of numpy's grammar plus random single-byte mutations of real numpy files.
import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { BrainfitIOError } from "../../src/io/errors.ts";
import { parseNpy } from "../../src/io/npy.ts";

interface Case {
  name: string;
  b64: string;
  numpy: "accepts" | "refuses";
  why?: string;
  shape?: number[];
  dtype?: string;
  bits?: string[] | null;
  values?: number[] | null;
  strings?: string[];
}
const fixture = JSON.parse(readFileSync(new URL("./fixtures/npy-headers.json", import.meta.url), "utf8")) as {
  numpy: string;
  cases: Case[];
};

/** dtypes numpy loads that brainfit refuses on purpose (with NPY_UNSUPPORTED_DTYPE): complex, long double, datetime, void. */
const unsupportedByDesign = (dtype: string) => /^[<>|=]?(?:[cMmOV]|f1[26])/.test(dtype);

function brainfit(c: Case): { ok: true; arr: ReturnType<typeof parseNpy> } | { ok: false; err: BrainfitIOError } {
  try {
    return { ok: true, arr: parseNpy(Buffer.from(c.b64, "base64")) };
  } catch (e) {
    if (!(e instanceof BrainfitIOError)) throw new Error(`${c.name}: crashed with ${String(e)}`);
    return { ok: false, err: e };
  }
}

describe(`.npy headers: same verdict as numpy ${fixture.numpy}`, () => {
  it("has cases in both directions", () => {
    expect(fixture.cases.filter((c) => c.numpy === "accepts").length).toBeGreaterThan(30);
    expect(fixture.cases.filter((c) => c.numpy === "refuses").length).toBeGreaterThan(300);
  });

  it("refuses every header numpy refuses", () => {
    const wrong = fixture.cases.filter((c) => c.numpy === "refuses" && brainfit(c).ok).map((c) => `${c.name} (numpy: ${c.why})`);
    expect(wrong).toEqual([]);
  });

  it("accepts every header numpy accepts, with numpy's shape and values", () => {
    const wrong: string[] = [];
    for (const c of fixture.cases.filter((k) => k.numpy === "accepts")) {
      const r = brainfit(c);
      if (!r.ok && r.err.code === "NPY_UNSUPPORTED_DTYPE" && /subarray/.test(r.err.message)) {
        // numpy reads subarray dtypes ("2f8") counting subarrays, so a header mutated from "f8" to
        // "2f8" loads half the data without error; brainfit refuses these on purpose.
        continue;
      }
      if (unsupportedByDesign(c.dtype!)) {
        if (r.ok || r.err.code !== "NPY_UNSUPPORTED_DTYPE") {
          wrong.push(`${c.name}: numpy dtype ${c.dtype} should be refused as unsupported`);
        }
        continue;
      }
      if (!r.ok) {
        wrong.push(`${c.name}: refused (${r.err.message})`);
        continue;
      }
      const { arr } = r;
      if (JSON.stringify(arr.shape) !== JSON.stringify(c.shape)) wrong.push(`${c.name}: shape ${arr.shape} vs numpy ${c.shape}`);
      else if (c.strings) {
        if (JSON.stringify(arr.data) !== JSON.stringify(c.strings)) wrong.push(`${c.name}: strings differ`);
      } else if (c.values) {
        if (JSON.stringify(Array.from(arr.data as ArrayLike<number | bigint>, Number)) !== JSON.stringify(c.values)) {
          wrong.push(`${c.name}: values differ`);
        }
      } else if (c.bits) {
        const got = Array.from(arr.data as Float64Array, (v) => {
          const b = new DataView(new ArrayBuffer(8));
          b.setFloat64(0, Number(v));
          return "0x" + b.getBigUint64(0).toString(16);
        });
        if (JSON.stringify(got) !== JSON.stringify(c.bits)) wrong.push(`${c.name}: values differ`);
      }
    }
    expect(wrong).toEqual([]);
  });
});
