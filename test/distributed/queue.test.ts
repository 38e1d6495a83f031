// Queued fits against a real redis-server (127.0.0.1, a free port) with the CLI's driver and
// workers as child processes: results are those of the in-process fit, byte for byte, and stay
// so when a worker is SIGKILLed mid-job, when the driver is SIGKILLed and resumed, and when
// Redis restarts (with persistence, and without it: lost jobs are added again). A candidate
// that cannot be evaluated fails once, is reported in history.csv and the fit goes on.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { existsSync, mkdtempSync, readdirSync, readFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { runCli } from "../cli/run-cli.ts";
import { QueueDriver } from "../../src/distributed/driver.ts";
import { fitPackage } from "../../src/distributed/package.ts";
import { readConfigFile } from "../../src/fit/from-config.ts";
import { runsFromConfig } from "../../src/fit/config.ts";
import { batchOptimize } from "../../src/fit/run.ts";
import type { Optimizer } from "../../src/optim/types.ts";
import { type Child, cli, type RedisServer, RUNS, startRedis, tinyConfig, worker } from "./harness.ts";

const dir = mkdtempSync(join(tmpdir(), "brainfit-queue-"));
// 10 s simulated per candidate (tens of ms per job), so that kills land mid-job and mid-generation.
const config = tinyConfig(dir, 3, { simulation: { duration: 10, dt: 0.5, tr: 0.05, signal: "x", seed: 2 } });

/** What must match between two run folders: every file, best.json without its wall time and backend text. */
function comparable(root: string, run: string) {
  const d = join(root, run);
  const out: Record<string, unknown> = {};
  for (const f of readdirSync(d).sort()) {
    if (f === "checkpoint.json" || f === ".brainfit.lock") continue;
    if (f === "best.json") {
      const b = JSON.parse(readFileSync(join(d, f), "utf8")) as Record<string, unknown>;
      delete b.elapsedSeconds;
      delete b.backend;
      out[f] = b;
    } else out[f] = readFileSync(join(d, f)).toString(f.endsWith(".npy") ? "base64" : "utf8");
  }
  return out;
}

/** Job ids a worker took / finished (its --verbose lines). */
const lines = (w: Child, verb: string) =>
  w.out().split("\n").filter((l) => l.startsWith(`${verb} `)).map((l) => l.split(" ")[1]!.replace(/:$/, ""));
const dups = (ids: string[]) => ids.filter((id, i) => ids.indexOf(id) !== i);

async function fit(url: string, out: string, extra: string[] = []): Promise<Child> {
  return cli(["fit", config, "--queue", url, "--out", out, "--backend", "wasm", ...extra]);
}

async function stop(...ws: Child[]) {
  for (const w of ws) if (w.proc.exitCode === null && w.proc.signalCode === null) w.proc.kill("SIGTERM");
  await Promise.all(ws.map((w) => w.exited));
}

const servers: RedisServer[] = [];
const children: Child[] = [];
const reference = join(dir, "local");

beforeAll(async () => {
  const r = await runCli(["fit", config, "--out", reference, "--backend", "wasm", "--threads", "1", "--quiet"]);
  expect(r.code).toBe(0);
}, 60000);

afterAll(async () => {
  for (const c of children) if (c.proc.exitCode === null && c.proc.signalCode === null) c.proc.kill("SIGKILL");
  for (const s of servers) await s.stop();
});

async function redis(persist: boolean) {
  const s = await startRedis(persist);
  servers.push(s);
  return s;
}
async function track<T extends Child>(c: Promise<T>): Promise<T> {
  const x = await c;
  children.push(x);
  return x;
}

