// The step description (codegen/step.ts) that the float64 reference, the AssemblyScript kernel
// and the WGSL kernel all emit: its float64 compilations agree bit for bit (generated JavaScript
// and closure trees), a hand-computed Euler–Maruyama and Heun step agrees with it, and its
// structural helpers keep what the outputs need.
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { BUILTIN_MODELS } from "../../src/models/index.ts";
import { compileModel, type ModelSpec } from "../../src/models/spec.ts";
import { blockInputs, describeStep, pruneLets, type StepIntegrator } from "../../src/codegen/step.ts";
import { compileStepFunction, emitTsStep } from "../../src/codegen/ts.ts";
import { parseExpr } from "../../src/models/expr.ts";
import { readFileSync } from "node:fs";

const clampedDifference: ModelSpec = {
  name: "ClampedDifference",
  description: "a clamped state, a difference coupling, a slow state reading a derived quantity",
  citation: "test only",
  states: [{ name: "u", init: 0.3, min: -1, max: 1 }, { name: "v", init: -0.2 }, { name: "s", init: 0 }],
  parameters: [{ name: "k", default: 1.5, bounds: [0, 3], unit: "1", scope: "regional" }, {
    name: "q",
    default: 0.7,
    bounds: [0, 2],
    unit: "1",
    scope: "global",
  }],
  couplings: [{ name: "c", of: "tanh(u) + v^2", form: "difference" }],
  derived: [{ name: "r", expr: "u > 0 ? exp(-abs(u)) : log(1 + q)" }, { name: "w", expr: "s * 2 + r" }],
  drift: { u: "-u + k * r + c", v: "q * (u - v) + sin(t)", s: "(r - s) / 10" },
  diffusion: { u: "0.1 * (1 + u^2)", v: "0.05" },
  slow: { states: ["s"], dt: 1 },
};

const models = [...Object.values(BUILTIN_MODELS), clampedDifference];

