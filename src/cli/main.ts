// The brainfit command line: `brainfit simulate`, `brainfit demo`, `brainfit bench`.
// Exit codes: 0 success, 1 run failure, 2 usage error (bad flags or input files).
import { type FlagSpec, formatHelp, parseFlags, UsageError } from "./args.ts";
import { VERSION } from "../version.ts";

const COMMANDS: Record<string, { summary: string; run: (argv: string[]) => Promise<number> }> = {
  simulate: {
    summary: "simulate a batch of network models and write .npy outputs",
    run: async (a) => (await import("./simulate.ts")).simulateCommand(a),
  },
  fit: {
    summary: "fit a model to data as a JSON config describes (--quickstart: a small real fit)",
    run: async (a) => (await import("./fit.ts")).fitCommand(a),
  },
  worker: {
    summary: "evaluate candidates of queued fits (fit --queue) from Redis until stopped",
    run: async (a) => (await import("./worker.ts")).workerCommand(a),
  },
  demo: {
    summary: "simulate the bundled HCP connectome and print a summary",
    run: async (a) => (await import("./demo.ts")).demoCommand(a),
  },
  report: { summary: "write an HTML report (plots) of fit run folders", run: async (a) => (await import("./report.ts")).reportCommand(a) },
  compile: {
    summary: "compile a model's WASM kernels ahead of time for edge runtimes (workerd)",
    run: async (a) => (await import("./compile.ts")).compileCommand(a),
  },
  schema: {
    summary: "print the JSON Schema of fit configs (for editor completion and checks)",
    run: async (a) => (await import("./schema.ts")).schemaCommand(a),
  },
  bench: { summary: "run the benchmarks (same as npm run bench)", run: async (a) => (await import("./bench.ts")).benchCommand(a) },
};

export function mainHelp(): string {
  const w = Math.max(...Object.keys(COMMANDS).map((k) => k.length)) + 2;
  return (
    "usage: brainfit <command> [options]\n       brainfit --version\n\nFit brain network models to neuroimaging data.\n\nCommands:\n" +
    Object.entries(COMMANDS).map(([k, c]) => `  ${k.padEnd(w)}${c.summary}`).join("\n") +
    "\n\nRun 'brainfit <command> --help' for the options of a command. --verbose (any command) keeps the\nWebGPU driver's own warnings on stderr.\n"
  );
}

export async function main(argv: string[]): Promise<number> {
  const [cmd, ...rest] = argv;
  if (!cmd || cmd === "--help" || cmd === "-h" || cmd === "help") {
    process.stdout.write(mainHelp());
    return cmd ? 0 : 2;
  }
  if (cmd === "--version" || cmd === "-V" || cmd === "version") {
    process.stdout.write(`brainfit ${VERSION}\n`);
    return 0;
  }
  const c = COMMANDS[cmd];
  if (!c) {
    process.stderr.write(`brainfit: unknown command '${cmd}'\n\n${mainHelp()}`);
    return 2;
  }
  try {
    return await c.run(rest);
  } catch (err) {
    // Bad flags, bad files and bad model or simulation settings are the caller's to fix: exit 2.
    const input = ["UsageError", "SimulationError", "NetworkError", "ModelSpecError", "ExprSyntaxError", "BrainfitIOError"];
    if (err instanceof UsageError || input.includes((err as Error)?.name)) {
      process.stderr.write(`brainfit ${cmd}: ${(err as Error).message}\n`);
      return 2;
    }
    const e = err as Error;
    process.stderr.write(`brainfit ${cmd}: ${e?.name && e.name !== "Error" ? e.name + ": " : ""}${e?.message ?? String(err)}\n`);
    return 1;
  }
}

export { type FlagSpec, formatHelp, parseFlags };
