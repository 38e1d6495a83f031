// One run folder, one writer: a second fit on a folder in use fails with an error naming the
// holder (in-process and across processes), and a lock left by a killed process is taken over.
import { describe, expect, it } from "vitest";
import { spawn } from "node:child_process";
import { existsSync, mkdirSync, mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { hostname, tmpdir } from "node:os";
import { join } from "node:path";
import { LOCK_FILE, lockRunFolder, RunFolderLockedError } from "../../src/fit/disk.ts";
import { batchOptimize } from "../../src/fit/run.ts";
import { createOptimizer } from "../../src/optim/registry.ts";
import { tinyProblem } from "../fit/fixtures.ts";

function child(
  args: string[],
  onOut?: (out: string, kill: () => void) => void,
): Promise<{ code: number | null; signal: string | null; out: string; err: string }> {
  return new Promise((resolve, reject) => {
    const p = spawn(process.execPath, ["scripts/run-ts.mjs", "test/fit/resume-child.ts", ...args], { stdio: ["ignore", "pipe", "pipe"] });
    let out = "", err = "";
    p.stdout.on("data", (d: Buffer) => {
      out += d.toString();
      onOut?.(out, () => p.kill("SIGKILL"));
    });
    p.stderr.on("data", (d: Buffer) => (err += d.toString()));
    p.on("error", reject);
    p.on("close", (code, signal) => resolve({ code, signal, out, err }));
  });
}

const RUN = "tiny/cmaes_run-0";
const rows = (dir: string) => readFileSync(join(dir, RUN, "history.csv"), "utf8").trim().split("\n");

describe("run folder lock", () => {
  it("a second fit on a folder in use fails naming the holder; the first is not disturbed", async () => {
    const out = mkdtempSync(join(tmpdir(), "brainfit-lock-"));
    const p = tinyProblem();
    const opt = () => createOptimizer("cmaes", { lower: p.lower, upper: p.upper, popsize: 4, maxIterations: 3, seed: 1 });
    let second: unknown = null;
    const first = batchOptimize([opt()], [p], {
      out,
      backend: "reference",
      onGeneration: async (g) => {
        if (g.generation !== 1) return;
        // While the first fit runs, another one (here --resume; --overwrite alike) on the same folder.
        second = await batchOptimize([opt()], [p], { out, backend: "reference", resume: true }).then(() => null, (e: unknown) => e);
      },
    });
    const [r] = await first;
    expect(second).toBeInstanceOf(RunFolderLockedError);
    expect((second as Error).message).toContain(`pid ${process.pid} on ${hostname()}`);
    expect((second as Error).message).toContain("brainfit fit");
    expect(r!.generations).toBe(3);
    expect(rows(out)).toHaveLength(1 + 3 * 4); // no duplicated rows
    expect(existsSync(join(out, RUN, LOCK_FILE))).toBe(false); // released
  });

  it("across processes: a concurrent --resume is refused, a lock left by a SIGKILLed fit is taken over", async () => {
    const root = mkdtempSync(join(tmpdir(), "brainfit-lock-"));
    let refused: Promise<Awaited<ReturnType<typeof child>>> | null = null;
    // A: slow generations; when it has written generation 1, B tries to resume the same folder;
    // once B has given up, A is killed.
    const a = await child([root, "fresh", "1000"], (out, kill) => {
      if (!refused && out.includes("gen 1\n")) refused = child([root, "resume", "0"]).finally(kill);
    });
    const b = await refused!;
    expect(b.code).not.toBe(0);
    expect(b.err).toMatch(/is in use by brainfit fit \(pid \d+ on /);
    expect(a.signal).toBe("SIGKILL");
    const lock = JSON.parse(readFileSync(join(root, RUN, LOCK_FILE), "utf8")) as { pid: number };
    expect(lock.pid).not.toBe(process.pid); // A's lock, left behind by the kill
    // C: A's pid is dead, so its lock is stale; C takes it over, resumes and ends cleanly.
    const c = await child([root, "resume", "0"]);
    expect(c.code).toBe(0);
    expect(c.out).toMatch(/done tiny\/cmaes_run-0:6/);
    expect(rows(root)).toHaveLength(1 + 6 * 4);
    expect(existsSync(join(root, RUN, LOCK_FILE))).toBe(false);
  });

  it("a reused pid is stale; a holder on another host is not", async () => {
    const dir = mkdtempSync(join(tmpdir(), "brainfit-lock-"));
    // Our own (live) pid but another process start time: the pid was reused, the lock is stale.
    if (existsSync(`/proc/${process.pid}/stat`)) {
      writeFileSync(
        join(dir, LOCK_FILE),
        JSON.stringify({
          pid: process.pid,
          hostname: hostname(),
          started: "2020-01-01T00:00:00Z",
          procStart: "1",
          purpose: "brainfit fit",
        }),
      );
      const release = await lockRunFolder(dir, "test");
      expect(JSON.parse(readFileSync(join(dir, LOCK_FILE), "utf8")).purpose).toBe("test");
      await release();
    }
    mkdirSync(dir, { recursive: true });
    writeFileSync(
      join(dir, LOCK_FILE),
      JSON.stringify({ pid: 1, hostname: "node17.cluster", started: "2026-01-01T00:00:00Z", purpose: "brainfit fit --queue" }),
    );
    const e = await lockRunFolder(dir, "test").then(() => null, (x: unknown) => x as Error);
    expect(e).toBeInstanceOf(RunFolderLockedError);
    expect(e!.message).toContain("brainfit fit --queue (pid 1 on node17.cluster");
    expect(e!.message).toContain(`delete ${dir}/${LOCK_FILE}`);
  });
});
