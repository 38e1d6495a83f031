// Problem definitions and JSON configs: mapping of candidates to parameters, and validation
// messages that name the field and the fix.
import { describe, expect, it } from "vitest";
import { readFileSync } from "node:fs";
import fc from "fast-check";
import { defineProblem } from "../../src/fit/problem.ts";
import { didYouMean, validate } from "../../src/schema/validate.ts";
import { deepMerge, type FitConfig, problemsFromConfig, runsFromConfig, validateConfig } from "../../src/fit/config.ts";
import { QUICKSTART_CONFIG } from "../../src/fit/quickstart.ts";
import { wilsonCowan } from "../../src/models/wilsoncowan.ts";
import { asyncErrorOf, errorOf, inlineConfig, N, tinySpec } from "./fixtures.ts";

const baseConfig = (): FitConfig => inlineConfig();

describe("problem definition", () => {
  it("maps groups and maps to one free value per group / coefficient per map", () => {
    const labels = [0, 0, 2, 2, 5, 5];
    const map = [0, 0.5, 1, 0, 0.5, 1];
    const p = defineProblem({
      ...tinySpec(),
      model: wilsonCowan,
      fixed: {},
      simulation: { duration: 1, dt: 0.5, tr: 0.01, signal: "rE" },
      free: [
        { name: "k", bounds: [0.1, 10], scale: "log" },
        { name: "wEE", bounds: [5, 20], groups: labels },
        { name: "ext_E", bounds: [0, 2], maps: [{ name: "m", values: map, bounds: [-1, 1] }] },
      ],
    });
    expect(p.dims.map((d) => d.name)).toEqual(["k", "wEE[0]", "wEE[2]", "wEE[5]", "ext_E", "ext_E.map:m"]);
    expect(p.scale).toEqual(["log", "linear", "linear", "linear", "linear", "linear"]);
    const params = p.paramsOf([2, 10, 12, 14, 1, 0.5]);
    expect(params.k).toBe(2);
    expect(Array.from(params.wEE as Float64Array)).toEqual([10, 10, 12, 12, 14, 14]);
    expect(Array.from(params.ext_E as Float64Array)).toEqual(map.map((m) => 1 * (1 + 0.5 * m)));
  });

  it("group values follow their labels for any labelling (property)", () => {
    fc.assert(
      fc.property(fc.array(fc.integer({ min: -3, max: 3 }), { minLength: N, maxLength: N }), (labels) => {
        const p = defineProblem({
          ...tinySpec(),
          model: wilsonCowan,
          fixed: {},
          simulation: { duration: 1, dt: 0.5, tr: 0.01, signal: "rE" },
          free: [{ name: "wEE", bounds: [0, 30], groups: labels }],
        });
        const distinct = [...new Set(labels)].sort((a, b) => a - b);
        expect(p.dim).toBe(distinct.length);
        const x = distinct.map((l) => 10 + l);
        const v = p.paramsOf(x).wEE as Float64Array;
        labels.forEach((l, i) => expect(v[i]).toBe(10 + l));
      }),
      { numRuns: 50 },
    );
  });

  it("rejects bad definitions with the field and the fix", () => {
    expect(errorOf(() => defineProblem(tinySpec({ free: [{ name: "GG", bounds: [0, 1] }] }))).message).toMatch(
      /free\[0\]\.name: unknown parameter of SupHopf 'GG'; did you mean 'G'\?/,
    );
    expect(errorOf(() => defineProblem(tinySpec({ free: [{ name: "G", bounds: [1, 0] }] }))).field).toBe("free[0].bounds");
    expect(errorOf(() => defineProblem(tinySpec({ free: [{ name: "G", bounds: [0, 1], scale: "log" }] }))).message).toMatch(/low > 0/);
    expect(errorOf(() => defineProblem(tinySpec({ free: [{ name: "G", bounds: [0, 1], groups: [0, 0, 0, 1, 1, 1] }] }))).message).toMatch(
      /global parameter.*cannot vary by node/,
    );
    expect(errorOf(() => defineProblem(tinySpec({ gof: ["+fc_cor"] }))).message).toMatch(
      /gof\[0\]: unknown GOF term '\+fc_cor'; did you mean '\+fc_corr'\?/,
    );
    expect(errorOf(() => defineProblem(tinySpec({ gof: ["fc_corr"] }))).message).toMatch(/must start with \+/);
    expect(errorOf(() => defineProblem(tinySpec({ gof: ["-fcd_ks"] }))).field).toBe("simulation.fcdWindow");
    expect(errorOf(() => defineProblem(tinySpec({ gof: ["+fc_corr"], target: {} }))).message).toMatch(
      /need empirical fcTril; give target.bold or target.fc/,
    );
    expect(errorOf(() => defineProblem(tinySpec({ target: { fc: [1, 2, 3] } }))).field).toBe("target.fc");
    expect(errorOf(() => defineProblem(tinySpec({ simulation: { duration: 1, dt: 0.3, tr: 0.01, signal: "x" } }))).message).toMatch(
      /whole number of integration steps/,
    );
    expect(errorOf(() => defineProblem(tinySpec({ simulation: { duration: 1, dt: 0.5, tr: 0.01, signal: "z" } }))).message).toMatch(
      /unknown observable of SupHopf 'z'/,
    );
    expect(errorOf(() => defineProblem(tinySpec({ fixed: { G: 1 } }))).message).toMatch(/also free/);
  });

  it("wraps a model with withBold for signal 'bold' and shares the wrapped model across problems", () => {
    const spec = { ...tinySpec(), simulation: { duration: 4, dt: 0.5, tr: 0.5, signal: "bold" } };
    const a = defineProblem(spec);
    const b = defineProblem({ ...spec, simulation: { ...spec.simulation, seed: 9 } });
    expect(a.model.name).toBe("SupHopf_BOLD");
    expect(a.model).toBe(b.model);
    expect(a.nSamples).toBe(8);
    // BOLD steps at bw_dt: 1 ms by default, settable, a whole multiple of dt; refused without BOLD.
    expect(a.slowDt).toBe(1);
    expect(defineProblem({ ...spec, simulation: { ...spec.simulation, bwDt: 2.5 } }).slowDt).toBe(2.5);
    expect(errorOf(() => defineProblem({ ...spec, simulation: { ...spec.simulation, bwDt: 0.75 } })).message).toMatch(
      /simulation\.bwDt: 0\.75 ms is not a whole number of integration steps \(dt = 0\.5 ms\)/,
    );
    expect(errorOf(() => defineProblem(tinySpec({ simulation: { duration: 1, dt: 0.5, tr: 0.01, signal: "x", bwDt: 1 } }))).field).toBe(
      "simulation.bwDt",
    );
  });
});

