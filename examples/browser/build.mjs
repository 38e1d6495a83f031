// Builds the browser page into build/browser-page/ (esbuild bundle of main.ts + index.html, and
// the built-in kernels of dist/wasm/ in wasm/: run `npm run build` first).
// Usage: node examples/browser/build.mjs   (then: node examples/browser/serve.mjs)
import { copyFileSync, cpSync, mkdirSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { build } from "esbuild";

const here = dirname(fileURLToPath(import.meta.url));
export const pageDir = join(here, "..", "..", "build", "browser-page");

export async function buildPage() {
  mkdirSync(pageDir, { recursive: true });
  await build({
    entryPoints: [join(here, "main.ts")],
    bundle: true,
    format: "esm",
    platform: "browser",
    target: "es2022",
    outfile: join(pageDir, "main.js"),
    // Node-only paths of the SDK are lazy imports behind runtime checks; leave them out.
    external: ["node:*", "webgpu"],
    minify: true,
    sourcemap: true,
    logLevel: "warning",
  });
  copyFileSync(join(here, "index.html"), join(pageDir, "index.html"));
  // The built-in WASM kernels, where the bundle looks for them (./wasm/ beside main.js).
  cpSync(join(here, "..", "..", "dist", "wasm"), join(pageDir, "wasm"), { recursive: true });
  return pageDir;
}

if (process.argv[1] === fileURLToPath(import.meta.url)) console.log(`built ${await buildPage()}`);
