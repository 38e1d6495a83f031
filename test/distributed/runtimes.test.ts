// Smoke test: `brainfit worker` under Bun and under Deno (the CLI's TypeScript source, run by
// each runtime directly) serves a fit driven from Node. Bun's workers give Node's results byte
// for byte; Deno's WASM backend uses relaxed SIMD (fused multiply-add), so its results agree
// within float32 rounding, like any cross-backend comparison.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { spawn } from "node:child_process";
import { mkdtempSync, readFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { runCli } from "../cli/run-cli.ts";
import { QueueDriver } from "../../src/distributed/driver.ts";
import { fitPackage } from "../../src/distributed/package.ts";
import { readConfigFile } from "../../src/fit/from-config.ts";
import { runsFromConfig } from "../../src/fit/config.ts";
import { batchOptimize } from "../../src/fit/run.ts";
import { type RedisServer, RUNS, startRedis, tinyConfig } from "./harness.ts";

const root = join(dirname(fileURLToPath(import.meta.url)), "..", "..");
const dir = mkdtempSync(join(tmpdir(), "brainfit-runtimes-"));
const config = tinyConfig(dir, 2);
const reference = join(dir, "local");
let redis: RedisServer;

beforeAll(async () => {
  redis = await startRedis(false);
  expect((await runCli(["fit", config, "--out", reference, "--backend", "wasm", "--threads", "1", "--quiet"])).code).toBe(0);
}, 60000);
afterAll(async () => redis?.stop());

const RUNTIMES: Record<string, string[]> = {
  bun: [join(root, "node_modules", ".bin", "bun"), "test/distributed/cli-child.ts"],
  deno: [join(root, "node_modules", ".bin", "deno"), "run", "-A", "--no-lock", "test/distributed/cli-child.ts"],
};

async function fitWith(runtime: string): Promise<{ out: string; log: string }> {
  const [cmd, ...pre] = RUNTIMES[runtime]!;
  const queue = `smoke-${runtime}`;
  const w = spawn(cmd!, [
    ...pre,
    "worker",
    "--queue",
    redis.url,
    "--queue-name",
    queue,
    "--backend",
    "wasm",
    "--threads",
    "1",
    "--concurrency",
    "4",
  ], {
    cwd: root,
    stdio: ["ignore", "pipe", "pipe"],
    env: { ...process.env, BRAINFIT_DATA: join(root, "data") },
  });
  let log = "";
  const serving = new Promise<void>((resolve, reject) => {
    w.stdout.on("data", (d: Buffer) => {
      log += d.toString();
      if (log.includes("serving")) resolve();
    });
    w.stderr.on("data", (d: Buffer) => (log += d.toString()));
    w.once("exit", (code) => reject(new Error(`${runtime} worker exited (${code}):\n${log}`)));
  });
  const exited = new Promise((r) => w.once("exit", r));
  try {
    await serving;
    const { config: cfg, baseDir } = await readConfigFile(config);
    const runs = await runsFromConfig(cfg, { baseDir });
    const driver = await QueueDriver.connect({ url: redis.url, queue }, await fitPackage(cfg, { baseDir }));
    const out = join(dir, runtime);
    try {
      await batchOptimize(runs.map((r) => r.optimizer), runs.map((r) => r.problem), { out, evaluator: driver.evaluator(() => 0) });
    } finally {
      await driver.close();
    }
    w.kill("SIGTERM");
    await exited;
    return { out, log };
  } finally {
    if (w.exitCode === null) w.kill("SIGKILL");
  }
}

const rows = (root: string, run: string) => readFileSync(join(root, run, "history.csv"), "utf8").trim().split("\n");

describe("brainfit worker in other runtimes", () => {
  it("Bun: the fit's results are Node's, byte for byte; SIGTERM drains", async () => {
    const { out, log } = await fitWith("bun");
    expect(log).toMatch(/\(bun\) on queue/);
    expect(log).toMatch(/stopped after 18 evaluations/);
    for (const run of RUNS) {
      expect(readFileSync(join(out, run, "history.csv"), "utf8")).toBe(readFileSync(join(reference, run, "history.csv"), "utf8"));
    }
  }, 90000);

  it("Deno: the fit completes; first-generation GOF within float32 rounding of Node's", async () => {
    const { out, log } = await fitWith("deno");
    expect(log).toMatch(/\(deno\) on queue/);
    expect(log).toMatch(/stopped after 18 evaluations/);
    for (const run of RUNS) {
      const a = rows(out, run), b = rows(reference, run);
      expect(a).toHaveLength(b.length);
      for (let i = 1; i <= 4; i++) {
        const [x, y] = [a[i]!.split(","), b[i]!.split(",")];
        expect(x.slice(0, 4)).toEqual(y.slice(0, 4)); // generation, evaluation, status, G
        for (let k = 4; k < x.length; k++) expect(Math.abs(Number(x[k]) - Number(y[k]))).toBeLessThan(1e-4);
      }
    }
  }, 120000);
});