describe("JSON config", () => {
  it("accepts a valid config and builds problems and optimizers", async () => {
    const runs = await runsFromConfig({ ...baseConfig(), optimizer: { type: "de", runs: 2, options: { popsize: 4, seed: 5 } } });
    expect(runs).toHaveLength(2);
    expect(runs[0]!.problem).toBe(runs[1]!.problem);
    expect(runs.map((r) => (r.optimizer.toJSON().options as { seed: number }).seed)).toEqual([5, 6]);
    expect(runs[0]!.problem.nNodes).toBe(N);
  });

  it("names the field, the fix and the closest key", () => {
    const bad = (patch: unknown) => errorOf(() => validateConfig(deepMerge(baseConfig(), patch)));
    expect(bad({ simulaton: {} }).message).toMatch(/unknown key 'simulaton'; did you mean 'simulation'\?/);
    expect(bad({ simulation: { duration: -1 } }).message).toMatch(/^simulation\.duration: must be > 0/);
    expect(bad({ simulation: { durations: 1 } }).message).toMatch(/simulation: unknown key 'durations'; did you mean 'duration'\?/);
    expect(bad({ optimizer: { type: "cma-es" } }).message).toMatch(/optimizer\.type: 'cma-es' is not allowed.*did you mean "cmaes"/);
    expect(bad({ free: [{ name: "G", bounds: [0] }] }).message).toMatch(/free\[0\]\.bounds: needs at least 2 item/);
    expect(bad({ free: [{ name: "G", bounds: [0, 1], scale: "logarithmic" }] }).field).toBe("free[0].scale");
    expect(bad({ network: { weights: 5 } }).message).toMatch(
      /network\.weights: expected a file path, an array of numbers, or a dataset reference/,
    );
    expect(bad({ network: { weights: { dataset: "hcp", what: "sc" } } }).message).toMatch(/what: 'sc' is not allowed/);
    expect(errorOf(() => validateConfig({ ...baseConfig(), gof: undefined })).message).toMatch(/^gof: is required/);
  });

  it("reports problems found after validation with the field", async () => {
    const e = await asyncErrorOf(() => problemsFromConfig(deepMerge(baseConfig(), { free: [{ name: "sigmaa", bounds: [0, 1] }] })));
    expect(e.message).toMatch(/free\[0\]\.name: unknown parameter of SupHopf 'sigmaa'; did you mean 'sigma'\?/);
    const e2 = await asyncErrorOf(() => problemsFromConfig(deepMerge(baseConfig(), { network: { weights: "missing.npy" } })));
    expect(e2.field).toBe("network.weights");
    const e3 = await asyncErrorOf(() => problemsFromConfig(deepMerge(baseConfig(), { model: "Hopff" })));
    expect(e3.message).toMatch(/model: unknown model 'Hopff'; did you mean 'SupHopf'\?/);
  });

  it("batch variants share loaded arrays and name their problems", async () => {
    const cfg = { ...baseConfig(), batch: [{ name: "s1", simulation: { seed: 1 } }, { name: "s2", simulation: { seed: 2 } }] } as FitConfig;
    const ps = await problemsFromConfig(cfg);
    expect(ps.map((p) => p.name)).toEqual(["t-s1", "t-s2"]);
    expect(ps.map((p) => p.seed)).toEqual([1, 2]);
    expect(ps[0]!.network.weights).toBe(ps[1]!.network.weights);
    const e = await asyncErrorOf(() =>
      problemsFromConfig({ ...baseConfig(), batch: [{ name: "x", simulation: { tr: 0.0133 } }] } as FitConfig)
    );
    expect(e.field).toBe("batch[0] → simulation.tr");
  });

  it("the quickstart config is examples/quickstart.json", () => {
    expect(JSON.parse(readFileSync("examples/quickstart.json", "utf8"))).toEqual(QUICKSTART_CONFIG);
    expect(() => validateConfig(structuredClone(QUICKSTART_CONFIG))).not.toThrow();
  });

  it("did-you-mean and the schema checker", () => {
    expect(didYouMean("durration", ["duration", "dt"])).toBe("duration");
    expect(didYouMean("zzzzzz", ["duration", "dt"])).toBeUndefined();
    expect(errorOf(() => validate({ a: 1.5 }, { type: "object", fields: { a: { type: "number", integer: true } } })).message).toBe(
      "a: must be an integer, got 1.5",
    );
  });
});
