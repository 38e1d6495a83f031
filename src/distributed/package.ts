// The fit package: what a worker needs to evaluate any candidate of a fit, sent once. It is the
// JSON config with every data reference (files, bundled datasets) replaced by the numbers it
// loads, so a worker on another machine needs no files; the package is stored in Redis under
// its SHA-256 and workers keep the problems built from it. A package names a model (built-in
// name or a declarative spec) and data, never code: workers run nothing from the queue.
// Code-defined problems with custom penalty functions therefore cannot go through a queue.
import { createHash } from "node:crypto";
import { type ConfigContext, DataLoader, type DataRef, type FitConfig, problemsFromConfig, validateConfig } from "../fit/config.ts";
import type { FitProblem } from "../fit/problem.ts";

export interface FitPackage {
  format: "brainfit.fit-package";
  version: 1;
  /** The config with data inlined (arrays of numbers only). */
  config: FitConfig;
}

export function sha256(text: string): string {
  return createHash("sha256").update(text).digest("hex");
}

type Json = Record<string, unknown>;
const isObj = (v: unknown): v is Json => typeof v === "object" && v !== null && !Array.isArray(v);

/** A data reference that names data somewhere else (a file, a bundled dataset) rather than holding it. */
function isReference(v: unknown): boolean {
  return typeof v === "string" || isObj(v);
}

async function inline(loader: DataLoader, ref: unknown, field: string): Promise<unknown> {
  if (!isReference(ref)) return ref;
  const a = await loader.load(ref as DataRef, field);
  if (a.shape.length === 2) {
    const [rows, cols] = a.shape as [number, number];
    return Array.from({ length: rows }, (_, i) => Array.from(a.data.subarray(i * cols, (i + 1) * cols)));
  }
  return Array.from(a.data);
}

/** Inline the data references of a config section (the base config or a batch variant, which may be partial). */
async function inlineSection(loader: DataLoader, c: Json, where: string): Promise<Json> {
  const out: Json = { ...c };
  const at = (f: string) => (where ? `${where} → ${f}` : f);
  if (isObj(c.network)) {
    const n: Json = { ...c.network };
    for (const k of ["weights", "lengths"]) if (n[k] !== undefined) n[k] = await inline(loader, n[k], at(`network.${k}`));
    out.network = n;
  }
  if (Array.isArray(c.free)) {
    out.free = await Promise.all(c.free.map(async (f: unknown, i: number) => {
      if (!isObj(f)) return f;
      const g: Json = { ...f };
      if (g.groups !== undefined) g.groups = await inline(loader, g.groups, at(`free[${i}].groups`));
      if (Array.isArray(g.maps)) {
        g.maps = await Promise.all(
          g.maps.map(async (
            m: unknown,
            k: number,
          ) => (isObj(m) ? { ...m, values: await inline(loader, m.values, at(`free[${i}].maps[${k}].values`)) } : m)),
        );
      }
      return g;
    }));
  }
  if (isObj(c.target)) {
    const t: Json = { ...c.target };
    for (const k of ["bold", "fc", "fcdTril", "series", "seriesTimes", "psdPeaks"]) {
      if (t[k] !== undefined) t[k] = await inline(loader, t[k], at(`target.${k}`));
    }
    out.target = t;
  }
  if (isObj(c.simulation)) {
    const s: Json = { ...c.simulation };
    for (const k of ["hemispheres", "seriesWeights"]) if (s[k] !== undefined) s[k] = await inline(loader, s[k], at(`simulation.${k}`));
    out.simulation = s;
  }
  return out;
}

/** The package of a config (validated; data loaded relative to ctx.baseDir) and its hash. */
export async function fitPackage(config: unknown, ctx: ConfigContext = {}): Promise<{ pkg: FitPackage; text: string; hash: string }> {
  validateConfig(config);
  const loader = new DataLoader(ctx);
  const base = await inlineSection(loader, config as unknown as Json, "");
  if (Array.isArray(base.batch)) {
    base.batch = await Promise.all(base.batch.map((v: unknown, i: number) => (isObj(v) ? inlineSection(loader, v, `batch[${i}]`) : v)));
  }
  const pkg: FitPackage = { format: "brainfit.fit-package", version: 1, config: base as unknown as FitConfig };
  const text = JSON.stringify(pkg);
  return { pkg, text, hash: sha256(text) };
}

/** The problems of a package, in the order of the config's variants (problemsFromConfig's order). */
export async function problemsOfPackage(text: string): Promise<FitProblem[]> {
  const pkg = JSON.parse(text) as FitPackage;
  if (pkg?.format !== "brainfit.fit-package" || pkg.version !== 1) {
    throw new Error("not a brainfit fit package (format brainfit.fit-package, version 1)");
  }
  return problemsFromConfig(pkg.config);
}
