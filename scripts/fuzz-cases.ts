// Deterministic fuzz cases for the loaders and fit configs, shared by scripts/fuzz.ts (10,000
// cases, each parsed in a child process with a timeout) and test/io/fuzz-regression.test.ts (the
// first few hundred, in-process, in CI). Case k is a pure function of k.
import { existsSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { parseNpy, parseTextMatrix, parseTvbZip, writeMat, writeNpy, writeNpz } from "../src/io/index.ts";
import { parseMatAll } from "../src/io/mat.ts";
import { parseNpzAll } from "../src/io/npz.ts";
import { runsFromConfig } from "../src/fit/config.ts";
import { readConfigFile } from "../src/fit/from-config.ts";

export type Format = "npy" | "npz" | "mat" | "mat-v6" | "text" | "tvb" | "config";

/** Formats whose every data byte is covered by a checksum (CRC-32 for zip members, Adler-32 for
 *  compressed MAT elements): a changed value that loads is an accepted corruption. */
export const CHECKSUMMED: readonly Format[] = ["npz", "mat", "tvb"];

export interface FuzzCase {
  index: number;
  format: Format;
  /** Which source file it mutates. */
  source: string;
  mutation: string;
  bytes: Uint8Array;
  original: Uint8Array;
}

// Beside this file in the repository; from the repository root when bundled into build/run/.
const FIXTURES = [
  path.join(path.dirname(fileURLToPath(import.meta.url)), "..", "test", "io", "fixtures"),
  path.resolve("test", "io", "fixtures"),
].find((d) => existsSync(d))!;
const read = (name: string) => new Uint8Array(readFileSync(path.join(FIXTURES, name)));

function sources(): { format: Format; name: string; bytes: Uint8Array }[] {
  const f64 = { dtype: "float64" as const, shape: [6, 6], data: Float64Array.from({ length: 36 }, (_, i) => 0.4204 + i / 7) };
  const f16 = { dtype: "float16" as const, shape: [4], data: Float32Array.from([1, -2.5, Infinity, 0.099975586]) };
  const config = {
    name: "fuzz",
    model: "SupHopf",
    network: { weights: [[0, 1, 0.3], [1, 0, 0.5], [0.3, 0.5, 0]] },
    free: [{ name: "G", bounds: [0.01, 1] }],
    fixed: { a: -0.1 },
    target: { fc: [[1, 0.5, 0.2], [0.5, 1, 0.4], [0.2, 0.4, 1]] },
    gof: ["+fc_corr"],
    simulation: { duration: 1, dt: 0.5, tr: 0.01, signal: "x" },
    optimizer: { type: "cmaes", options: { popsize: 8, maxIterations: 3 } },
  };
  return [
    { format: "npy", name: "float64_le_C.npy", bytes: read("float64_le_C.npy") },
    { format: "npy", name: "int16_be_F.npy", bytes: read("int16_be_F.npy") },
    { format: "npy", name: "str_U6.npy", bytes: read("str_U6.npy") },
    { format: "npy", name: "version_3_0.npy", bytes: read("version_3_0.npy") },
    { format: "npy", name: "written f16", bytes: writeNpy(f16) },
    { format: "npz", name: "conn_deflated.npz", bytes: read("conn_deflated.npz") },
    { format: "npz", name: "conn_stored.npz", bytes: read("conn_stored.npz") },
    { format: "npz", name: "written npz", bytes: writeNpz({ w: f64, v: f16 }, { compress: true }) },
    { format: "mat", name: "vars_v7.mat", bytes: read("vars_v7.mat") },
    {
      format: "mat",
      name: "written v7",
      bytes: writeMat({ a: f64, b: { dtype: "int32", shape: [1, 3], data: Int32Array.from([1, 2, 3]) } }),
    },
    { format: "mat-v6", name: "vars_v6.mat", bytes: read("vars_v6.mat") },
    { format: "text", name: "tabbed.txt", bytes: read("tabbed.txt") },
    { format: "text", name: "header_comma.csv", bytes: read("header_comma.csv") },
    { format: "tvb", name: "tvb_flat.zip", bytes: read("tvb_flat.zip") },
    { format: "tvb", name: "tvb_nested.zip", bytes: read("tvb_nested.zip") },
    { format: "config", name: "inline config", bytes: new TextEncoder().encode(JSON.stringify(config, null, 1)) },
  ];
}

/** xorshift32 seeded by the case index: cases are reproducible one by one. */
function rng(seed: number): () => number {
  let s = (seed * 2654435761) >>> 0 || 1;
  return () => {
    s ^= s << 13;
    s >>>= 0;
    s ^= s >>> 17;
    s ^= s << 5;
    s >>>= 0;
    return s / 2 ** 32;
  };
}

const NASTY: unknown[] = [{}, [], "x", "", -1, 0, 1e308, 1e-300, -1e-300, null, true, 8_000_000, 2 ** 53, "NaN", [[]], { dataset: "hcp" }];

function mutateConfig(bytes: Uint8Array, r: () => number): { bytes: Uint8Array; mutation: string } {
  const cfg = JSON.parse(new TextDecoder().decode(bytes)) as Record<string, unknown>;
  // every path to a value
  const paths: (string | number)[][] = [];
  const walk = (v: unknown, p: (string | number)[]) => {
    paths.push(p);
    if (Array.isArray(v)) v.forEach((x, i) => walk(x, [...p, i]));
    else if (v && typeof v === "object") { for (const [k, x] of Object.entries(v)) walk(x, [...p, k]); }
  };
  walk(cfg, []);
  const p = paths[1 + Math.floor(r() * (paths.length - 1))]!;
  const parent = p.slice(0, -1).reduce<Record<string | number, unknown>>(
    (o, k) => o[k] as Record<string | number, unknown>,
    cfg as Record<string | number, unknown>,
  );
  const key = p[p.length - 1]!;
  const what = r();
  let mutation: string;
  if (what < 0.6) {
    const v = NASTY[Math.floor(r() * NASTY.length)];
    parent[key] = v;
    mutation = `set ${p.join(".")} = ${JSON.stringify(v)}`;
  } else if (what < 0.8 && !Array.isArray(parent)) {
    delete parent[key];
    mutation = `delete ${p.join(".")}`;
  } else if (!Array.isArray(parent) && typeof key === "string") {
    const typo = key.slice(0, -1) + String.fromCharCode(97 + Math.floor(r() * 26));
    parent[typo] = parent[key];
    delete parent[key];
    mutation = `rename ${p.join(".")} -> ${typo}`;
  } else {
    parent[key] = NASTY[Math.floor(r() * NASTY.length)];
    mutation = `set ${p.join(".")}`;
  }
  return { bytes: new TextEncoder().encode(JSON.stringify(cfg)), mutation };
}

function mutateBytes(b: Uint8Array, r: () => number, format: Format): { bytes: Uint8Array; mutation: string } {
  const kind = r();
  const at = () => Math.floor(r() * b.length);
  if (kind < 0.15) {
    const n = at();
    return { bytes: b.slice(0, n), mutation: `truncate at ${n}` };
  }
  if (kind < 0.55) {
    const out = b.slice();
    const flips: string[] = [];
    for (let k = 1 + Math.floor(r() * 4); k > 0; k--) {
      const p = at();
      const bit = 1 << Math.floor(r() * 8);
      out[p]! ^= bit;
      flips.push(`${p}^${bit}`);
    }
    return { bytes: out, mutation: `bit flips ${flips.join(",")}` };
  }
  if (kind < 0.75) {
    // header region: where the parsers' structure lives
    const out = b.slice();
    const span = format === "npy" ? 128 : format === "mat" || format === "mat-v6" ? 256 : 64;
    const p = Math.floor(r() * Math.min(span, b.length));
    const v = Math.floor(r() * 256);
    out[p] = v;
    return { bytes: out, mutation: `header byte ${p} = ${v}` };
  }
  if (kind < 0.88) {
    const p = at();
    const n = 1 + Math.floor(r() * 16);
    const ins = Uint8Array.from({ length: n }, () => Math.floor(r() * 256));
    const out = new Uint8Array(b.length + n);
    out.set(b.subarray(0, p));
    out.set(ins, p);
    out.set(b.subarray(p), p + n);
    return { bytes: out, mutation: `insert ${n} bytes at ${p}` };
  }
  const n = Math.min(b.length, 1 + Math.floor(r() * 16));
  const p = Math.min(at(), b.length - n);
  const out = new Uint8Array(b.length - n);
  out.set(b.subarray(0, p));
  out.set(b.subarray(p + n), p);
  return { bytes: out, mutation: `delete ${n} bytes at ${p}` };
}

let cachedSources: ReturnType<typeof sources> | undefined;

/** Case k (0-based). */
export function fuzzCase(index: number): FuzzCase {
  const src = (cachedSources ??= sources());
  const r = rng(index + 1);
  const s = src[index % src.length]!;
  const m = s.format === "config" && r() < 0.8 ? mutateConfig(s.bytes, r) : mutateBytes(s.bytes, r, s.format);
  return { index, format: s.format, source: s.name, mutation: m.mutation, bytes: m.bytes, original: s.bytes };
}

/** Parses bytes as `format`; returns a digest of what loaded (for comparing with the source). */
export async function parseCase(format: Format, bytes: Uint8Array): Promise<string> {
  const arrays: Record<string, { dtype: string; shape: readonly number[]; data: ArrayLike<unknown> }> = {};
  switch (format) {
    case "npy":
      arrays["a"] = parseNpy(bytes);
      break;
    case "npz":
      Object.assign(arrays, parseNpzAll(bytes));
      break;
    case "mat":
    case "mat-v6":
      Object.assign(arrays, parseMatAll(bytes));
      break;
    case "text":
      arrays["t"] = parseTextMatrix(bytes).array;
      break;
    case "tvb": {
      const c = parseTvbZip(bytes);
      const m = (x: { rows: number; cols: number; data: Float64Array }) => ({ dtype: "float64", shape: [x.rows, x.cols], data: x.data });
      arrays["w"] = m(c.weights);
      if (c.tractLengths) arrays["l"] = m(c.tractLengths);
      if (c.centres) arrays["c"] = m(c.centres);
      arrays["labels"] = { dtype: "str", shape: [c.regionLabels?.length ?? 0], data: c.regionLabels ?? [] };
      break;
    }
    case "config": {
      // through brainfit's own file reader, as `brainfit fit config.json` would read it
      const file = path.join(tmpdir(), `brainfit-fuzz-${process.pid}.json`);
      writeFileSync(file, bytes);
      const { config, baseDir } = await readConfigFile(file);
      const runs = await runsFromConfig(config, { baseDir });
      return `config ok: ${runs.length} runs`;
    }
  }
  return digest(arrays);
}

/** JSON of name → FNV-1a digest of dtype, shape and the exact bits of every value. */
function digest(arrays: Record<string, { dtype: string; shape: readonly number[]; data: ArrayLike<unknown> }>): string {
  const out: Record<string, string> = {};
  for (const k of Object.keys(arrays).sort()) {
    let h = 0x811c9dc5;
    const add = (s: string) => {
      for (let i = 0; i < s.length; i++) h = Math.imul(h ^ s.charCodeAt(i), 16777619) >>> 0;
    };
    const a = arrays[k]!;
    add(`${a.dtype}|${a.shape.join(",")}|`);
    const d = a.data as unknown as { buffer?: ArrayBuffer; byteOffset?: number; byteLength?: number };
    if (d.buffer instanceof ArrayBuffer) {
      const u = new Uint8Array(d.buffer, d.byteOffset, d.byteLength);
      for (let i = 0; i < u.length; i++) h = Math.imul(h ^ u[i]!, 16777619) >>> 0;
    } else add(JSON.stringify(Array.from(a.data as ArrayLike<unknown>, (v) => (typeof v === "bigint" ? String(v) : v))));
    out[k] = h.toString(16);
  }
  return JSON.stringify(out);
}

/** How what loaded from a mutated file compares with what loads from its source. */
export function compareLoads(got: string, want: string): "same" | "subset" | "changed" {
  if (got === want) return "same";
  if (!got.startsWith("{")) return "changed";
  const g = JSON.parse(got) as Record<string, string>, w = JSON.parse(want) as Record<string, string>;
  // Fewer variables, each identical: a file cut at an element boundary (MAT-files have no end marker).
  return Object.keys(g).length < Object.keys(w).length && Object.entries(g).every(([k, v]) => w[k] === v) ? "subset" : "changed";
}

export const sameBytes = (a: Uint8Array, b: Uint8Array) => a.length === b.length && a.every((v, i) => v === b[i]);
