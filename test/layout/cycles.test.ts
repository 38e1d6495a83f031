// Layout: the source folders form a layered graph (io, models → codegen → batch → backends →
// sim → stats/optim → fit → cli). An import that points back up (models/ calling sim/, a backend
// importing the simulate() that dispatches to it) makes a cycle between folders; this fails on it.
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";
import { fileImports, folderCycles, folderOf } from "./imports.ts";

const repo = fileURLToPath(new URL("../..", import.meta.url));
const edges = fileImports(repo, ["src"]);

describe("layout: imports between folders", () => {
  it("sees static, type-only and dynamic imports (so an empty answer means something)", () => {
    const has = (from: string, to: string) => edges.some((e) => e.from === from && e.to === to);
    expect(has("src/sim/simulate.ts", "src/backends/reference.ts")).toBe(true); // static
    expect(has("src/sim/simulate.ts", "src/backends/wasm/driver.ts")).toBe(true); // import("…")
    expect(has("src/codegen/wgsl.ts", "src/batch/prepare.ts")).toBe(true); // import type
    expect(edges.length).toBeGreaterThan(200);
  });

  it("has no cycle between folders", () => {
    const { cycles, witnesses } = folderCycles(edges);
    const explain = cycles.map((c) =>
      c.flatMap((a) => c.flatMap((b) => (witnesses.get(`${a} -> ${b}`) ?? []).map((e) => `  ${e.from} imports ${e.to}`))).join("\n")
    );
    expect(cycles, `folder cycles:\n${explain.join("\n---\n")}`).toEqual([]);
  });

  it("models/ describes models only: it imports nothing that simulates", () => {
    const up = edges.filter((e) =>
      folderOf(e.from) === "src/models" && ["src/sim", "src/batch", "src/backends", "src/codegen"].includes(folderOf(e.to))
    );
    expect(up).toEqual([]);
  });

  it("the check finds a cycle when there is one", () => {
    const { cycles } = folderCycles([
      { from: "src/sim/simulate.ts", to: "src/backends/reference.ts" },
      { from: "src/backends/reference.ts", to: "src/codegen/ts.ts" },
      { from: "src/codegen/ts.ts", to: "src/sim/prepare.ts" },
      { from: "src/io/npy.ts", to: "src/io/errors.ts" },
    ]);
    expect(cycles).toEqual([["src/backends", "src/codegen", "src/sim"]]);
  });
});
