// brainfit fit: run the fit a JSON config describes; results per run in <out>/<problem>/<type>_run-<k>/.
// Exit codes: 0 every run finished with a finite best; 1 a run failed or found no finite cost;
// 2 usage or config errors (the message names the field and the fix), or an --out folder that
// already holds a run without --resume/--overwrite.
import { readConfigFile } from "../fit/from-config.ts";
import { runsFromConfig, validateConfig } from "../fit/config.ts";
import { QUICKSTART_CONFIG } from "../fit/quickstart.ts";
import { RunFolderLockedError } from "../fit/disk.ts";
import { batchOptimize, FitRunError, type ProgressInfo, type RunResult } from "../fit/run.ts";
import { FitConfigError } from "../schema/validate.ts";
import { formatNumber as fmt, summarize } from "../fit/summary.ts";
import type { BackendName } from "../batch/prepare.ts";
import { type FlagSpec, formatHelp, parseFlags, UsageError } from "./args.ts";

const FLAGS: FlagSpec[] = [
  {
    name: "out",
    type: "string",
    default: "out/fit",
    metavar: "DIR",
    help: "results root; each run writes DIR/<problem>/<optimizer>_run-<k>/",
  },
  { name: "backend", type: "string", default: "auto", metavar: "auto|webgpu|wasm|reference", help: "where simulations run" },
  { name: "threads", type: "number", metavar: "N", help: "wasm backend worker threads (default: all cores)" },
  {
    name: "max-lanes",
    type: "number",
    metavar: "N",
    help: "most simulations per backend call; larger generations are split (default: recorded samples under 1 GiB per call)",
  },
  { name: "resume", type: "boolean", help: "continue runs from their checkpoints in --out (a finished run is left as it is)" },
  { name: "overwrite", type: "boolean", help: "start again in run folders that already hold a run" },
  { name: "max-generations", type: "number", metavar: "N", help: "pause every run after N generations (in total; --resume continues it)" },
  {
    name: "queue",
    type: "string",
    metavar: "URL",
    help: "run the simulations on 'brainfit worker's through BullMQ on Redis (redis://host:6379; see docs/distributed.md)",
  },
  { name: "queue-name", type: "string", default: "brainfit", metavar: "NAME", help: "with --queue: the queue the workers serve" },
  {
    name: "quickstart",
    type: "boolean",
    help: "run the bundled quickstart fit (examples/quickstart.json) instead of a config file; reruns start again",
  },
  { name: "check", type: "boolean", help: "validate the config and load its data, then exit without fitting" },
  { name: "no-report", type: "boolean", help: "do not write report.html (by default one report of all runs is written under --out)" },
  { name: "quiet", type: "boolean", help: "print nothing but errors" },
  { name: "help", type: "boolean", help: "show this help" },
];

export const FIT_HELP = formatHelp(
  "usage: brainfit fit <config.json> [options]\n       brainfit fit --quickstart [options]",
  "Fit a brain network model as the JSON config describes (see docs/fit.md). Writes per run:\n" +
    "config.json, history.csv (every candidate), checkpoint.json (after every generation), best.json,\n" +
    "optimizer.json and the best simulation's outputs (.npy). A progress line shows on terminals.\n" +
    "Exit codes: 0 done, 1 a run failed or found no finite cost, 2 usage or config error.",
  FLAGS,
);

function progressLine(p: ProgressInfo): string {
  const eta = p.etaSeconds === null ? "?" : p.etaSeconds < 90 ? `${p.etaSeconds.toFixed(0)} s` : `${(p.etaSeconds / 60).toFixed(1)} min`;
  return `gen ${p.generation}  runs ${p.running}/${p.runs}  evals ${p.evaluations} (${p.evaluationsPerSecond.toFixed(1)}/s)  best cost ${
    Number.isFinite(p.bestCost) ? fmt(p.bestCost) : "-"
  }  ETA ${eta}${p.diverged ? `  diverged ${p.diverged}` : ""}`;
}

/**
 * The HTML report of the runs just finished (or paused): <run folder>/report.html for one run,
 * <out>/report.html for several. A report that fails to render never fails the fit: the
 * results are on disk and `brainfit report` can be run again.
 */
async function writeFitReport(results: RunResult[], out: string, quiet: boolean, baseDir: string | undefined): Promise<void> {
  const dirs = results.map((r) => r.dir).filter((d): d is string => d !== null);
  if (dirs.length === 0) return;
  const file = `${dirs.length === 1 ? dirs[0] : out.replace(/[\\/]+$/, "")}/report.html`;
  try {
    const { writeReport } = await import("../report/index.ts");
    await writeReport(dirs, file, { baseDir });
    if (!quiet) process.stdout.write(`report: ${file}\n`);
  } catch (e) {
    process.stderr.write(
      `brainfit fit: the results are saved but the report could not be written (${(e as Error).message}); try 'brainfit report ${
        dirs.join(" ")
      }${baseDir ? ` --base-dir ${baseDir}` : ""}'\n`,
    );
  }
}

async function connectQueue(
  url: string,
  queue: string,
  config: unknown,
  baseDir: string | undefined,
  problems: import("../fit/problem.ts").FitProblem[],
  o: { onProgress?: (q: import("../distributed/driver.ts").QueueProgress) => void; log?: (line: string) => void },
) {
  const { fitPackage } = await import("../distributed/package.ts");
  const { QueueDriver } = await import("../distributed/driver.ts");
  const pkg = await fitPackage(config, { baseDir });
  const driver = await QueueDriver.connect({ url, queue, ...o }, pkg);
  // The package's problems are the config's variants in order: the distinct problems of the runs.
  const variants = [...new Set(problems)];
  return { driver, evaluator: driver.evaluator((p) => variants.indexOf(p)) };
}

