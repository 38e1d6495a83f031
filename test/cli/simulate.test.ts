// brainfit simulate end to end: flags → files. Runs the CLI entry in-process.
import { describe, expect, it } from "vitest";
import { mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { runCli as run } from "./run-cli.ts";
import { loadArray } from "../../src/io/load.ts";
import { writeNpy } from "../../src/io/npy.ts";

describe("brainfit simulate", () => {
  const dir = mkdtempSync(join(tmpdir(), "brainfit-cli-"));
  const n = 5;
  const W = Float64Array.from({ length: n * n }, (_, i) => (i % 6 === 0 ? 0 : 0.1 * (i % 4)));
  writeFileSync(join(dir, "w.npy"), writeNpy({ dtype: "float64", shape: [n, n], data: W }));
  writeFileSync(
    join(dir, "len.txt"),
    Array.from({ length: n }, (_, i) => Array.from({ length: n }, (_, j) => (i === j ? 0 : 10 + i + j)).join(" ")).join("\n"),
  );

  it("writes one (lanes, time, nodes) .npy per recorded quantity and run.json", async () => {
    const out = join(dir, "out");
    const r = await run([
      "simulate",
      "--weights",
      join(dir, "w.npy"),
      "--lengths",
      join(dir, "len.txt"),
      "--speed",
      "5",
      "--model",
      "SupHopf",
      "--param",
      "G=0.1,0.2,0.3",
      "--param",
      "a=-0.1",
      "--lanes",
      "3",
      "--duration",
      "0.05",
      "--dt",
      "0.1",
      "--record",
      "x,r2",
      "--period",
      "1",
      "--backend",
      "wasm",
      "--out",
      out,
    ]);
    expect(r.err).toBe("");
    expect(r.code).toBe(0);
    const x = await loadArray(join(out, "x.npy"));
    expect(x.shape).toEqual([3, 50, n]);
    expect(x.dtype).toBe("float32");
    const r2 = await loadArray(join(out, "r2.npy"));
    expect(r2.shape).toEqual([3, 50, n]);
    const info = JSON.parse(readFileSync(join(out, "run.json"), "utf8"));
    expect(info.backend).toBe("wasm");
    expect(info.backendInfo).toMatch(/WASM/);
    expect(info.shape).toEqual([3, 50, n]);
    expect(info.params.G).toEqual([0.1, 0.2, 0.3]);
    // The reference backend writes the same trajectories within float32 error.
    const out2 = join(dir, "out-ref");
    const r3 = await run([
      "simulate",
      "--weights",
      join(dir, "w.npy"),
      "--lengths",
      join(dir, "len.txt"),
      "--speed",
      "5",
      "--param",
      "G=0.1,0.2,0.3",
      "--param",
      "a=-0.1",
      "--lanes",
      "3",
      "--duration",
      "0.05",
      "--record",
      "x",
      "--period",
      "1",
      "--backend",
      "reference",
      "--out",
      out2,
    ]);
    expect(r3.code).toBe(0);
    const xr = await loadArray(join(out2, "x.npy"));
    const a = x.data as Float32Array, b = xr.data as Float32Array;
    let err = 0;
    for (let i = 0; i < a.length; i++) err = Math.max(err, Math.abs(a[i]! - b[i]!));
    expect(err).toBeLessThan(1e-5);
  });

  it("rejects bad input with exit code 2 and a message naming the flag", async () => {
    const cases: [string[], RegExp][] = [
      [["simulate"], /--weights FILE is required/],
      [["simulate", "--weights", join(dir, "w.npy"), "--bogus", "1"], /unknown option --bogus/],
      [["simulate", "--weights", join(dir, "missing.npy")], /--weights:/],
      [["simulate", "--weights", join(dir, "w.npy"), "--param", "G"], /--param 'G'/],
      [["simulate", "--weights", join(dir, "w.npy"), "--param", "nope=1", "--duration", "0.01"], /'nope' is not a parameter/],
      [["simulate", "--weights", join(dir, "w.npy"), "--backend", "cuda"], /--backend must be/],
      [["simulate", "--weights", join(dir, "w.npy"), "--duration", "abc"], /--duration must be a number/],
    ];
    for (const [args, re] of cases) {
      const r = await run(args);
      expect(r.err).toMatch(re);
      expect(r.code).toBe(2);
    }
    const help = await run(["simulate", "--help"]);
    expect(help.code).toBe(0);
    for (
      const flag of [
        "--model",
        "--weights",
        "--lengths",
        "--speed",
        "--param",
        "--duration",
        "--dt",
        "--seed",
        "--backend",
        "--record",
        "--period",
        "--out",
      ]
    ) {
      expect(help.out).toContain(flag);
    }
    expect((await run(["nosuch"])).code).toBe(2);
  });
});
