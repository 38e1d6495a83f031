// Consumer test, run by `npm test` (via scripts/test-runtimes.mjs consumer) or on its own:
//   npm pack → a fresh project in a temp folder installs the tarball → test/consumer/consumer.ts
//   (strict TypeScript, every subpath) is type-checked under node16 and bundler resolution,
//   compiled and run in Node, checked and run in Deno, run in Bun — the three must print the
//   same line — the published CLI answers `npx brainfit --version`, `bunx brainfit --version`
//   and `deno run -A npm:brainfit --version`, and `brainfit/io` alone is bundled with esbuild
//   (size reported; must stay ≤ 100 kB).
// Usage: node scripts/test-consumer.mjs   (needs a built dist/: npm run build)
import { execFileSync, spawnSync } from "node:child_process";
import { copyFileSync, mkdirSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

const root = join(dirname(fileURLToPath(import.meta.url)), "..");
const bin = (name) => join(root, "node_modules", ".bin", name);
const IO_BUNDLE_LIMIT = 100 * 1024;
const version = JSON.parse(readFileSync(join(root, "package.json"), "utf8")).version;

function run(label, cmd, args, cwd) {
  const t0 = performance.now();
  const r = spawnSync(cmd, args, {
    cwd,
    encoding: "utf8",
    env: { ...process.env, NO_COLOR: "1", DENO_NO_UPDATE_CHECK: "1" },
    timeout: 240_000,
  });
  const secs = ((performance.now() - t0) / 1000).toFixed(1);
  if (r.status !== 0) {
    throw new Error(
      `${label} failed (exit ${r.status}${r.signal ? `, ${r.signal}` : ""}, ${secs} s): ${cmd} ${args.join(" ")}\n${r.stdout}\n${r.stderr}`,
    );
  }
  console.log(`  consumer: ${label} ok (${secs} s)`);
  return r.stdout;
}

const dir = mkdtempSync(join(tmpdir(), "brainfit-consumer-"));
try {
  // 1. The tarball, as `npm publish` would upload it (dist/ is already built).
  const packOut = execFileSync("npm", ["pack", "--ignore-scripts", "--json", "--pack-destination", dir], { cwd: root, encoding: "utf8" });
  const pack = JSON.parse(packOut)[0];
  console.log(`  consumer: npm pack → ${pack.filename}: ${(pack.size / 1e6).toFixed(2)} MB packed, ${pack.entryCount} files`);

  // 2. A fresh project that installs it.
  const proj = join(dir, "project");
  mkdirSync(proj);
  writeFileSync(
    join(proj, "package.json"),
    JSON.stringify({ name: "consumer", private: true, type: "module", dependencies: { brainfit: `file:../${pack.filename}` } }, null, 2),
  );
  run("npm install <tarball>", "npm", [
    "install",
    "--no-audit",
    "--no-fund",
    "--omit=optional",
    "--ignore-scripts",
    "--prefer-offline",
    "--loglevel=error",
  ], proj);
  copyFileSync(join(root, "test", "consumer", "consumer.ts"), join(proj, "consumer.ts"));

  // 3. Strict TypeScript with the published types, under both resolution modes users pick.
  const base = { strict: true, target: "ES2022", lib: ["ES2022", "DOM"], skipLibCheck: false, types: [], noUncheckedIndexedAccess: true };
  writeFileSync(
    join(proj, "tsconfig.json"),
    JSON.stringify({ compilerOptions: { ...base, module: "node16", moduleResolution: "node16", outDir: "out" }, files: ["consumer.ts"] }),
  );
  writeFileSync(
    join(proj, "tsconfig.bundler.json"),
    JSON.stringify({ compilerOptions: { ...base, module: "ESNext", moduleResolution: "bundler", noEmit: true }, files: ["consumer.ts"] }),
  );
  run("tsc (node16, strict)", process.execPath, [join(root, "node_modules", "typescript", "bin", "tsc"), "-p", "tsconfig.json"], proj);
  run(
    "tsc (bundler, strict)",
    process.execPath,
    [join(root, "node_modules", "typescript", "bin", "tsc"), "-p", "tsconfig.bundler.json"],
    proj,
  );

  // 4. The same program in Node, Deno and Bun.
  const outputs = {
    node: run("node out/consumer.js", process.execPath, ["out/consumer.js"], proj),
  };
  run("deno check consumer.ts", bin("deno"), ["check", "--quiet", "consumer.ts"], proj);
  outputs.deno = run("deno run consumer.ts", bin("deno"), ["run", "-A", "--quiet", "consumer.ts"], proj);
  outputs.bun = run("bun consumer.ts", bin("bun"), ["consumer.ts"], proj);
  const lines = Object.fromEntries(Object.entries(outputs).map(([k, v]) => [k, v.trim().split("\n").at(-1)]));
  const parsed = JSON.parse(lines.node);
  if (parsed.version !== version || !parsed.wasmCloseToRef || parsed.samples !== 200) {
    throw new Error(`consumer: unexpected result in node: ${lines.node}`);
  }
  for (const [rt, line] of Object.entries(lines)) {
    if (line !== lines.node) throw new Error(`consumer: ${rt} printed\n  ${line}\nbut node printed\n  ${lines.node}`);
  }
  console.log(`  consumer: node, deno and bun print the same result: ${lines.node}`);

  // 5. The published CLI, as a user of the package types it.
  for (
    const [label, cmd, args] of [
      ["npx brainfit --version", "npx", ["--no-install", "brainfit", "--version"]],
      ["bunx brainfit --version", bin("bun"), ["x", "brainfit", "--version"]],
      ["deno run -A npm:brainfit --version", bin("deno"), ["run", "-A", "--quiet", "npm:brainfit", "--version"]],
    ]
  ) {
    const out = run(label, cmd, args, proj).trim();
    if (!out.includes(version)) throw new Error(`${label} printed '${out}', expected the version ${version}`);
  }

  // 6. brainfit/io alone: what a bundler ships for a user who only reads .npy/.npz/.mat files.
  writeFileSync(
    join(proj, "io-only.js"),
    'import { loadArray, parseNpy } from "brainfit/io";\nconsole.log(typeof loadArray, typeof parseNpy);\n',
  );
  run("esbuild brainfit/io", bin("esbuild"), [
    "io-only.js",
    "--bundle",
    "--minify",
    "--format=esm",
    "--platform=neutral",
    "--external:node:*",
    "--outfile=io-only.bundle.js",
    "--log-level=warning",
  ], proj);
  const size = statSync(join(proj, "io-only.bundle.js")).size;
  console.log(
    `  consumer: brainfit/io bundled alone (esbuild --minify): ${(size / 1024).toFixed(1)} kB (limit ${IO_BUNDLE_LIMIT / 1024} kB)`,
  );
  if (size > IO_BUNDLE_LIMIT) throw new Error(`brainfit/io bundles to ${size} bytes, over ${IO_BUNDLE_LIMIT}`);
  // The other entries, for the record (lazy backends and kernels are not counted: separate chunks/files).
  const sizes = [];
  for (const area of ["stats", "optim", "models", "sim", "fit", ""]) {
    const spec = area ? `brainfit/${area}` : "brainfit";
    writeFileSync(join(proj, "entry.js"), `export * from "${spec}";\n`);
    run(`esbuild ${spec}`, bin("esbuild"), [
      "entry.js",
      "--bundle",
      "--minify",
      "--format=esm",
      "--platform=neutral",
      "--splitting",
      "--outdir=entry-out",
      "--external:node:*",
      "--external:webgpu",
      "--log-level=warning",
    ], proj);
    sizes.push(`${spec} ${(statSync(join(proj, "entry-out", "entry.js")).size / 1024).toFixed(1)} kB`);
    rmSync(join(proj, "entry-out"), { recursive: true, force: true });
  }
  console.log(`  consumer: entry bundles (minified, without lazily loaded chunks): ${sizes.join(", ")}`);
  console.log("consumer: PASS");
} finally {
  rmSync(dir, { recursive: true, force: true });
}
