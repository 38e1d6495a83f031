// Fit from a JSON config (object or file path): validate, build problems and optimizers, run
// them as one batch. Used by `brainfit fit` and the examples.
import type { BackendName } from "../batch/prepare.ts";
import { type ConfigContext, runsFromConfig, validateConfig } from "./config.ts";
import { batchOptimize, type OptimizeOptions, type RunResult } from "./run.ts";
import { FitConfigError } from "../schema/validate.ts";

/**
 * fitFromConfig's options: optimize()'s, with the backend and where relative paths and bundled
 * datasets are found.
 *
 * @example
 * ```ts
 * import { fitFromConfig, QUICKSTART_CONFIG, type FitFromConfigOptions } from "brainfit/fit";
 * const opts: FitFromConfigOptions = { out: "out/fit", backend: "wasm", context: { baseDir: "configs" } };
 * const results = await fitFromConfig(QUICKSTART_CONFIG, opts);
 * ```
 */
export interface FitFromConfigOptions extends Omit<OptimizeOptions, "config"> {
  backend?: BackendName;
  context?: ConfigContext;
}

/** Read a JSON config file; FitConfigError (with the file name) when it is not valid JSON. */
export async function readConfigFile(path: string): Promise<{ config: unknown; baseDir: string }> {
  const { readFile } = await import("node:fs/promises");
  let text: string;
  try {
    text = await readFile(path, "utf8");
  } catch (e) {
    throw new FitConfigError("", `cannot read ${path}: ${(e as Error).message}`);
  }
  let config: unknown;
  try {
    config = JSON.parse(text);
  } catch (e) {
    throw new FitConfigError("", `${path} is not valid JSON (${(e as Error).message})`);
  }
  const i = Math.max(path.lastIndexOf("/"), path.lastIndexOf("\\"));
  return { config, baseDir: i >= 0 ? path.slice(0, i) || "/" : "." };
}

/**
 * Validate a config, build its problems and optimizers, and run them (as `brainfit fit` does);
 * one RunResult per optimizer run.
 *
 * @example
 * ```ts
 * import { fitFromConfig, summarize } from "brainfit/fit";
 * import { readFile } from "node:fs/promises";
 * const config = JSON.parse(await readFile("examples/quickstart.json", "utf8"));
 * const results = await fitFromConfig(config, { out: "out/fit", resume: true });
 * console.log(summarize(results));
 * ```
 */
export async function fitFromConfig(config: unknown, opts: FitFromConfigOptions = {}): Promise<RunResult[]> {
  let ctx = opts.context ?? {};
  if (typeof config === "string") {
    const r = await readConfigFile(config);
    config = r.config;
    ctx = { baseDir: r.baseDir, ...ctx };
  }
  validateConfig(config);
  const runs = await runsFromConfig(config, ctx);
  return batchOptimize(runs.map((r) => r.optimizer), runs.map((r) => r.problem), { ...opts, config });
}