export async function fitCommand(argv: string[]): Promise<number> {
  const { flags, positional } = parseFlags(argv, FLAGS, "fit");
  if (flags.help) {
    process.stdout.write(FIT_HELP);
    return 0;
  }
  const quiet = Boolean(flags.quiet);
  if (positional.length > 1) throw new UsageError(`expected one config file, got ${positional.length} (${positional.join(", ")})`);
  if (!flags.quickstart && positional.length === 0) {
    throw new UsageError("give a config file (brainfit fit config.json) or --quickstart; see 'brainfit fit --help'");
  }
  if (flags.quickstart && positional.length) throw new UsageError("give either a config file or --quickstart, not both");
  const backend = String(flags.backend) as BackendName;
  if (!["auto", "webgpu", "wasm", "reference"].includes(backend)) {
    throw new UsageError(`--backend must be auto, webgpu, wasm or reference, got '${backend}'`);
  }
  if (flags.resume && flags.overwrite) throw new UsageError("--resume and --overwrite contradict each other; pick one");
  if (flags.queue !== undefined && !/^rediss?:\/\/./.test(String(flags.queue))) {
    throw new UsageError(`--queue must be a redis:// or rediss:// URL (e.g. redis://127.0.0.1:6379), got '${String(flags.queue)}'`);
  }
  try {
    let config: unknown = flags.quickstart ? structuredClone(QUICKSTART_CONFIG) : undefined;
    let baseDir: string | undefined;
    if (!config) ({ config, baseDir } = await readConfigFile(positional[0]!));
    validateConfig(config);
    const runs = await runsFromConfig(config, { baseDir });
    if (flags.check) {
      if (!quiet) {
        process.stdout.write(
          `config OK: ${runs.length} run(s): ${
            runs.map((r) =>
              `${r.problem.name} (${r.optimizer.type}, ${r.problem.dim} dimensions: ${r.problem.dims.map((d) => d.name).join(", ")})`
            ).join("; ")
          }\n`,
        );
      }
      return 0;
    }
    const maxLanes = flags["max-lanes"] === undefined ? undefined : Number(flags["max-lanes"]);
    if (maxLanes !== undefined && !(Number.isInteger(maxLanes) && maxLanes >= 1)) {
      throw new UsageError(`--max-lanes must be an integer >= 1, got ${String(flags["max-lanes"])}`);
    }
    const tty = !quiet && process.stdout.isTTY === true;
    const out = String(flags.out);
    if (!quiet) process.stdout.write(`brainfit fit: ${runs.length} run(s) → ${out}${flags.resume ? " (resuming)" : ""}\n`);
    // --queue: workers evaluate; everything else (optimizers, run folders, checkpoints) stays here.
    let queued: Awaited<ReturnType<typeof connectQueue>> | null = null;
    let queueLine = "";
    let lastLine = "";
    if (typeof flags.queue === "string") {
      queued = await connectQueue(flags.queue, String(flags["queue-name"]), config, baseDir, runs.map((r) => r.problem), {
        onProgress: tty
          ? (q) => {
            queueLine = `  | workers ${q.workers}, queue ${q.waiting} waiting ${q.active} active, ${q.simsPerSecond.toFixed(1)} sims/s`;
            if (lastLine) process.stdout.write(`\r\x1b[2K${lastLine}${queueLine}`);
          }
          : undefined,
        log: quiet ? undefined : (line) => process.stderr.write(`${tty ? "\n" : ""}brainfit fit: ${line}\n`),
      });
      if (!quiet) {
        process.stdout.write(
          `brainfit fit: simulations go to queue '${queued.driver.queueName}' (fit package ${queued.driver.pkgHash.slice(0, 12)}); ${
            (await queued.driver.workers()).length
          } worker(s) connected\n`,
        );
      }
    }
    const results = await batchOptimize(runs.map((r) => r.optimizer), runs.map((r) => r.problem), {
      evaluator: queued?.evaluator,
      lockPurpose: queued ? "brainfit fit --queue" : "brainfit fit",
      // The quickstart is a demo: running it again starts it again (unless --resume).
      out,
      backend,
      config,
      resume: Boolean(flags.resume),
      overwrite: Boolean(flags.overwrite) || (Boolean(flags.quickstart) && !flags.resume),
      threads: flags.threads === undefined ? undefined : Number(flags.threads),
      maxLanesPerCall: maxLanes,
      maxGenerations: flags["max-generations"] === undefined ? undefined : Number(flags["max-generations"]),
      log: (line) => void (quiet || process.stderr.write(`brainfit fit: ${line}\n`)),
      onGeneration: tty ? (p) => void process.stdout.write(`\r\x1b[2K${(lastLine = progressLine(p))}${queueLine}`) : undefined,
    }).finally(() => queued?.driver.close());
    if (tty) process.stdout.write("\n");
    if (!quiet) process.stdout.write(summarize(results));
    if (!flags["no-report"]) await writeFitReport(results, out, quiet, baseDir);
    // Paused runs (--max-generations) count as done when they have a finite best so far.
    return results.every((r) => r.best !== null) ? 0 : 1;
  } catch (e) {
    if (e instanceof FitConfigError) throw new UsageError(e.message);
    if (e instanceof FitRunError) throw new UsageError(e.message);
    if (e instanceof RunFolderLockedError) throw new UsageError(e.message);
    throw e;
  }
}
