// brainfit report RUN_DIR… [--out report.html]: one self-contained HTML report of fit runs.
// A folder that is not itself a run folder (no config.json) is searched for run folders, so
// `brainfit report out/examples/hopf-pareto-dk84` reports every run of that example side by side.
// Exit codes: 0 written, 2 usage error or no run folder found.
import { type FlagSpec, formatHelp, parseFlags, UsageError } from "./args.ts";

const FLAGS: FlagSpec[] = [
  {
    name: "out",
    type: "string",
    metavar: "FILE",
    help: "where to write the report (default: report.html in the run folder, or in the common parent of several)",
  },
  {
    name: "base-dir",
    type: "string",
    metavar: "DIR",
    help: "folder the recorded config's relative data paths resolve against (default: the working directory)",
  },
  { name: "quiet", type: "boolean", help: "print nothing but errors" },
  { name: "help", type: "boolean", help: "show this help" },
];

export const REPORT_HELP = formatHelp(
  "usage: brainfit report RUN_DIR... [--out report.html]",
  "Write one self-contained HTML report (inline SVG plots, no network; opens from file://) for one\n" +
    "fit run folder or several side by side: convergence, GOF terms, failed simulations, simulated vs\n" +
    "empirical FC and FCD, per-node parameters, FIC rates, Pareto front and hypervolume, evoked\n" +
    "dipole and peak frequencies, as far as each run's data allow. See docs/report.md.",
  FLAGS,
);

/** Run folders under `path` (itself when it holds config.json), sorted. */
export async function findRunFolders(path: string): Promise<string[]> {
  const { readdir, stat } = await import("node:fs/promises");
  const p = path.replace(/[\\/]+$/, "") || "/";
  let st;
  try {
    st = await stat(p);
  } catch {
    throw new UsageError(`${path} does not exist`);
  }
  if (!st.isDirectory()) throw new UsageError(`${path} is not a folder; give fit run folders (e.g. out/fit/quickstart/cmaes_run-0)`);
  const entries = await readdir(p, { withFileTypes: true });
  if (entries.some((e) => e.isFile() && e.name === "config.json")) return [p];
  const found: string[] = [];
  for (const e of entries.filter((e) => e.isDirectory()).sort((a, b) => a.name.localeCompare(b.name))) {
    found.push(...(await findRunFolders(`${p}/${e.name}`)));
  }
  return found;
}

function commonParent(dirs: string[]): string {
  const split = dirs.map((d) => d.split("/"));
  const first = split[0]!;
  let k = 0;
  while (k < first.length && split.every((s) => s[k] === first[k])) k++;
  return first.slice(0, k).join("/") || ".";
}

export async function reportCommand(argv: string[]): Promise<number> {
  const { flags, positional } = parseFlags(argv, FLAGS, "report");
  if (flags.help) {
    process.stdout.write(REPORT_HELP);
    return 0;
  }
  if (positional.length === 0) {
    throw new UsageError("give at least one run folder, e.g. brainfit report out/fit/quickstart/cmaes_run-0; see 'brainfit report --help'");
  }
  const dirs: string[] = [];
  for (const p of positional) {
    const found = await findRunFolders(p);
    if (found.length === 0) throw new UsageError(`${p} holds no fit run folder (a folder with config.json, as brainfit fit writes)`);
    dirs.push(...found);
  }
  const out = flags.out ? String(flags.out) : `${dirs.length === 1 ? dirs[0] : commonParent(dirs)}/report.html`;
  const { writeReport, ReportError } = await import("../report/index.ts");
  try {
    await writeReport(dirs, out, { baseDir: flags["base-dir"] === undefined ? undefined : String(flags["base-dir"]) });
  } catch (e) {
    if (e instanceof ReportError) throw new UsageError(e.message);
    throw e;
  }
  if (!flags.quiet) process.stdout.write(`report: ${out} (${dirs.length} run${dirs.length > 1 ? "s" : ""})\n`);
  return 0;
}
