// One validator: the same bad fit refused through the CLI (brainfit fit --check), the config API
// (runsFromConfig) and the SDK (defineProblem, optimizersFor), with the same field and message,
// and every rule of the schema reached by some case here.
import { describe, expect, it } from "vitest";
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { defineProblem, type FitProblemSpec } from "../../src/fit/problem.ts";
import { configJsonSchema, deepMerge, type FitConfig, optimizersFor, runsFromConfig, validateConfig } from "../../src/fit/config.ts";
import { fitSchema } from "../../src/fit/schema.ts";
import { schemaRules } from "../../src/schema/validate.ts";
import { runCli } from "../cli/run-cli.ts";
import { asyncErrorOf, errorOf, inlineConfig, tinySpec } from "./fixtures.ts";

const baseConfig = () => inlineConfig();
const baseSpec = (): FitProblemSpec => ({
  ...tinySpec(),
  name: "t",
  fixed: { a: -0.1 },
  simulation: { duration: 1, dt: 0.5, tr: 0.01, signal: "x" },
});

/** Patches (replacing top-level sections) that each break one thing, with the field refused. */
const CASES: { what: string; patch: Record<string, unknown>; field: string; message: RegExp; configOnly?: boolean }[] = [
  {
    what: "bounds reversed",
    patch: { free: [{ name: "G", bounds: [1, 0] }] },
    field: "free[0].bounds",
    message: /need \[low, high\] with low < high, got \[1,0\]/,
  },
  {
    what: "map bounds reversed",
    patch: { free: [{ name: "G", bounds: [0, 1], maps: [{ name: "m", values: [1, 2, 3, 4, 5, 6], bounds: [2, -2] }] }] },
    field: "free[0].maps[0].bounds",
    message: /low < high/,
  },
  {
    what: "log scale from 0",
    patch: { free: [{ name: "G", bounds: [0, 1], scale: "log" }] },
    field: "free[0].bounds",
    message: /scale "log" needs low > 0, got 0/,
  },
  {
    what: "groups and maps",
    patch: {
      free: [{ name: "G", bounds: [0, 1], groups: [0, 0, 0, 1, 1, 1], maps: [{ name: "m", values: [1, 2, 3, 4, 5, 6], bounds: [0, 1] }] }],
    },
    field: "free[0]",
    message: /use either groups or maps, not both/,
  },
  {
    what: "free twice",
    patch: { free: [{ name: "G", bounds: [0, 1] }, { name: "G", bounds: [0, 2] }] },
    field: "free[1].name",
    message: /'G' is free twice/,
  },
  {
    what: "fixed and free",
    patch: { fixed: { G: 0.5 } },
    field: "fixed.G",
    message: /'G' is also free; remove it from fixed or from free/,
  },
  {
    what: "unsigned gof",
    patch: { gof: ["fc_corr"] },
    field: "gof[0]",
    message: /'fc_corr' must start with \+ \(reward\) or - \(penalty\)/,
  },
  { what: "unknown gof", patch: { gof: ["+fc_cor"] }, field: "gof[0]", message: /unknown GOF term '\+fc_cor'; did you mean '\+fc_corr'\?/ },
  {
    what: "weight of an unlisted term",
    patch: { gofWeights: { "-fcd_ks": 2 } },
    field: "gofWeights.-fcd_ks",
    message: /not one of the gof terms \(\+fc_corr\)/,
  },
  { what: "zero weight", patch: { gofWeights: { "+fc_corr": 0 } }, field: "gofWeights.+fc_corr", message: /must be > 0, got 0/ },
  {
    what: "seed + trials past 2^32",
    patch: { simulation: { duration: 1, dt: 0.5, tr: 0.01, signal: "x", seed: 0xffffffff, trials: 2 } },
    field: "simulation.trials",
    message: /seed \+ trials − 1 must stay below 2\^32/,
  },
  {
    what: "fcTr without fcSignal",
    patch: { simulation: { duration: 1, dt: 0.5, tr: 0.01, signal: "x", fcTr: 0.02 } },
    field: "simulation.fcTr",
    message: /applies only with a simulation\.fcSignal/,
  },
  {
    what: "negative dt",
    patch: { simulation: { duration: 1, dt: -0.5, tr: 0.01 } },
    field: "simulation.dt",
    message: /must be > 0, got -0\.5/,
  },
  { what: "no duration", patch: { simulation: { dt: 0.5, tr: 0.01 } }, field: "simulation.duration", message: /is required/ },
  {
    what: "integrator",
    patch: { simulation: { duration: 1, dt: 0.5, tr: 0.01, integrator: "rk4" } },
    field: "simulation.integrator",
    message: /'rk4' is not allowed; use one of "heun", "euler"/,
  },
  {
    what: "typo in simulation",
    patch: { simulation: { duration: 1, dt: 0.5, tr: 0.01, signl: "x" } },
    field: "simulation",
    message: /unknown key 'signl'; did you mean 'signal'\?/,
  },
  { what: "objectives", patch: { objectives: "pareto" }, field: "objectives", message: /'pareto' is not allowed/ },
  { what: "folder name", patch: { name: "my fit" }, field: "name", message: /'my fit' names a folder/ },
  {
    what: "FIC analytical with numerical settings",
    patch: { fic: { maxTrials: 3 } },
    field: "fic.maxTrials",
    message: /applies only to numerical FIC/,
  },
  {
    what: "FIC sampling window",
    patch: { fic: { mode: "numerical", samplingStart: 500, samplingEnd: 400 } },
    field: "fic.samplingEnd",
    message: /must be above samplingStart \(500 ms\)/,
  },
  {
    what: "FIC dt",
    patch: { fic: { mode: "numerical" }, simulation: { duration: 1, dt: 0.3, tr: 0.0099 } },
    field: "simulation.dt",
    message: /numerical FIC samples I_E every 1 ms/,
  },
  { what: "FIC and wIE", patch: { fic: {}, fixed: { wIE: 1 } }, field: "fic", message: /FIC sets wIE; remove wIE from free and fixed/ },
  {
    what: "optimizer bounds set by hand",
    patch: { optimizer: { type: "de", options: { lower: [0] } } },
    field: "optimizer.options.lower",
    message: /comes from the problem's free parameters; remove it here/,
    configOnly: true,
  },
  { what: "FIC mode", patch: { fic: { mode: "numeric" } }, field: "fic.mode", message: /did you mean "numerical"/ },
];

