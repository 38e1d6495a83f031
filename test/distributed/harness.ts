// Test harness for the queue: a real redis-server on 127.0.0.1 and a free port (its own
// folder, persistence as asked), the brainfit CLI from source as child processes (drivers and
// workers), and a tiny fit config. Everything started here is stopped by the caller.
import { type ChildProcess, spawn } from "node:child_process";
import { mkdirSync, mkdtempSync, writeFileSync } from "node:fs";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { build } from "esbuild";
import { writeNpy } from "../../src/io/npy.ts";
import { N, targetFc, WEIGHTS } from "../fit/fixtures.ts";

const root = join(dirname(fileURLToPath(import.meta.url)), "..", "..");

export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = createServer();
    s.once("error", reject);
    s.listen(0, "127.0.0.1", () => {
      const { port } = s.address() as { port: number };
      s.close(() => resolve(port));
    });
  });
}

export interface RedisServer {
  url: string;
  port: number;
  /** Stop it (SIGTERM: with appendonly yes, the AOF is complete). */
  stop(): Promise<void>;
  /** Stop it and start it again on the same port and folder. */
  restart(downMs?: number): Promise<void>;
}

function waitFor(p: ChildProcess, text: string, what: string, ms = 10000): Promise<void> {
  return new Promise((resolve, reject) => {
    let out = "";
    const t = setTimeout(() => reject(new Error(`${what}: no '${text}' within ${ms} ms:\n${out}`)), ms);
    const on = (d: Buffer) => {
      out += d.toString();
      if (out.includes(text)) {
        clearTimeout(t);
        resolve();
      }
    };
    p.stdout?.on("data", on);
    p.stderr?.on("data", on);
    p.once("exit", (code) => {
      clearTimeout(t);
      reject(new Error(`${what} exited (${code}) before '${text}':\n${out}`));
    });
  });
}

/** redis-server on 127.0.0.1:<free port>; persist: append-only file (fsync always), else no persistence at all. */
export async function startRedis(persist: boolean): Promise<RedisServer> {
  const port = await freePort();
  const dir = mkdtempSync(join(tmpdir(), "brainfit-redis-"));
  let proc: ChildProcess;
  const start = async () => {
    proc = spawn("redis-server", [
      "--port",
      String(port),
      "--bind",
      "127.0.0.1",
      "--dir",
      dir,
      "--save",
      "",
      "--protected-mode",
      "yes",
      "--appendonly",
      persist ? "yes" : "no",
      "--appendfsync",
      "always",
    ], { stdio: ["ignore", "pipe", "pipe"] });
    const missing = new Promise<never>((_, reject) =>
      proc.once(
        "error",
        (e) =>
          reject(
            new Error(`cannot start redis-server (${e.message}); install it: scripts/install-system.sh (apt-get install redis-server)`),
          ),
      )
    );
    await Promise.race([waitFor(proc, "Ready to accept connections", "redis-server"), missing]);
  };
  const stop = () =>
    new Promise<void>((resolve) => {
      if (proc.exitCode !== null || proc.signalCode !== null) return resolve();
      proc.once("exit", () => resolve());
      proc.kill("SIGTERM");
    });
  await start();
  return {
    url: `redis://127.0.0.1:${port}`,
    port,
    stop,
    async restart(downMs = 500) {
      await stop();
      await new Promise((r) => setTimeout(r, downMs));
      await start();
    },
  };
}

let bundled: Promise<string> | null = null;
/** The CLI (test/distributed/cli-child.ts) bundled once per test process; packages stay external (bullmq from node_modules). */
export function cliBundle(): Promise<string> {
  bundled ??= (async () => {
    const outDir = join(root, "build", "distributed-test");
    mkdirSync(outDir, { recursive: true });
    const outfile = join(outDir, `cli-${process.pid}.mjs`);
    await build({
      entryPoints: [join(root, "test", "distributed", "cli-child.ts")],
      bundle: true,
      format: "esm",
      platform: "node",
      target: "node20",
      outfile,
      packages: "external",
      logLevel: "warning",
      banner: { js: "import { createRequire as __cr } from 'node:module'; const require = __cr(import.meta.url);" },
    });
    return outfile;
  })();
  return bundled;
}

