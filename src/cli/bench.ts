// brainfit bench: runs the repository's benchmark suite (bench/run.mjs); only in a checkout.
export async function benchCommand(argv: string[]): Promise<number> {
  const { spawnSync } = await import("node:child_process");
  const { existsSync } = await import("node:fs");
  const { fileURLToPath } = await import("node:url");
  const script = fileURLToPath(new URL("../bench/run.mjs", import.meta.url));
  if (!existsSync(script)) {
    process.stderr.write("brainfit bench: bench/run.mjs not found; run the benchmarks from a checkout of brainfit (npm run bench)\n");
    return 2;
  }
  if (argv.includes("--help")) {
    process.stdout.write(
      "usage: brainfit bench\n\nRuns bench/run.mjs: node-steps/s of each backend next to a native C yardstick, statistics and optimizer overheads.\n",
    );
    return 0;
  }
  return spawnSync(process.execPath, [script, ...argv], { stdio: "inherit" }).status ?? 1;
}
