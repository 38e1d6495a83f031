// Kill and resume: a child process is killed (SIGKILL) in the middle of a batch of runs, then
// resumed; every run must end exactly as an uninterrupted run does (history, Pareto fronts,
// best, optimizer state).
import { describe, expect, it } from "vitest";
import { spawn } from "node:child_process";
import { existsSync, mkdtempSync, readFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";

function child(args: string[], killAfter?: string): Promise<{ code: number | null; signal: string | null; out: string }> {
  return new Promise((resolve, reject) => {
    const p = spawn(process.execPath, ["scripts/run-ts.mjs", "test/fit/resume-child.ts", ...args], { stdio: ["ignore", "pipe", "pipe"] });
    let out = "";
    let err = "";
    p.stdout.on("data", (d: Buffer) => {
      out += d.toString();
      if (killAfter && out.includes(killAfter)) p.kill("SIGKILL");
    });
    p.stderr.on("data", (d: Buffer) => (err += d.toString()));
    p.on("error", reject);
    p.on("close", (code, signal) => {
      if (code !== 0 && signal === null) reject(new Error(`child failed (${code}): ${err}`));
      else resolve({ code, signal, out });
    });
  });
}

const RUNS = ["tiny/cmaes_run-0", "seed7/de_run-0", "multi/nsga2_run-0"];

function comparable(dir: string) {
  const best = JSON.parse(readFileSync(join(dir, "best.json"), "utf8")) as Record<string, unknown>;
  delete best.elapsedSeconds;
  delete best.backend;
  return {
    history: readFileSync(join(dir, "history.csv"), "utf8"),
    convergence: readFileSync(join(dir, "convergence.csv"), "utf8"),
    pareto: existsSync(join(dir, "pareto.jsonl")) ? readFileSync(join(dir, "pareto.jsonl"), "utf8") : null,
    optimizer: readFileSync(join(dir, "optimizer.json"), "utf8"),
    best,
    x: readFileSync(join(dir, "x.npy")).toString("base64"),
  };
}

describe("checkpoint and resume", () => {
  it("a run killed mid-way and resumed ends exactly as an uninterrupted run", async () => {
    const root = mkdtempSync(join(tmpdir(), "brainfit-resume-"));
    const full = join(root, "full");
    const killed = join(root, "killed");
    const a = await child([full, "fresh", "0"]);
    expect(a.out).toMatch(/done tiny\/cmaes_run-0:6 seed7\/de_run-0:4 multi\/nsga2_run-0:5/);

    const b = await child([killed, "fresh", "400"], "gen 3\n");
    expect(b.signal).toBe("SIGKILL");
    // Killed after generation 3: checkpoints exist, no run is finished.
    const cp = JSON.parse(readFileSync(join(killed, RUNS[0]!, "checkpoint.json"), "utf8")) as { generation: number; finalized: boolean };
    expect(cp.generation).toBeGreaterThanOrEqual(3);
    expect(cp.generation).toBeLessThan(6);
    expect(cp.finalized).toBe(false);
    expect(existsSync(join(killed, RUNS[0]!, "best.json"))).toBe(false);

    const c = await child([killed, "resume", "0"]);
    expect(c.out).toMatch(/done tiny\/cmaes_run-0:6 seed7\/de_run-0:4 multi\/nsga2_run-0:5/);
    expect(c.out).not.toMatch(/^gen 1$/m); // it continued, it did not start over
    for (const r of RUNS) expect(comparable(join(killed, r))).toEqual(comparable(join(full, r)));
    const hist = readFileSync(join(full, RUNS[0]!, "history.csv"), "utf8").trim().split("\n");
    expect(hist).toHaveLength(1 + 6 * 4);
    const pareto = readFileSync(join(full, RUNS[2]!, "pareto.jsonl"), "utf8").trim().split("\n").map((l) =>
      JSON.parse(l) as { generation: number; hypervolume: number }
    );
    expect(pareto.map((p) => p.generation)).toEqual([1, 2, 3, 4, 5]);
    // NSGA-II is elitist: the hypervolume of its front never decreases.
    for (let i = 1; i < pareto.length; i++) expect(pareto[i]!.hypervolume).toBeGreaterThanOrEqual(pareto[i - 1]!.hypervolume);

    // Resuming a finished run changes nothing.
    const d = await child([killed, "resume", "0"]);
    expect(d.out).not.toMatch(/gen /);
    for (const r of RUNS) expect(comparable(join(killed, r))).toEqual(comparable(join(full, r)));
  });
});
