// Settings that cannot work are refused before any simulation, naming the field, the numbers and the fix.
import { describe, expect, it } from "vitest";
import { configJsonSchema, type FitConfig, runsFromConfig, validateConfig } from "../../src/fit/config.ts";
import { fastestTimeScaleMs } from "../../src/fit/budget.ts";
import { defineProblem } from "../../src/fit/problem.ts";
import { FitConfigError } from "../../src/schema/validate.ts";
import { createOptimizer } from "../../src/optim/registry.ts";
import { OPTIMIZER_TYPES } from "../../src/optim/registry.ts";
import { OPTIMIZER_OPTIONS } from "../../src/optim/options.ts";
import { compileModel } from "../../src/models/spec.ts";
import { rww } from "../../src/models/rww.ts";
import { inlineConfig, tinySpec } from "./fixtures.ts";

const config = (over: Partial<FitConfig> = {}): FitConfig => inlineConfig({ optimizer: { type: "cmaes" }, ...over });

function refusal(f: () => unknown): Error {
  try {
    f();
  } catch (e) {
    return e as Error;
  }
  throw new Error("expected a refusal");
}

describe("optimizer option types", () => {
  it("maxIterations: {} is refused in a config, naming the field", () => {
    const e = refusal(() => validateConfig(config({ optimizer: { type: "cmaes", options: { maxIterations: {} } } })));
    expect(e).toBeInstanceOf(FitConfigError);
    expect(e.message).toMatch(/^optimizer\.options\.maxIterations: expected an integer, got an object/);
  });

  it("every option of every optimizer is type-checked (a string where a number or boolean belongs is refused)", () => {
    for (const t of OPTIMIZER_TYPES) {
      for (const [k, s] of Object.entries(OPTIMIZER_OPTIONS[t])) {
        if (s.type === "any" || s.type === "string") continue;
        const e = refusal(() => createOptimizer(t, { lower: [0, 0], upper: [1, 1], [k]: "oops" } as never));
        expect(e.message, `${t}.${k}`).toMatch(new RegExp(`options\\.${k}: expected`));
      }
    }
  });

  it("batch variants' options are checked against their own optimizer type", () => {
    const e = refusal(() => validateConfig(config({ batch: [{ name: "v", optimizer: { type: "de", options: { CR: 2 } } }] })));
    expect(e.message).toMatch(/batch\[0\]\.optimizer\.options\.CR: must be <= 1, got 2/);
  });
});

describe("integration step against the model's time scales", () => {
  it("finds the fastest time scale of rWW near its GABA time constant", () => {
    const tau = fastestTimeScaleMs(compileModel(rww))!;
    // tau_I = 10 ms, shortened by the inhibitory feedback at rest: a few ms
    expect(tau).toBeGreaterThan(1);
    expect(tau).toBeLessThan(10);
  });

  it("dt = 1e-300 is refused with the step count and a suggested dt", () => {
    const e = refusal(() => defineProblem(tinySpec({ simulation: { duration: 1, dt: 1e-300, tr: 0.01, signal: "x" } })));
    expect(e.message).toMatch(
      /^simulation\.dt: 1e-300 ms makes 1\.00e\+303 integration steps per simulation .* fastest time scale is [\d.]+ ms, so dt ≈ [\d.]+ ms/,
    );
  });

  it("a dt far above the fastest time scale is refused", () => {
    const e = refusal(() => defineProblem(tinySpec({ simulation: { duration: 1, dt: 10, tr: 0.01, signal: "x" } })));
    expect(e.message).toMatch(/simulation\.dt: 10 ms is more than twice the model's fastest time scale \([\d.]+ ms/);
  });
});

describe("generation size", () => {
  it("popsize: 8000000 is refused with the memory figure and the largest size that fits", async () => {
    const err = await runsFromConfig(config({ optimizer: { type: "cmaes", options: { popsize: 8_000_000 } } })).catch((e: unknown) =>
      e as Error
    );
    expect(err).toBeInstanceOf(FitConfigError);
    expect((err as Error).message).toMatch(
      /^optimizer\.options\.popsize: 8\.00e\+6 candidates per generation need at least [\d.]+ GiB .* use at most \d+/,
    );
  });

  it("an ordinary popsize passes", async () => {
    await expect(runsFromConfig(config({ optimizer: { type: "cmaes", options: { popsize: 64 } } }))).resolves.toHaveLength(1);
  });
});

describe("JSON Schema generated from the validator", () => {
  const schema = configJsonSchema() as {
    properties: Record<
      string,
      {
        properties?: Record<string, unknown>;
        allOf?: { if: unknown; then: { properties: { options: { properties: Record<string, unknown> } } } }[];
      }
    >;
    required: string[];
  };
  it("lists every top-level field and requires what the validator requires", () => {
    expect(Object.keys(schema.properties)).toEqual(
      expect.arrayContaining(["model", "network", "free", "target", "gof", "simulation", "optimizer", "batch"]),
    );
    expect(schema.required).toEqual(expect.arrayContaining(["model", "network", "free", "gof", "simulation", "optimizer"]));
  });
  it("gives each optimizer type its own options, typed", () => {
    const cases = schema.properties["optimizer"]!.allOf!;
    expect(cases).toHaveLength(OPTIMIZER_TYPES.length);
    const cma = cases.find((c) => JSON.stringify(c.if).includes('"cmaes"'))!;
    expect(cma.then.properties.options.properties["maxIterations"]).toMatchObject({ type: "integer", minimum: 1 });
    expect(cma.then.properties.options.properties["popsize"]).toMatchObject({ type: "integer", minimum: 2 });
  });
});

describe("brainfit schema", () => {
  it("--out writes the generated schema", async () => {
    const { mkdtempSync, readFileSync } = await import("node:fs");
    const { tmpdir } = await import("node:os");
    const { schemaCommand } = await import("../../src/cli/schema.ts");
    const file = `${mkdtempSync(`${tmpdir()}/brainfit-schema-`)}/s.json`;
    expect(await schemaCommand(["--out", file])).toBe(0);
    expect(JSON.parse(readFileSync(file, "utf8"))).toEqual(configJsonSchema());
    expect(await schemaCommand(["--out"])).toBe(2);
  });
});