describe("queued fits (BullMQ on redis-server)", () => {
  it("bad queue flags exit 2 naming the flag and the fix", async () => {
    const a = await runCli(["fit", config, "--queue", "http://127.0.0.1:6379", "--out", join(dir, "never")]);
    expect(a.code).toBe(2);
    expect(a.err).toMatch(/--queue must be a redis:\/\/ or rediss:\/\/ URL/);
    const b = await runCli(["worker"]);
    expect(b.code).toBe(2);
    expect(b.err).toMatch(/give the Redis URL: --queue redis:\/\/host:6379/);
    const c = await runCli(["worker", "--queue", "redis://127.0.0.1:1", "--concurrency", "0"]);
    expect(c.code).toBe(2);
    expect(c.err).toMatch(/--concurrency must be an integer >= 1/);
    expect(existsSync(join(dir, "never"))).toBe(false);
  });

  it("two workers give the in-process results byte for byte; each job is evaluated once; SIGTERM drains", async () => {
    const r = await redis(false);
    const [a, b] = await Promise.all([track(worker(r.url)), track(worker(r.url))]);
    const out = join(dir, "two");
    const d = await track(fit(r.url, out));
    expect(await d.exited).toEqual({ code: 0, signal: null });
    expect(d.out()).toMatch(/2 worker\(s\) connected/);
    for (const run of RUNS) expect(comparable(out, run)).toEqual(comparable(reference, run));
    const done = [...lines(a, "done"), ...lines(b, "done")];
    expect(done).toHaveLength(2 * 3 * 4 + 2); // 24 candidates + the 2 runs' best re-runs
    expect(dups(done)).toEqual([]);
    expect(lines(a, "done").length * lines(b, "done").length).toBeGreaterThan(0); // both worked
    await stop(a, b);
    expect((await a.exited).code).toBe(0);
    expect(a.out()).toMatch(/stopped after \d+ evaluations/);
  }, 60000);

  it("a worker SIGKILLed mid-job: its jobs are retried on another worker, results unchanged", async () => {
    const r = await redis(false);
    const a = await track(worker(r.url, ["--lock-ms", "1500"]));
    const out = join(dir, "killed-worker");
    const d = await track(fit(r.url, out));
    await a.waitFor("take ");
    a.proc.kill("SIGKILL");
    const held = lines(a, "take").filter((id) => !lines(a, "done").includes(id));
    expect(held.length).toBeGreaterThan(0);
    const b = await track(worker(r.url, ["--lock-ms", "1500"]));
    expect(await d.exited).toEqual({ code: 0, signal: null });
    for (const id of held) expect(lines(b, "done")).toContain(id); // stalled-job recovery
    for (const run of RUNS) expect(comparable(out, run)).toEqual(comparable(reference, run));
    await stop(b);
  }, 60000);

  it("the driver SIGKILLed mid-generation: --resume collects what workers finished, adds nothing twice", async () => {
    const r = await redis(false);
    const w = await track(worker(r.url));
    const out = join(dir, "killed-driver");
    const d1 = await track(fit(r.url, out));
    await w.waitFor(/take \S+\.g2\./);
    d1.proc.kill("SIGKILL");
    expect((await d1.exited).signal).toBe("SIGKILL");
    const cp = JSON.parse(readFileSync(join(out, RUNS[0]!, "checkpoint.json"), "utf8")) as { generation: number };
    expect(cp.generation).toBe(1);
    // Let the worker finish the orphaned generation before the driver comes back.
    await w.waitFor(new RegExp(`(done \\S+\\.g2\\.[\\s\\S]*){8}`));
    const d2 = await track(fit(r.url, out, ["--resume"]));
    expect(await d2.exited).toEqual({ code: 0, signal: null });
    for (const run of RUNS) expect(comparable(out, run)).toEqual(comparable(reference, run));
    expect(dups(lines(w, "done"))).toEqual([]); // nothing evaluated twice: generation 2 was collected, not redone
    expect(lines(w, "done")).toHaveLength(2 * 3 * 4 + 2);
    for (const run of RUNS) expect(readFileSync(join(out, run, "history.csv"), "utf8").trim().split("\n")).toHaveLength(1 + 3 * 4);
    await stop(w);
  }, 60000);

  for (const persist of [true, false]) {
    // One retry: the outage's timing against the worker is not under the test's control.
    it(`Redis restarted mid-fit (${persist ? "append-only file" : "no persistence: lost jobs added again"}): the fit completes unchanged`, {
      timeout: 60000,
      retry: 1,
    }, async () => {
      const r = await redis(persist);
      // A short job lock: a job whose completion was cut off by the outage stays active in Redis
      // (append-only file) until its lock expires and stalled-job recovery hands it out again;
      // with the default 120 s that outlasts the test.
      const lock = ["--lock-ms", "1500"];
      let w = await track(worker(r.url, lock));
      const out = join(dir, `restart-${persist}`);
      const d = await track(fit(r.url, out));
      await w.waitFor(/take \S+\.g2\./);
      if (persist) await r.restart(300);
      else {
        // Without persistence the generation's jobs must really be lost: the worker that holds
        // them dies with Redis (on an idle machine it could otherwise finish and report them
        // before Redis goes down, and nothing would be lost), and a fresh one takes over.
        w.proc.kill("SIGKILL");
        await w.exited;
        await r.restart(300);
        w = await track(worker(r.url, lock));
      }
      expect(await d.exited).toEqual({ code: 0, signal: null });
      if (!persist) expect(d.err()).toMatch(/missing from Redis .* adding them again/);
      for (const run of RUNS) expect(comparable(out, run)).toEqual(comparable(reference, run));
      await stop(w);
    });
  }

  it("a candidate that cannot be evaluated fails once, shows in history.csv as failed, and the fit goes on", async () => {
    const r = await redis(false);
    const w = await track(worker(r.url));
    const { config: cfg, baseDir } = await readConfigFile(config);
    const runs = await runsFromConfig(cfg, { baseDir });
    const pkg = await fitPackage(cfg, { baseDir });
    const driver = await QueueDriver.connect({ url: r.url, sweepMs: 500 }, pkg);
    // The optimizer proposes a bad candidate (a NaN coordinate) as candidate 1 of generation 2.
    const bad = (o: Optimizer): Optimizer => {
      let asked = 0;
      let real: number[][] = [];
      return new Proxy(o, {
        get(t, k) {
          if (k === "ask") {
            return () => {
              real = t.ask();
              return ++asked === 2 ? real.map((x, j) => (j === 1 ? x.map(() => NaN) : x)) : real;
            };
          }
          if (k === "tell") return (_xs: number[][], costs: number[]) => t.tell(real, costs);
          const v = Reflect.get(t, k, t) as unknown;
          return typeof v === "function" ? v.bind(t) : v;
        },
      });
    };
    const out = join(dir, "bad");
    try {
      const [res] = await batchOptimize([bad(runs[0]!.optimizer)], [runs[0]!.problem], {
        out,
        evaluator: driver.evaluator(() => 0),
        backend: "wasm",
      });
      expect(res!.generations).toBe(3);
      expect(res!.invalid).toBe(1);
    } finally {
      await driver.close();
    }
    const rows = readFileSync(join(out, RUNS[0]!, "history.csv"), "utf8").trim().split("\n").slice(1).map((l) => l.split(","));
    const failed = rows.filter((c) => c[2] === "failed");
    expect(failed).toHaveLength(1);
    expect(failed[0]!.slice(0, 4)).toEqual(["2", "6", "failed", "nan"]);
    expect(rows.filter((c) => c[2] === "ok")).toHaveLength(11);
    // Failed once: taken once, never retried (the same candidate fails the same way everywhere).
    const f = lines(w, "failed");
    expect(f).toHaveLength(1);
    expect(lines(w, "take").filter((id) => id === f[0])).toHaveLength(1);
    expect(w.out()).toMatch(/SimulationError: simulation\.params\.G: .* parameters must be finite/);
    expect(existsSync(join(out, RUNS[0]!, "best.json"))).toBe(true);
    await stop(w);
  }, 60000);
});
