// `npm run bench`: builds the native C yardstick, then runs every bench/*.bench.ts in turn
// (each via scripts/run-ts.mjs, in its own process) and prints a summary.
// Usage: node bench/run.mjs [NAME ...]   e.g. `node bench/run.mjs native wasm` runs
// bench/native.bench.ts and bench/wasm.bench.ts only.
import { execFileSync, spawnSync } from "node:child_process";
import { existsSync, mkdirSync, readdirSync, statSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

const root = join(dirname(fileURLToPath(import.meta.url)), "..");
const benchDir = join(root, "bench");
const env = { ...process.env, XDG_RUNTIME_DIR: process.env.XDG_RUNTIME_DIR ?? "/tmp/xdg-brainfit" };
mkdirSync(env.XDG_RUNTIME_DIR, { recursive: true, mode: 0o700 });

// 1. Native yardstick: the same builds bench/native.ts makes (flags kept in step with its
// NATIVE_CFLAGS and LANE_BLOCKS); built here so compile errors show up front.
const source = join(benchDir, "native", "hopf.c");
const cflags = ["-O3", "-march=native", "-fno-math-errno"];
let gcc = true;
try {
  execFileSync("gcc", ["--version"], { stdio: "ignore" });
} catch {
  gcc = false;
  console.log("bench: gcc not found, native yardstick skipped (wasm ÷ native ratios unavailable)");
}
if (gcc) {
  for (const lb of [1, 16]) {
    for (const omp of [false, true]) {
      const out = join(benchDir, "native", `hopf-lb${lb}${omp ? "-omp" : ""}.bin`);
      if (existsSync(out) && statSync(out).mtimeMs >= statSync(source).mtimeMs) continue;
      const args = [...cflags, `-DLB=${lb}`, ...(omp ? ["-fopenmp"] : []), "-o", out, source, "-lm"];
      console.log(`bench: gcc ${args.join(" ").replaceAll(root + "/", "")}`);
      try {
        execFileSync("gcc", args, { stdio: "inherit" });
      } catch (e) {
        if (!omp) throw e;
        console.log("bench: gcc -fopenmp failed, multi-threaded native figures skipped");
      }
    }
  }
}

// 2. The benches.
const wanted = process.argv.slice(2);
const files = readdirSync(benchDir)
  .filter((f) => f.endsWith(".bench.ts"))
  .filter((f) => wanted.length === 0 || wanted.includes(f.replace(/\.bench\.ts$/, "")))
  .filter((f) => gcc || f !== "native.bench.ts")
  .sort();
if (files.length === 0) {
  console.error(`bench: nothing to run${wanted.length ? ` (asked for: ${wanted.join(", ")})` : ""}`);
  process.exit(1);
}
const results = [];
for (const f of files) {
  console.log(`\n=== bench/${f} ===`);
  const t0 = performance.now();
  const r = spawnSync(process.execPath, [join(root, "scripts", "run-ts.mjs"), join("bench", f)], { cwd: root, env, stdio: "inherit" });
  const seconds = (performance.now() - t0) / 1000;
  results.push({ f, ok: r.status === 0, seconds, status: r.status ?? r.signal });
}
console.log("\nbench summary:");
for (const r of results) {
  console.log(`  ${r.ok ? "ok    " : "FAILED"} bench/${r.f} (${r.seconds.toFixed(1)} s)${r.ok ? "" : ` exit ${r.status}`}`);
}
const failed = results.filter((r) => !r.ok).length;
console.log(`bench: ${results.length - failed} ok, ${failed} failed`);
process.exit(failed ? 1 : 0);
