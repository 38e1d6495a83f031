// Fuzz at scale (not in CI): N mutated inputs across .npy, .npz, .mat (v7 compressed and v6),
// text, TVB zip and fit configs. Cases run in child processes, one case at a time, each under a
// timeout: a case that exceeds it is a hang (the child is killed and a new one takes the next
// case), a child that dies or throws anything but a clean error is a crash.
//   node scripts/run-ts.mjs scripts/fuzz.ts [--cases 10000] [--workers 2] [--timeout-ms 5000]
// Prints clean errors / crashes / hangs / accepted per format; accepted inputs are split into
// byte-identical to the source, altered with the same loaded values, and altered with changed
// values (for checksummed formats — npz, compressed .mat, TVB zip — the last must be 0).
import { type ChildProcess, spawn } from "node:child_process";
import { createInterface } from "node:readline";
import { fileURLToPath } from "node:url";
import { CHECKSUMMED, compareLoads, type Format, fuzzCase, parseCase, sameBytes } from "./fuzz-cases.ts";

const arg = (name: string, dflt: number) => {
  const i = process.argv.indexOf(name);
  return i >= 0 ? Number(process.argv[i + 1]) : dflt;
};

if (process.argv.includes("--child")) {
  // Child: read "index" lines, answer one JSON line per case.
  const rl = createInterface({ input: process.stdin });
  for await (const line of rl) {
    const index = Number(line);
    const c = fuzzCase(index);
    let reply: Record<string, unknown>;
    try {
      const got = await parseCase(c.format, c.bytes);
      const want = await parseCase(c.format, c.original);
      reply = { index, verdict: "accepted", same: compareLoads(got, want) };
    } catch (e) {
      const err = e as Error;
      const clean = (err?.name === "BrainfitIOError" || err?.name === "FitConfigError" || err?.name === "OptimizerOptionError" ||
        err?.name === "ModelSpecError") && err.message.length >= 20;
      reply = { index, verdict: clean ? "error" : "crash", detail: `${err?.name}: ${String(err?.message).slice(0, 200)}` };
    }
    process.stdout.write(JSON.stringify(reply) + "\n");
  }
} else {
  const total = arg("--cases", 10000);
  const workers = arg("--workers", 2);
  const timeoutMs = arg("--timeout-ms", 5000);
  const self = fileURLToPath(import.meta.url);
  type Row = { error: number; crash: number; hang: number; identical: number; sameValues: number; subset: number; changedValues: number };
  const stats = new Map<Format, Row>();
  const examples: string[] = [];
  let next = 0;
  const t0 = Date.now();

  const record = (index: number, verdict: string, same?: string, detail?: string) => {
    const c = fuzzCase(index);
    const row = stats.get(c.format) ?? { error: 0, crash: 0, hang: 0, identical: 0, sameValues: 0, subset: 0, changedValues: 0 };
    stats.set(c.format, row);
    if (verdict === "error") row.error++;
    else if (verdict === "crash" || verdict === "hang") {
      row[verdict]++;
      examples.push(`${verdict}: case ${index} (${c.source}, ${c.mutation}): ${detail ?? ""}`);
    } else if (sameBytes(c.bytes, c.original)) row.identical++;
    else if (same === "same") row.sameValues++;
    else if (same === "subset") row.subset++;
    else {
      row.changedValues++;
      if (CHECKSUMMED.includes(c.format)) examples.push(`accepted corruption: case ${index} (${c.source}, ${c.mutation})`);
    }
  };

  const runWorker = () =>
    new Promise<void>((resolve) => {
      let child: ChildProcess;
      let current = -1;
      let timer: NodeJS.Timeout | undefined;
      const start = () => {
        child = spawn(process.execPath, ["--max-old-space-size=2048", self, "--child"], { stdio: ["pipe", "pipe", "inherit"] });
        const rl = createInterface({ input: child.stdout! });
        rl.on("line", (line) => {
          const r = JSON.parse(line) as { index: number; verdict: string; same?: string; detail?: string };
          if (r.index !== current) return;
          clearTimeout(timer);
          record(r.index, r.verdict, r.same, r.detail);
          feed();
        });
        child.on("exit", (code, signal) => {
          clearTimeout(timer);
          if (current >= 0 && !(child as ChildProcess & { killedForHang?: boolean }).killedForHang) {
            record(current, "crash", undefined, `child exited (code ${code}, signal ${signal})`);
          }
          current = -1;
          if (next < total) {
            start();
            feed();
          } else resolve();
        });
      };
      const feed = () => {
        if (next >= total) {
          current = -1;
          child.stdin!.end();
          return;
        }
        current = next++;
        if (current % 1000 === 0) process.stderr.write(`case ${current} (${((Date.now() - t0) / 1000).toFixed(0)} s)\n`);
        timer = setTimeout(() => {
          record(current, "hang", undefined, `no answer within ${timeoutMs} ms`);
          (child as ChildProcess & { killedForHang?: boolean }).killedForHang = true;
          current = -1;
          child.kill("SIGKILL");
        }, timeoutMs);
        child.stdin!.write(`${current}\n`);
      };
      start();
      feed();
    });

  await Promise.all(Array.from({ length: workers }, runWorker));
  const secs = (Date.now() - t0) / 1000;
  console.log(
    `# fuzz: ${total} cases, ${workers} child processes, ${timeoutMs} ms timeout per case, ${secs.toFixed(0)} s (node ${process.version})`,
  );
  console.log(
    "| format | cases | clean errors | crashes | hangs | accepted: identical bytes | accepted: altered, same values | accepted: altered, fewer variables (each identical) | accepted: altered, changed values |",
  );
  console.log("|---|---|---|---|---|---|---|---|---|");
  const sum: Row = { error: 0, crash: 0, hang: 0, identical: 0, sameValues: 0, subset: 0, changedValues: 0 };
  for (const [f, r] of [...stats].sort()) {
    const n = r.error + r.crash + r.hang + r.identical + r.sameValues + r.subset + r.changedValues;
    console.log(
      `| ${f}${
        CHECKSUMMED.includes(f) ? " (checksummed)" : ""
      } | ${n} | ${r.error} | ${r.crash} | ${r.hang} | ${r.identical} | ${r.sameValues} | ${r.subset} | ${r.changedValues} |`,
    );
    for (const k of Object.keys(sum) as (keyof Row)[]) sum[k] += r[k];
  }
  console.log(
    `| all | ${total} | ${sum.error} | ${sum.crash} | ${sum.hang} | ${sum.identical} | ${sum.sameValues} | ${sum.subset} | ${sum.changedValues} |`,
  );
  const corrupt = [...stats].filter(([f]) => CHECKSUMMED.includes(f)).reduce((a, [, r]) => a + r.changedValues, 0);
  console.log(`accepted corruptions of checksummed formats: ${corrupt}`);
  for (const e of examples.slice(0, 30)) console.log(e);
  process.exitCode = sum.crash + sum.hang + corrupt > 0 ? 1 : 0;
}
