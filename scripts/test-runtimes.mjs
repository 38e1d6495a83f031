// Runtime smoke tests, run after vitest by `npm test`: the SDK's TypeScript source in Deno,
// Bun and a real browser (headless Chromium through playwright-core); the README's CLI
// one-liners from a clone (cli); the packed package in a fresh project (consumer).
//   deno     deno test -A test/deno/*.ts           (reference; webgpu via navigator.gpu)
//   bun      bun test/bun/smoke.ts                 (reference, webgpu via Dawn, wasm)
//   browser  esbuild bundle of test/browser/entry.ts served on 127.0.0.1, opened in
//            /usr/bin/chromium with WebGPU enabled  (reference, webgpu, wasm)
// Each part prints PASS/FAIL; the last line is `runtimes: N passed, M failed`; exit 1 on any
// failure. Usage: node scripts/test-runtimes.mjs [deno] [bun] [browser] [cli] [consumer]  (default: all).
// Env: CI=true makes a backend file that exists but fails to import a failure (not a skip);
// CHROMIUM=/path overrides the browser; RUNTIME_TIMEOUT_S bounds each part (default 300).
import { spawn } from "node:child_process";
import { existsSync, mkdirSync, readdirSync, readFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { CHROMIUM_ARGS, serveIsolatedPage } from "./isolated-page.mjs";

const root = join(dirname(fileURLToPath(import.meta.url)), "..");
const bin = (name) => join(root, "node_modules", ".bin", name);
const timeoutMs = Number(process.env.RUNTIME_TIMEOUT_S ?? 300) * 1000;
const ci = process.env.CI === "true" || process.env.CI === "1";
const env = { ...process.env, XDG_RUNTIME_DIR: process.env.XDG_RUNTIME_DIR ?? "/tmp/xdg-brainfit" };
// Output is re-prefixed line by line: no colour codes unless we are on a terminal.
if (!process.stdout.isTTY && env.FORCE_COLOR === undefined) env.NO_COLOR = "1";
mkdirSync(env.XDG_RUNTIME_DIR, { recursive: true, mode: 0o700 });

// Optional backends present in this checkout (the smoke page can't look at files itself).
const backendFiles = { webgpu: "src/backends/webgpu/driver.ts", wasm: "src/backends/wasm/driver.ts" };
const presentBackends = Object.entries(backendFiles)
  .filter(([, f]) => existsSync(join(root, f)))
  .map(([b]) => b);

/** Runs a command with output passed through (prefixed); resolves with its exit code. */
function runCommand(label, cmd, args) {
  return new Promise((resolve) => {
    const child = spawn(cmd, args, { cwd: root, env, stdio: ["ignore", "pipe", "pipe"], detached: true });
    // Dawn and Mesa print a few harmless limit warnings; keep the log readable.
    const noise = /artificially reduced from .* to fit dynamic offset allocation limit/;
    const pipe = (stream, out) => {
      let buf = "";
      stream.on("data", (d) => {
        buf += d.toString();
        let nl;
        while ((nl = buf.indexOf("\n")) >= 0) {
          const line = buf.slice(0, nl);
          buf = buf.slice(nl + 1);
          if (!noise.test(line)) out.write(`  [${label}] ${line}\n`);
        }
      });
      stream.on("end", () => buf && out.write(`  [${label}] ${buf}\n`));
    };
    pipe(child.stdout, process.stdout);
    pipe(child.stderr, process.stderr);
    const timer = setTimeout(() => {
      process.stderr.write(`  [${label}] timed out after ${timeoutMs / 1000} s, killing\n`);
      try {
        process.kill(-child.pid, "SIGKILL");
      } catch {
        child.kill("SIGKILL");
      }
    }, timeoutMs);
    child.on("error", (err) => {
      clearTimeout(timer);
      process.stderr.write(`  [${label}] could not start ${cmd}: ${err.message}\n`);
      resolve(127);
    });
    child.on("close", (code, signal) => {
      clearTimeout(timer);
      resolve(code ?? (signal ? 128 : 1));
    });
  });
}

async function deno() {
  const dir = join(root, "test", "deno");
  // Explicit files: deno's directory discovery only picks *_test.ts / *.test.ts names.
  const files = existsSync(dir) ? readdirSync(dir).filter((f) => f.endsWith(".ts")).sort().map((f) => join("test", "deno", f)) : [];
  if (files.length === 0) return { ok: false, detail: "no test/deno/*.ts files" };
  const code = await runCommand("deno", bin("deno"), ["test", "-A", "--no-lock", ...files]);
  return { ok: code === 0, detail: `deno test -A ${files.join(" ")} → exit ${code}` };
}

async function bun() {
  const code = await runCommand("bun", bin("bun"), ["test/bun/smoke.ts"]);
  return { ok: code === 0, detail: `bun test/bun/smoke.ts → exit ${code}` };
}

async function browser() {
  const executablePath = process.env.CHROMIUM ?? "/usr/bin/chromium";
  if (!existsSync(executablePath)) {
    return { ok: false, detail: `${executablePath} not found (scripts/install-system.sh installs Debian's chromium)` };
  }
  const site = await serveIsolatedPage({
    root,
    entry: join(root, "test", "browser", "entry.ts"),
    outDir: join(root, "build", "browser-smoke"),
    title: "brainfit smoke",
  });
  const url = `${site.url}?backends=${presentBackends.join(",")}`;
  const { chromium } = await import("playwright-core");
  // --enable-unsafe-webgpu (in CHROMIUM_ARGS): WebGPU is off by default on Linux. With no GPU,
  // Chromium's own SwiftShader Vulkan gives the adapter (lavapipe is not picked by Chromium's Dawn).
  let browserInstance;
  try {
    browserInstance = await chromium.launch({ executablePath, headless: false, args: CHROMIUM_ARGS, env, timeout: 60_000 });
    const page = await browserInstance.newPage();
    page.on("console", (m) => {
      if (m.type() === "error" || m.type() === "warning") console.log(`  [browser console.${m.type()}] ${m.text()}`);
    });
    page.on("pageerror", (e) => console.log(`  [browser pageerror] ${e.message}`));
    await page.goto(url);
    await page.waitForFunction(() => "__brainfitSmoke" in globalThis, null, { timeout: 30_000 });
    const report = await page.evaluate(() => globalThis.__brainfitSmoke);
    console.log(`  [browser] ${browserInstance.version()} crossOriginIsolated=${report.crossOriginIsolated}`);
    for (const o of report.outcomes) console.log(`  [browser] ${o.ok ? "PASS" : "FAIL"} ${o.backend}: ${o.detail}`);
    const failed = report.outcomes.filter((o) => !o.ok).length;
    return {
      ok: failed === 0,
      detail: `chromium ${browserInstance.version()}: ${report.outcomes.map((o) => `${o.backend} ${o.ok ? "ok" : "FAILED"}`).join(", ")}`,
    };
  } finally {
    await browserInstance?.close().catch(() => {});
    site.close();
  }
}

async function consumer() {
  const code = await runCommand("consumer", process.execPath, [join(root, "scripts", "test-consumer.mjs")]);
  return {
    ok: code === 0,
    detail:
      `node scripts/test-consumer.mjs (npm pack → fresh project: tsc strict, node, deno, bun, CLI one-liners, brainfit/io bundle size) → exit ${code}`,
  };
}

async function cliOneLiners() {
  // The README's commands from a clone, in each runtime (the published ones: consumer part).
  const version = JSON.parse(readFileSync(join(root, "package.json"), "utf8")).version;
  const cmds = [
    ["npx brainfit --version", "npx", ["--no-install", "brainfit", "--version"]],
    ["bun bin/brainfit.mjs --version", bin("bun"), ["bin/brainfit.mjs", "--version"]],
    ["deno task brainfit --version", bin("deno"), ["task", "--quiet", "brainfit", "--version"]],
  ];
  const failed = [];
  for (const [label, cmd, args] of cmds) {
    const out = await new Promise((resolve) => {
      const child = spawn(cmd, args, { cwd: root, env, stdio: ["ignore", "pipe", "pipe"] });
      let text = "";
      child.stdout.on("data", (d) => (text += d));
      child.stderr.on("data", (d) => (text += d));
      child.on("error", (e) => resolve(`could not start: ${e.message}`));
      child.on("close", (code) => resolve(code === 0 ? text : `exit ${code}: ${text}`));
    });
    const ok = out.includes(`brainfit ${version}`);
    console.log(`  [cli] ${ok ? "PASS" : "FAIL"} ${label}${ok ? "" : `: ${out.trim()}`}`);
    if (!ok) failed.push(label);
  }
  return { ok: failed.length === 0, detail: failed.length ? `failed: ${failed.join(", ")}` : cmds.map((c) => c[0]).join("; ") };
}

const parts = { deno, bun, browser, cli: cliOneLiners, consumer };
const wanted = process.argv.slice(2);
for (const w of wanted) {
  if (!(w in parts)) {
    console.error(`test-runtimes: unknown part '${w}' (parts: ${Object.keys(parts).join(", ")})`);
    process.exit(2);
  }
}
console.log(
  `runtimes: backends present: reference${presentBackends.map((b) => `, ${b}`).join("")}${ci ? " (CI: missing backends fail)" : ""}`,
);
let passed = 0, failed = 0;
for (const [name, fn] of Object.entries(parts)) {
  if (wanted.length && !wanted.includes(name)) continue;
  const t0 = performance.now();
  console.log(`runtimes: ${name} …`);
  let r;
  try {
    r = await Promise.race([
      fn(),
      new Promise((_, fail) => setTimeout(() => fail(new Error(`timed out after ${timeoutMs / 1000} s`)), timeoutMs + 10_000).unref()),
    ]);
  } catch (err) {
    r = { ok: false, detail: err instanceof Error ? err.message.split("\n")[0] : String(err) };
  }
  const secs = ((performance.now() - t0) / 1000).toFixed(1);
  console.log(`${r.ok ? "PASS" : "FAIL"} ${name} (${secs} s): ${r.detail}`);
  if (r.ok) passed++;
  else failed++;
}
console.log(`runtimes: ${passed} passed, ${failed} failed`);
process.exit(failed ? 1 : 0);