describe("one validator for configs and specs", () => {
  const dir = mkdtempSync(join(tmpdir(), "brainfit-schema-"));
  const fired = new Set<string>();

  for (const c of CASES) {
    it(`${c.what}: the same field and message from the CLI, the config API and the SDK`, async () => {
      const config = { ...baseConfig(), ...c.patch };
      const api = await asyncErrorOf(() => runsFromConfig(structuredClone(config)));
      // The optimizer section exists only in configs; the SDK's optimizersFor checks it with the same node.
      const sdk = c.configOnly
        ? errorOf(() => optimizersFor(defineProblem(baseSpec()), config.optimizer as FitConfig["optimizer"]))
        : errorOf(() => defineProblem({ ...baseSpec(), ...c.patch } as FitProblemSpec));
      expect(sdk.field).toBe(c.field);
      expect(sdk.message).toMatch(c.message);
      expect(api.message).toBe(sdk.message);
      expect(api.rule).toBe(sdk.rule);
      if (sdk.rule) fired.add(sdk.rule);
      const file = join(dir, `${c.what.replace(/\W+/g, "_")}.json`);
      writeFileSync(file, JSON.stringify(config));
      const cli = await runCli(["fit", file, "--check"]);
      expect(cli.code).toBe(2);
      expect(cli.err).toContain(sdk.message);
    });
  }

  it("every rule of the schema fired in one of the cases above, from the schema", () => {
    const all = [...schemaRules(fitSchema("config"))].map((r) => r.doc);
    // A spec has every rule of a config but the optimizer section's.
    const spec = [...schemaRules(fitSchema("spec"))].map((r) => r.doc);
    expect(all.filter((d) => !spec.includes(d))).toEqual(["dim, lower, upper and scale come from the free parameters"]);
    expect(all.filter((d) => !fired.has(d))).toEqual([]);
  });

  it("a batch variant's bad setting names the variant", async () => {
    const cfg = { ...baseConfig(), batch: [{ name: "a", free: [{ name: "G", bounds: [1, 0] }] }] };
    const e = errorOf(() => validateConfig(cfg));
    expect(e.field).toBe("batch[0].free[0].bounds");
    expect(e.message).toMatch(/low < high/);
  });

  it("the JSON Schema carries the rules' text and the folder-name pattern", () => {
    const s = configJsonSchema() as { description?: string; properties: Record<string, Record<string, unknown>> };
    expect(s.description).toMatch(/a fixed parameter is not also free/);
    expect(s.properties["name"]!["pattern"]).toBe("^[A-Za-z0-9._-]+$");
    const merged = deepMerge(baseConfig(), {});
    expect(() => validateConfig(merged)).not.toThrow();
  });
});
