// Bundle scripts/gen-kernels.ts with esbuild and run it (Node 20 cannot run TS directly).
import { build } from "esbuild";
import { mkdirSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";

const root = join(dirname(fileURLToPath(import.meta.url)), "..");
const out = join(root, "build", "gen-kernels.mjs");
mkdirSync(dirname(out), { recursive: true });
await build({
  entryPoints: [join(root, "scripts", "gen-kernels.ts")],
  bundle: true,
  platform: "node",
  format: "esm",
  target: "node20",
  outfile: out,
  packages: "external",
  logLevel: "warning",
});
process.argv[2] = root;
await import(pathToFileURL(out).href);
