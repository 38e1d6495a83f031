// The import graph of the SDK's sources, folder by folder, for the layout tests.
// A folder is a top-level area: src/<area>/ (subfolders included), or "src" for the
// files directly in src/ (index.ts, version.ts).
import { readdirSync, readFileSync } from "node:fs";
import { dirname, join, relative, resolve } from "node:path";

/** Static imports, re-exports, `import type` and dynamic `import("…")` with a literal path. */
const IMPORT_RE =
  /(?:^|[\s;])(?:import|export)\s[^'"`;]*?\bfrom\s*["']([^"']+)["']|\bimport\s*\(\s*["']([^"']+)["']\s*\)|^import\s+["']([^"']+)["']/gm;

export interface ImportEdge {
  from: string;
  to: string;
}

function tsFiles(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) => {
    const p = join(dir, e.name);
    if (e.isDirectory()) return e.name === "generated" ? [] : tsFiles(p);
    return e.name.endsWith(".ts") && !e.name.endsWith(".d.ts") ? [p] : [];
  });
}

/** File-level relative imports of every .ts file under `roots` (paths relative to `repo`). */
export function fileImports(repo: string, roots: string[]): ImportEdge[] {
  const edges: ImportEdge[] = [];
  for (const root of roots) {
    for (const file of tsFiles(join(repo, root))) {
      // Comments may quote import statements (examples in doc comments); drop them first.
      const text = readFileSync(file, "utf8").replace(/\/\*[\s\S]*?\*\//g, "").replace(/(^|[^:"'`])\/\/.*$/gm, "$1");
      for (const m of text.matchAll(IMPORT_RE)) {
        const spec = m[1] ?? m[2] ?? m[3];
        if (!spec.startsWith(".")) continue;
        edges.push({ from: relative(repo, file), to: relative(repo, resolve(dirname(file), spec)) });
      }
    }
  }
  return edges;
}

/** The folder (layout unit) a repository path belongs to. */
export function folderOf(path: string): string {
  const parts = path.split(/[\\/]/);
  if (parts[0] === "src") return parts.length > 2 ? `src/${parts[1]}` : "src";
  return parts[0];
}

/** Strongly connected components of size > 1 (or self-loops excluded) of the folder graph. */
export function folderCycles(edges: ImportEdge[]): { cycles: string[][]; witnesses: Map<string, ImportEdge[]> } {
  const graph = new Map<string, Set<string>>();
  const witnesses = new Map<string, ImportEdge[]>();
  for (const e of edges) {
    const a = folderOf(e.from), b = folderOf(e.to);
    if (!graph.has(a)) graph.set(a, new Set());
    if (!graph.has(b)) graph.set(b, new Set());
    if (a === b) continue;
    graph.get(a)!.add(b);
    const key = `${a} -> ${b}`;
    witnesses.set(key, [...(witnesses.get(key) ?? []), e]);
  }
  // Tarjan's algorithm.
  let index = 0;
  const idx = new Map<string, number>(), low = new Map<string, number>(), stack: string[] = [], on = new Set<string>();
  const cycles: string[][] = [];
  const visit = (v: string) => {
    idx.set(v, index);
    low.set(v, index++);
    stack.push(v);
    on.add(v);
    for (const w of graph.get(v)!) {
      if (!idx.has(w)) {
        visit(w);
        low.set(v, Math.min(low.get(v)!, low.get(w)!));
      } else if (on.has(w)) low.set(v, Math.min(low.get(v)!, idx.get(w)!));
    }
    if (low.get(v) === idx.get(v)) {
      const scc: string[] = [];
      let w: string;
      do {
        w = stack.pop()!;
        on.delete(w);
        scc.push(w);
      } while (w !== v);
      if (scc.length > 1) cycles.push(scc.sort());
    }
  };
  for (const v of [...graph.keys()].sort()) if (!idx.has(v)) visit(v);
  return { cycles, witnesses };
}
