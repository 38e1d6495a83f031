#!/usr/bin/env node
// brainfit CLI launcher (Node, Bun and Deno). The CLI is bundled to dist/cli.js by `npm run build`.
// Dawn (the `webgpu` package's WebGPU in Node and Bun) prints "artificially reduced" limit
// warnings straight to the process's stderr (native code, past any JS hook), on every run that
// probes the GPU. Unless --verbose is given, the CLI therefore runs in a child process whose
// stderr is passed through with those lines dropped. Deno's WebGPU is not Dawn: no child there.
import { spawn } from "node:child_process";
import { existsSync } from "node:fs";
import { fileURLToPath } from "node:url";

const cli = new URL("../dist/cli.js", import.meta.url);
if (!existsSync(fileURLToPath(cli))) {
  process.stderr.write("brainfit: dist/cli.js is missing; run `npm ci` (or `npm run build`) first\n");
  process.exit(2);
}
const args = process.argv.slice(2);
const verbose = args.includes("--verbose");
const argv = args.filter((a) => a !== "--verbose");
const DAWN_NOISE = /artificially reduced from .* to fit dynamic offset allocation limit/;
const isDeno = typeof globalThis.Deno === "object";

if (verbose || isDeno || process.env.BRAINFIT_CLI_CHILD === "1") {
  const { main } = await import(cli.href);
  process.exitCode = await main(argv);
} else {
  const child = spawn(process.execPath, [fileURLToPath(import.meta.url), ...argv], {
    stdio: ["inherit", "inherit", "pipe"],
    env: { ...process.env, BRAINFIT_CLI_CHILD: "1" },
  });
  let buf = "";
  const flush = (all) => {
    let nl;
    while ((nl = buf.indexOf("\n")) >= 0) {
      const line = buf.slice(0, nl + 1);
      buf = buf.slice(nl + 1);
      if (!DAWN_NOISE.test(line)) process.stderr.write(line);
    }
    if (all && buf) {
      if (!DAWN_NOISE.test(buf)) process.stderr.write(buf);
      buf = "";
    }
  };
  child.stderr.setEncoding("utf8");
  child.stderr.on("data", (d) => {
    buf += d;
    flush(false);
  });
  // Ctrl-C reaches the child too (same process group); the parent just waits for it.
  for (const sig of ["SIGINT", "SIGTERM"]) process.on(sig, () => child.kill(sig));
  child.on("close", (code, signal) => {
    flush(true);
    process.exitCode = code ?? (signal ? 128 + 2 : 1);
  });
}
