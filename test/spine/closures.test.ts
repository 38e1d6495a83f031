// The closure-tree evaluator (codegen/closures.ts, used where `new Function` is forbidden) against
// the generated JavaScript it stands in for: same operations in the same order, so every output
// must be bit-identical — on every built-in model and on a spec using every operator.
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { BUILTIN_MODELS } from "../../src/models/index.ts";
import { compileModel, type ModelSpec } from "../../src/models/spec.ts";
import { compileClosureFunctions } from "../../src/codegen/closures.ts";
import { compileTsFunctions, setModelEvaluator } from "../../src/codegen/ts.ts";
import { simulate } from "../../src/sim/simulate.ts";

const everyOperator: ModelSpec = {
  name: "EveryOperator",
  description: "every operator and function of the expression language",
  citation: "test only",
  states: [{ name: "u", init: 0.3 }, { name: "v", init: -0.2 }],
  parameters: [{ name: "k", default: 1.5, bounds: [0, 3], unit: "1", scope: "regional" }, {
    name: "q",
    default: 0.7,
    bounds: [0, 2],
    unit: "1",
    scope: "global",
  }],
  couplings: [{ name: "c", of: "tanh(u) + v^2", form: "linear" }],
  derived: [
    { name: "d1", expr: "u > 0 && v <= 0.5 || !(k == q) ? exp(-abs(u)) : log(1 + q)" },
    { name: "d2", expr: "sqrt(abs(v)) + u^-3 + min(u, v) * max(k, q) + v^0.5 + abs(u)^1.7 + sin(t) * cos(u) - pi / e" },
  ],
  drift: { u: "-u + k * d1 + c - (u != v ? 1 : 0) / (1 + d2^2)", v: "q * (u - v) + u^4 - v^-2 + (t >= 1 ? 0.5 : -0.5)" },
  diffusion: { u: "0.1 * (1 + u^2)", v: "0.05" },
};

function compare(spec: ModelSpec, seed: number) {
  const m = compileModel(spec);
  const gen = compileTsFunctions(m, "generated");
  const clo = compileClosureFunctions(m);
  const S = m.stateNames.length, P = m.paramNames.length, K = m.coupling.length, D = m.derived.length, Z = m.noiseStates.length;
  fc.assert(
    fc.property(
      fc.array(fc.double({ min: -3, max: 3, noNaN: true }), { minLength: S + P + K + 1, maxLength: S + P + K + 1 }),
      (v) => {
        const x = Float64Array.from(v.slice(0, S)),
          p = Float64Array.from(v.slice(S, S + P)),
          c = Float64Array.from(v.slice(S + P, S + P + K));
        const t = Math.abs(v[S + P + K]!) * 10;
        const out = () => ({ f: new Float64Array(S), g: new Float64Array(Z), dv: new Float64Array(D), h: new Float64Array(K) });
        const a = out(), b = out();
        gen.eval(x, 0, p, 0, c, t, a.f, 0, a.g, 0, a.dv, 0);
        clo.eval(x, 0, p, 0, c, t, b.f, 0, b.g, 0, b.dv, 0);
        gen.coupled(x, 0, p, 0, a.h, 0);
        clo.coupled(x, 0, p, 0, b.h, 0);
        for (const k of ["f", "g", "dv", "h"] as const) {
          a[k].forEach((val, i) => {
            if (!Object.is(val, b[k][i])) throw new Error(`${spec.name} ${k}[${i}]: generated ${val}, closures ${b[k][i]}`);
          });
        }
      },
    ),
    { seed, numRuns: 200 },
  );
}

describe("closure-tree evaluator", () => {
  it("is bit-identical to the generated JavaScript on every built-in model and every operator", () => {
    for (const spec of [...Object.values(BUILTIN_MODELS), everyOperator]) compare(spec, 15);
  });

  it("gives a bit-identical reference simulation with delays, noise and derived observables", async () => {
    const run = async (mode: "generated" | "closures") => {
      setModelEvaluator(mode);
      try {
        return await simulate({
          model: everyOperator,
          network: { weights: [0, 0.4, 0.2, 0.3, 0, 0.1, 0.5, 0.2, 0], lengths: [0, 5, 9, 5, 0, 3, 9, 3, 0], speed: 2 },
          lanes: 2,
          params: { k: [1.2, 0.8] },
          duration: 0.05,
          dt: 0.1,
          seed: 4,
          noise: "independent",
          record: { observables: ["u", "d1", "d2"], period: 1 },
          backend: "reference",
        });
      } finally {
        setModelEvaluator("auto");
      }
    };
    const a = await run("generated"), b = await run("closures");
    for (const k of ["u", "d1", "d2"]) expect(Array.from(b.recorded[k]!)).toEqual(Array.from(a.recorded[k]!));
    expect(a.recorded["u"]!.some((v) => v !== a.recorded["u"]![0])).toBe(true);
  });
});