export interface Child {
  proc: ChildProcess;
  out(): string;
  err(): string;
  /** Resolves at exit. */
  exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
  /** Resolves when stdout has shown `text` (rejects if it exits first). */
  waitFor(text: string | RegExp, ms?: number): Promise<void>;
}

export async function cli(args: string[]): Promise<Child> {
  const proc = spawn(process.execPath, [await cliBundle(), ...args], {
    // The bundle lives in build/: point it at the data and the built kernels (dist/wasm).
    cwd: root,
    stdio: ["ignore", "pipe", "pipe"],
    env: { ...process.env, BRAINFIT_DATA: join(root, "data"), BRAINFIT_WASM_DIR: join(root, "dist", "wasm") },
  });
  let out = "", err = "";
  const listeners: (() => void)[] = [];
  proc.stdout!.on("data", (d: Buffer) => {
    out += d.toString();
    for (const l of [...listeners]) l();
  });
  proc.stderr!.on("data", (d: Buffer) => (err += d.toString()));
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) =>
    proc.on("exit", (code, signal) => resolve({ code, signal }))
  );
  return {
    proc,
    exited,
    out: () => out,
    err: () => err,
    waitFor(text, ms = 60000) {
      const seen = () => (typeof text === "string" ? out.includes(text) : text.test(out));
      if (seen()) return Promise.resolve();
      return new Promise((resolve, reject) => {
        const t = setTimeout(() => reject(new Error(`no ${String(text)} within ${ms} ms; stdout:\n${out}\nstderr:\n${err}`)), ms);
        const l = () => {
          if (!seen()) return;
          clearTimeout(t);
          listeners.splice(listeners.indexOf(l), 1);
          resolve();
        };
        listeners.push(l);
        void exited.then(() => {
          if (seen()) return;
          clearTimeout(t);
          reject(new Error(`exited before ${String(text)}; stdout:\n${out}\nstderr:\n${err}`));
        });
      });
    },
  };
}

/** Start a worker on the queue and wait until it serves. */
export async function worker(url: string, extra: string[] = []): Promise<Child> {
  const w = await cli(["worker", "--queue", url, "--backend", "wasm", "--threads", "1", "--concurrency", "4", "--verbose", ...extra]);
  await w.waitFor("serving");
  return w;
}

/** A tiny fit (6 nodes, 1 s simulated, data in .npy files next to the config): 2 DE runs, 4 candidates × `generations`. */
export function tinyConfig(dir: string, generations = 3, over: Record<string, unknown> = {}): string {
  writeFileSync(join(dir, "w.npy"), writeNpy({ dtype: "float64", shape: [N, N], data: WEIGHTS }));
  writeFileSync(join(dir, "fc.npy"), writeNpy({ dtype: "float64", shape: [N, N], data: targetFc() }));
  const config = {
    name: "q",
    model: "SupHopf",
    network: { weights: "w.npy", speed: 5 },
    free: [{ name: "G", bounds: [0.01, 1] }],
    fixed: { a: -0.1, omega: 0.005, sigma: 0.05 },
    target: { fc: "fc.npy" },
    gof: ["+fc_corr", "-fc_diff"],
    simulation: { duration: 1, dt: 0.5, tr: 0.01, signal: "x", seed: 2 },
    optimizer: { type: "de", runs: 2, options: { popsize: 4, maxIterations: generations } },
    ...over,
  };
  const path = join(dir, "fit.json");
  writeFileSync(path, JSON.stringify(config));
  return path;
}

export const RUNS = ["q/de_run-0", "q/de_run-1"];