describe("step description", () => {
  it("compiles to bit-identical float64 JavaScript and closure trees (every built-in model, both integrators, slow steps or not)", () => {
    for (const spec of models) {
      const m = compileModel(spec);
      const desc = describeStep(m);
      const S = m.stateNames.length, P = m.paramNames.length, K = m.coupling.length, D = m.derived.length, Z = m.noiseStates.length;
      for (const integrator of ["euler", "heun"] as StepIntegrator[]) {
        const gen = compileStepFunction(desc, integrator, "generated");
        const clo = compileStepFunction(desc, integrator, "closures");
        fc.assert(
          fc.property(
            fc.array(fc.double({ min: -2, max: 2, noNaN: true }), { minLength: S + P + 2 * K + Z + 2, maxLength: S + P + 2 * K + Z + 2 }),
            fc.boolean(),
            (vals, slowStep) => {
              let o = 0;
              const take = (n: number) => Float64Array.from(vals.slice(o, o += n));
              const x = take(S), p = take(P), cs = take(K), hs = take(K), z = take(Z);
              const wsum = vals[o++]!, t = Math.abs(vals[o]!) * 10;
              const k = Float64Array.of(t, t + 0.1, 0.1, 0.05, Math.sqrt(0.1), 1);
              const run = (f: typeof gen) => {
                const xs = x.slice(), h = new Float64Array(K), dv = new Float64Array(D);
                f(xs, 0, p, 0, cs, hs, wsum, z, k, slowStep, h, 0, dv, 0);
                return [...xs, ...h, ...dv];
              };
              const a = run(gen), b = run(clo);
              a.forEach((val, i) => {
                if (!Object.is(val, b[i])) throw new Error(`${spec.name} ${integrator}: output ${i} generated ${val}, closures ${b[i]}`);
              });
            },
          ),
          { seed: 12, numRuns: 60 },
        );
      }
    }
  });

  it("is the Euler–Maruyama and Heun step of the model, with clamps, difference coupling and the slow step", () => {
    const m = compileModel(clampedDifference);
    const desc = describeStep(m);
    // Inputs: u, v, s; k, q; coupling sum, own h, wsum; normals; times.
    const x0 = [0.9, -0.4, 0.25], p = [1.2, 0.7], cs = 0.3, hs = 0.2, wsum = 0.5, z = [1.3, -0.7];
    const dt = 0.1, t = 2.0, sq = Math.sqrt(dt);
    const c = cs - wsum * hs;
    const r = (u: number) => (u > 0 ? Math.exp(-Math.abs(u)) : Math.log(1 + p[1]!));
    const f = (u: number, v: number, tt: number) => [-u + p[0]! * r(u) + c, p[1]! * (u - v) + Math.sin(tt)];
    const g = (u: number) => [0.1 * (1 + u * u) * sq, 0.05 * sq];
    const clampU = (u: number) => Math.min(1, Math.max(-1, u));
    const [fu, fv] = f(x0[0]!, x0[1]!, t), [gu, gv] = g(x0[0]!);
    const euler = [clampU(x0[0]! + dt * fu! + gu! * z[0]!), x0[1]! + dt * fv! + gv! * z[1]!];
    const bu = clampU(x0[0]! + dt * fu! + gu! * z[0]!), bv = x0[1]! + dt * fv! + gv! * z[1]!;
    const [fbu, fbv] = f(bu, bv, t + dt);
    const heun = [clampU(x0[0]! + (dt / 2) * (fu! + fbu!) + gu! * z[0]!), x0[1]! + (dt / 2) * (fv! + fbv!) + gv! * z[1]!];
    for (const [integrator, want] of [["euler", euler], ["heun", heun]] as const) {
      const step = compileStepFunction(desc, integrator, "generated");
      // One step from x0 with the inputs above: new state, h and derived values.
      const run = (slowStep: boolean) => {
        const xs = Float64Array.from(x0), h = new Float64Array(1), dv = new Float64Array(2);
        const k = Float64Array.of(t, t + dt, dt, dt / 2, sq, 1);
        step(
          xs,
          0,
          Float64Array.from(p),
          0,
          Float64Array.of(cs),
          Float64Array.of(hs),
          wsum,
          Float64Array.from(z),
          k,
          slowStep,
          h,
          0,
          dv,
          0,
        );
        return { xs, h, dv };
      };
      const { xs, h, dv } = run(true);
      expect(xs[0]).toBeCloseTo(want[0]!, 14);
      expect(xs[1]).toBeCloseTo(want[1]!, 14);
      // Slow state: one Euler step of slow_dt = 1 at the new fast state, with the old s.
      expect(xs[2]).toBeCloseTo(0.25 + 1 * ((r(want[0]!) - 0.25) / 10), 14);
      expect(h[0]).toBeCloseTo(Math.tanh(want[0]!) + want[1]! ** 2, 14);
      expect(dv[1]).toBeCloseTo(xs[2]! * 2 + r(want[0]!), 14);
      // Not a slow step: the slow state holds.
      const ys = run(false).xs;
      expect(ys[2]).toBe(0.25);
    }
  });

  it("reads only declared inputs, and the slow block is the only reader of slow states", () => {
    for (const spec of models) {
      const m = compileModel(spec);
      const d = describeStep(m);
      const slow = new Set(d.slowStates.map((k) => `x_${m.stateNames[k]}`));
      for (const integrator of ["euler", "heun"] as const) {
        for (const name of blockInputs([...d.coupling, ...d.start, ...d.integrate[integrator]])) {
          expect(/^(x_|p_|cs_|hs_|z_\d+$|t$|t1$|dt$|half_dt$|sqrt_dt$|wsum$)/.test(name), `${spec.name}: ${name}`).toBe(true);
          expect(slow.has(name), `${spec.name}: the fast step reads slow state ${name}`).toBe(false);
        }
      }
      // The generated source names every state's new value.
      const src = emitTsStep(d, "heun");
      for (const s of m.stateNames) expect(src).toContain(`n_${s}`);
    }
  });

  it("pruneLets keeps exactly what the wanted names depend on, in order", () => {
    const lets = ["a = x_u", "b = a * 2", "c = p_k", "d = b + c", "e = a"].map((src) => {
      const [name, expr] = src.split(" = ");
      return { name: name!, expr: parseExpr(expr!) };
    });
    expect(pruneLets(lets, ["d"]).map((l) => l.name)).toEqual(["a", "b", "c", "d"]);
    expect(pruneLets(lets, ["e"]).map((l) => l.name)).toEqual(["a", "e"]);
    expect(blockInputs(lets)).toEqual(["x_u", "p_k"]);
  });

  it("is the only place the step's equations are written: the backends' emitters read no drift, diffusion or state limits", () => {
    for (
      const file of [
        "src/backends/reference.ts",
        "src/codegen/asm.ts",
        "src/codegen/wgsl.ts",
        "src/backends/wasm/driver.ts",
        "src/backends/wasm/groups.ts",
      ]
    ) {
      const src = readFileSync(new URL(`../../${file}`, import.meta.url), "utf8");
      for (const field of [".drift", ".diffusion", "derivedForFast", "derivedForSlow", ".min ??", ".max ??", "spec.states[s]!.min"]) {
        expect(src.includes(field), `${file} reads '${field}': emit from describeStep instead`).toBe(false);
      }
    }
  });
});
