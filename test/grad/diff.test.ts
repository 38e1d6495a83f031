// Symbolic derivatives (grad/diff.ts) against central differences, for every expression of every
// built-in model, at random points in [0.2, 0.9] (away from BOLD's log(1 − E0) singularity at 1),
// with both compilers of let blocks.
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { BUILTIN_MODELS, compileModel } from "../../src/models/index.ts";
import { type Expr, parseExpr } from "../../src/models/expr.ts";
import { freeVariables } from "../../src/models/expr.ts";
import { diff } from "../../src/grad/diff.ts";
import { compileLetBlock } from "../../src/grad/compile.ts";

function evaluator(e: Expr, vars: string[], mode: "generated" | "closures") {
  const f = compileLetBlock({ lets: [{ name: "out_value", expr: e }], outputs: ["out_value"] }, vars, mode);
  const out = new Float64Array(1);
  return (x: Float64Array) => (f(x, out), out[0]!);
}

const exprs: [string, Expr][] = [];
for (const [name, spec] of Object.entries(BUILTIN_MODELS)) {
  const m = compileModel(spec);
  m.drift.forEach((e, i) => exprs.push([`${name} drift ${m.stateNames[i]}`, e]));
  m.diffusion.forEach((e, i) => e && exprs.push([`${name} diffusion ${m.stateNames[i]}`, e]));
  m.derived.forEach((d) => exprs.push([`${name} derived ${d.name}`, d.expr]));
  m.coupling.forEach((c) => exprs.push([`${name} coupling ${c.name}`, c.of]));
}
// Language features the models do not use.
for (
  const src of [
    "tanh(a*b) + sin(a) * cos(b)",
    "sqrt(a) / log(b + 2)",
    "a ^ 3 - a ^ -2 + a ^ 1.5 + a ^ b",
    "abs(a - b) + min(a, 2*b) * max(a, b)",
    "a > b ? exp(-a) : b * b",
  ]
) {
  exprs.push([src, parseExpr(src)]);
}

describe("symbolic derivatives", () => {
  it("match central differences on every built-in model expression", () => {
    for (const mode of ["generated", "closures"] as const) {
      for (const [label, e] of exprs) {
        const vars = freeVariables(e);
        const f = evaluator(e, vars, mode);
        const ds = vars.map((v) => evaluator(diff(e, v), vars, mode));
        fc.assert(
          fc.property(
            fc.array(fc.double({ min: 0.2, max: 0.9, noNaN: true }), { minLength: vars.length, maxLength: vars.length }),
            (pt) => {
              const x = Float64Array.from(pt);
              vars.forEach((_, k) => {
                const at = (h: number) => {
                  const y = x.slice();
                  y[k]! += h;
                  return [f(y), y[k]! - x[k]!] as const;
                };
                const h = 1e-6 * Math.max(1, Math.abs(x[k]!));
                const [fu, hu] = at(h), [fdn, hd] = at(-h), f0 = f(x);
                const fd = (fu - fdn) / (hu - hd);
                // A kink (min/max/abs ties, cond boundaries) within h: one-sided slopes differ, no derivative to compare.
                if (Math.abs((fu - f0) / hu - (fdn - f0) / hd) > 1e-3 * Math.max(1, Math.abs(fd))) return;
                const an = ds[k]!(x);
                const scale = Math.max(1e-3, Math.abs(fd), Math.abs(an), Math.abs(f(x)));
                if (!(Math.abs(fd - an) <= 1e-5 * scale)) throw new Error(`${label} d/d${vars[k]} at ${pt}: analytic ${an}, FD ${fd}`);
              });
            },
          ),
          { numRuns: 20, seed: 14 },
        );
      }
    }
  });

  it("folds zeros and ones", () => {
    const e = parseExpr("a * 3 + b");
    expect(diff(e, "b")).toEqual({ kind: "num", value: 1 });
    expect(diff(e, "a")).toEqual({ kind: "num", value: 3 });
    expect(diff(e, "c")).toEqual({ kind: "num", value: 0 });
  });
});
