// The CLI's own surface (issue 15): --version, every built-in model in `simulate --help`,
// --model-file errors that name the file (exit 2), and the launcher's filter of Dawn's
// "artificially reduced" warnings (kept with --verbose).
import { spawnSync } from "node:child_process";
import { mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { runCli as run } from "./run-cli.ts";
import { BUILTIN_MODELS } from "../../src/models/index.ts";
import { writeNpy } from "../../src/io/npy.ts";

const root = join(import.meta.dirname, "..", "..");
const pkg = JSON.parse(readFileSync(join(root, "package.json"), "utf8")) as { version: string };
const dir = mkdtempSync(join(tmpdir(), "brainfit-cli-launcher-"));
const weights = join(dir, "w.npy");
writeFileSync(weights, writeNpy({ dtype: "float64", shape: [2, 2], data: Float64Array.from([0, 1, 1, 0]) }));

describe("brainfit CLI surface", () => {
  it("--version prints package.json's version", async () => {
    for (const flag of ["--version", "-V"]) {
      const r = await run([flag]);
      expect(r.code).toBe(0);
      expect(r.out.trim()).toBe(`brainfit ${pkg.version}`);
    }
  });

  it("simulate --help lists every built-in model", async () => {
    const r = await run(["simulate", "--help"]);
    for (const name of Object.keys(BUILTIN_MODELS)) expect(r.out).toContain(name);
    expect(Object.keys(BUILTIN_MODELS).length).toBeGreaterThan(3); // the help once listed 3
  });

  it("--model-file errors name the file and exit 2", async () => {
    const bad = join(dir, "bad-model.json");
    writeFileSync(bad, "{ name: 'x' }");
    const cases: [string, RegExp][] = [
      [bad, /--model-file .*bad-model\.json: not valid JSON/],
      [join(dir, "absent.json"), /--model-file .*absent\.json: cannot read it \(ENOENT\)/],
    ];
    writeFileSync(join(dir, "array.json"), "[1, 2]");
    cases.push([join(dir, "array.json"), /--model-file .*array\.json: expected a JSON object/]);
    for (const [file, re] of cases) {
      const r = await run(["simulate", "--weights", weights, "--model-file", file]);
      expect(r.err).toMatch(re);
      expect(r.code).toBe(2);
    }
  });

  it("the launcher drops Dawn's limit warnings unless --verbose, and keeps exit codes", () => {
    const args = [
      "bin/brainfit.mjs",
      "simulate",
      "--weights",
      weights,
      "--duration",
      "0.01",
      "--backend",
      "auto",
      "--out",
      join(dir, "out"),
    ];
    const env = { ...process.env, XDG_RUNTIME_DIR: process.env.XDG_RUNTIME_DIR ?? "/tmp/xdg-brainfit" };
    const quiet = spawnSync(process.execPath, args, { cwd: root, encoding: "utf8", env });
    expect(quiet.status).toBe(0);
    expect(quiet.stderr).not.toMatch(/artificially reduced/);
    const verbose = spawnSync(process.execPath, [...args, "--verbose"], { cwd: root, encoding: "utf8", env });
    expect(verbose.status).toBe(0);
    // Only where Dawn found an adapter does it print them (CI: lavapipe); then --verbose keeps them.
    if (/WebGPU adapter '/.test(verbose.stdout)) expect(verbose.stderr).toMatch(/artificially reduced/);
    const usage = spawnSync(process.execPath, ["bin/brainfit.mjs", "simulate", "--bogus"], { cwd: root, encoding: "utf8", env });
    expect(usage.status).toBe(2);
    expect(usage.stderr).toMatch(/unknown option --bogus/);
  }, 60_000);
});

describe("brainfit simulate: per-node parameter files and FIC", () => {
  const n = 4;
  const W = Float64Array.from({ length: n * n }, (_, k) => (Math.floor(k / n) === k % n ? 0 : 0.2 + 0.1 * (k % 3)));
  const wFile = join(dir, "w4.npy");
  writeFileSync(wFile, writeNpy({ dtype: "float64", shape: [n, n], data: W }));

  it("--param-file gives each node its value (n values for every lane, or lanes × n); bad files exit 2 naming them", async () => {
    const aFile = join(dir, "a.npy");
    writeFileSync(aFile, writeNpy({ dtype: "float64", shape: [n], data: Float64Array.from([-0.1, -0.2, -0.3, -0.4]) }));
    const out = join(dir, "pf");
    const r = await run([
      "simulate",
      "--weights",
      wFile,
      "--param-file",
      `a=${aFile}`,
      "--lanes",
      "2",
      "--duration",
      "0.01",
      "--backend",
      "reference",
      "--out",
      out,
    ]);
    expect(r.err).toBe("");
    expect(r.code).toBe(0);
    const info = JSON.parse(readFileSync(join(out, "run.json"), "utf8"));
    expect(info.params.a).toEqual([-0.1, -0.2, -0.3, -0.4, -0.1, -0.2, -0.3, -0.4]);
    const short = join(dir, "short.npy");
    writeFileSync(short, writeNpy({ dtype: "float64", shape: [3], data: Float64Array.from([1, 2, 3]) }));
    const bad = await run(["simulate", "--weights", wFile, "--param-file", `a=${short}`]);
    expect(bad.code).toBe(2);
    expect(bad.err).toMatch(/--param-file a=.*short\.npy: 3 values; expected 4 \(one per node\) or 4/);
  });

  it("--fic analytical sets wIE per lane and node as analyticalFic does for the lane's G; --fic on a non-rWW model exits 2", async () => {
    const out = join(dir, "fic");
    const r = await run([
      "simulate",
      "--model",
      "rWW",
      "--weights",
      wFile,
      "--fic",
      "analytical",
      "--param",
      "G=0.5,1.5",
      "--lanes",
      "2",
      "--duration",
      "0.01",
      "--backend",
      "reference",
      "--record",
      "S_E",
      "--out",
      out,
    ]);
    expect(r.err).toBe("");
    expect(r.code).toBe(0);
    const info = JSON.parse(readFileSync(join(out, "run.json"), "utf8"));
    expect(info.fic).toEqual({ mode: "analytical" });
    const { analyticalFic } = await import("../../src/models/fic.ts");
    const expected = [...analyticalFic({ sc: W, G: 0.5 }).wIE, ...analyticalFic({ sc: W, G: 1.5 }).wIE];
    expect(info.params.wIE).toEqual(expected);
    expect(expected[0]).not.toBe(expected[n]); // G matters
    const bad = await run(["simulate", "--model", "SupHopf", "--weights", wFile, "--fic", "analytical"]);
    expect(bad.code).toBe(2);
    expect(bad.err).toMatch(/--fic: model 'SupHopf' is not rWW/);
  });
});
