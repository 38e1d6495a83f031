// One curated public surface: every name the package exports (brainfit and its subpaths) has a
// doc comment with an @example, and the internals stay out of it.
import ts from "typescript";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";
import { checkExamples, docProblem, PUBLIC_API_COMPILER_OPTIONS, PUBLIC_ENTRIES, publicExports } from "./public-api.ts";

const repo = fileURLToPath(new URL("../..", import.meta.url)).replace(/\/$/, "");
const exports = publicExports(repo, PUBLIC_ENTRIES);

describe("public API", () => {
  it("every public export has a doc comment with an @example", () => {
    const problems = [
      ...new Set(exports.flatMap((e) => {
        const p = docProblem(e);
        return p ? [`${e.name} (${e.file}): ${p}`] : [];
      })),
    ];
    expect(problems, `undocumented public exports:\n  ${problems.join("\n  ")}`).toEqual([]);
  });

  it("exports no internals: code generation, backend drivers, kernel ABI, noise", () => {
    const internal = exports.filter((e) =>
      /^src\/(codegen|backends\/(webgpu|wasm\/(driver|groups|worker))|backends\/reference|noise|generated|batch\/prepare\.ts$)/.test(
        e.file,
      ) &&
      !["SimulationError", "BackendName", "RecordedChunk", "SimulationOptions", "SimulationResult"].includes(e.name)
    );
    expect(internal.map((e) => `${e.entry}: ${e.name} (${e.file})`)).toEqual([]);
  });

  it("each subpath's names are the root's names (one surface, no second spelling)", () => {
    const root = new Set(exports.filter((e) => e.entry === "src/index.ts").map((e) => e.name));
    const missing = exports.filter((e) => e.entry !== "src/index.ts" && !root.has(e.name)).map((e) => `${e.entry}: ${e.name}`);
    expect(missing).toEqual([]);
    expect(root.has("simulate") && root.has("datasets") && root.has("datasets.loadSc")).toBe(true);
  });

  it("the check reports an export without a doc comment or without an @example", () => {
    const files: Record<string, string> = {
      "/virtual/entry.ts": [
        "/** Documented.\n * @example\n * ```ts\n * f(1);\n * ```\n */\nexport function f(x: number): number { return x; }",
        "/** Documented, no example. */\nexport const g = 1;",
        "export interface H { a: number }",
        "export { k } from './other.ts';",
      ].join("\n"),
      "/virtual/other.ts": "/** Re-exported.\n * @example\n * ```ts\n * k();\n * ```\n */\nexport function k(): void {}",
    };
    const host = ts.createCompilerHost(PUBLIC_API_COMPILER_OPTIONS);
    const base = { ...host };
    host.fileExists = (f) => f in files || base.fileExists(f);
    host.readFile = (f) => files[f] ?? base.readFile(f);
    host.directoryExists = (d) => d === "/virtual" || (base.directoryExists?.(d) ?? false);
    host.getSourceFile = (f, lang) => (f in files ? ts.createSourceFile(f, files[f]!, lang) : base.getSourceFile(f, lang));
    const got = publicExports("/virtual", ["entry.ts"], host).map((e) => [e.name, docProblem(e) ?? "ok"]);
    expect(Object.fromEntries(got)).toEqual({ f: "ok", g: "no @example", H: "no doc comment", k: "ok" });
  });
});

describe("public API examples", () => {
  it("every @example type-checks as user code (strict, imports from brainfit and its subpaths)", () => {
    const errors = checkExamples(repo, exports);
    expect(errors, errors.join("\n")).toEqual([]);
  });
});
