import { describe, expect, it } from "vitest";
import fc from "fast-check";
import { ExprSyntaxError, parseExpr } from "../../src/models/expr.ts";
import { emitExpr } from "../../src/codegen/emit.ts";
import { compileModel, ModelSpecError } from "../../src/models/spec.ts";
import { supHopf } from "../../src/models/hopf.ts";

const evalTs = (src: string, vars: Record<string, number> = {}) => {
  const body = emitExpr(parseExpr(src), "ts", (n) => `v.${n}`);
  return new Function("v", `return ${body};`)(vars) as number;
};

describe("expression language", () => {
  it("follows the usual precedence", () => {
    expect(evalTs("1 + 2 * 3")).toBe(7);
    expect(evalTs("-2^2")).toBe(-4);
    expect(evalTs("2^3^2")).toBe(512);
    expect(evalTs("(1 + 2) * 3")).toBe(9);
    expect(evalTs("10 / 4")).toBe(2.5);
    expect(evalTs("x > 1 ? 5 : 6", { x: 2 })).toBe(5);
    expect(evalTs("x > 1 && x < 3 ? 1 : 0", { x: 4 })).toBe(0);
    expect(evalTs("max(x, 3) + min(x, 3)", { x: 1 })).toBe(4);
    expect(evalTs("tanh(0) + exp(0) + log(e) + abs(-2) + sqrt(9) + cos(0) + sin(0)")).toBeCloseTo(8, 14);
    expect(evalTs("x^-2", { x: 2 })).toBe(0.25);
    expect(evalTs("x^0.5", { x: 16 })).toBe(4);
    expect(evalTs("x^1.5", { x: 4 })).toBeCloseTo(8, 12);
  });
  it("agrees with JavaScript on random arithmetic", () => {
    const leaf = fc.oneof(fc.constantFrom("x", "y"), fc.integer({ min: 1, max: 9 }).map(String));
    const tree: fc.Arbitrary<string> = fc.letrec<{ e: string }>((tie) => ({
      e: fc.oneof(
        { depthSize: "small" },
        leaf,
        fc.tuple(tie("e"), fc.constantFrom("+", "-", "*"), tie("e")).map(([a, op, b]) => `(${a} ${op} ${b})`),
        tie("e").map((a) => `-(${a})`),
      ),
    })).e;
    fc.assert(
      fc.property(tree, fc.double({ min: -3, max: 3, noNaN: true }), fc.double({ min: -3, max: 3, noNaN: true }), (src, x, y) => {
        const want = new Function("x", "y", `return ${src};`)(x, y) as number;
        expect(evalTs(src, { x, y })).toBeCloseTo(want, 9);
      }),
      { numRuns: 300 },
    );
  });
  it("reports the position and reason of syntax errors", () => {
    const bad: [string, RegExp][] = [
      ["1 + * 2", /unexpected '\*'/],
      ["foo(1)", /unknown function 'foo'/],
      ["exp(1, 2)", /takes 1 argument/],
      ["(1 + 2", /expected '\)'/],
      ["1 + 2)", /after a complete expression/],
      ["x $ y", /unexpected character '\$'/],
      ["x ? 1", /expected ':'/],
    ];
    for (const [src, re] of bad) {
      let err: unknown;
      try {
        parseExpr(src);
      } catch (e) {
        err = e;
      }
      expect(err).toBeInstanceOf(ExprSyntaxError);
      expect((err as Error).message).toMatch(re);
      expect((err as Error).message).toMatch(/at position \d+/);
    }
  });
  it("model compilation names the field and the fix", () => {
    const withDrift = (x: string) => ({ ...supHopf, drift: { ...supHopf.drift, x } });
    expect(() => compileModel(withDrift("a * q"))).toThrow(/drift\.x: unknown name 'q'/);
    expect(() => compileModel(withDrift("x > 1"))).toThrow(/comparison/);
    expect(() => compileModel({ ...supHopf, drift: { x: "1" } })).toThrow(/drift\.y: missing/);
    expect(() => compileModel({ ...supHopf, boldInput: "nope" })).toThrow(ModelSpecError);
    expect(() => compileModel({ ...supHopf, couplings: [{ name: "c", of: "c", form: "linear" }] })).toThrow(/couplings\[0\]\.of/);
  });
});
