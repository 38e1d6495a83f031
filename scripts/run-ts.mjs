// Run a TypeScript file under plain Node 20 (no TS loader needed): esbuild bundles it
// to build/run/<name>.mjs and imports it. Usage: node scripts/run-ts.mjs FILE.ts [args...]
import { build } from "esbuild";
import { mkdirSync } from "node:fs";
import { basename, dirname, join, resolve } from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";

const root = join(dirname(fileURLToPath(import.meta.url)), "..");
const file = process.argv[2];
if (!file) {
  console.error("usage: node scripts/run-ts.mjs FILE.ts [args...]");
  process.exit(2);
}
const outDir = join(root, "build", "run");
mkdirSync(outDir, { recursive: true });
const outfile = join(outDir, basename(file).replace(/\.ts$/, "") + ".mjs");
await build({
  entryPoints: [resolve(file)],
  bundle: true,
  format: "esm",
  platform: "node",
  target: "node20",
  outfile,
  packages: "external",
  banner: { js: "import { createRequire as __cr } from 'node:module'; const require = __cr(import.meta.url);" },
  logLevel: "warning",
});
process.argv.splice(1, 1); // so the script sees its own args at argv[2..]
// The bundle lives in build/run/, where the datasets' module-relative path would miss data/.
process.env.BRAINFIT_DATA ??= join(root, "data");
process.env.BRAINFIT_WASM_DIR ??= join(root, "dist", "wasm"); // likewise the built-in WASM kernels
await import(pathToFileURL(outfile).href);
