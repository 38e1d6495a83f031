// Symbolic derivatives of the model expression language (models/expr.ts), for the adjoint of
// the integration step (grad/adjoint.ts). d(expr)/d(name) is again an Expr, lightly simplified
// (0 and 1 folded), so every emitter that compiles the step compiles its derivative too.
// Non-smooth functions take the derivative of the branch they take: min/max/abs (and clamps,
// written as min/max) pass the derivative of the selected argument, cond differentiates the
// branch its test selects, and comparisons and logic have derivative zero.
import type { Expr } from "../models/expr.ts";

export const num = (value: number): Expr => ({ kind: "num", value });
export const ref = (name: string): Expr => ({ kind: "var", name, pos: 0 });
const isNum = (e: Expr, v?: number) => e.kind === "num" && (v === undefined || e.value === v);

/** a + b with 0 folded (and constants added). */
export function add(a: Expr, b: Expr): Expr {
  if (isNum(a, 0)) return b;
  if (isNum(b, 0)) return a;
  if (a.kind === "num" && b.kind === "num") return num(a.value + b.value);
  return { kind: "bin", op: "+", left: a, right: b };
}
export function sub(a: Expr, b: Expr): Expr {
  if (isNum(b, 0)) return a;
  if (isNum(a, 0)) return neg(b);
  if (a.kind === "num" && b.kind === "num") return num(a.value - b.value);
  return { kind: "bin", op: "-", left: a, right: b };
}
/** a · b with 0 and 1 folded. (0 · x is folded to 0 even where x may be infinite: derivatives only.) */
export function mul(a: Expr, b: Expr): Expr {
  if (isNum(a, 0) || isNum(b, 0)) return num(0);
  if (isNum(a, 1)) return b;
  if (isNum(b, 1)) return a;
  if (isNum(a, -1)) return neg(b);
  if (isNum(b, -1)) return neg(a);
  if (a.kind === "num" && b.kind === "num") return num(a.value * b.value);
  return { kind: "bin", op: "*", left: a, right: b };
}
export function div(a: Expr, b: Expr): Expr {
  if (isNum(a, 0)) return num(0);
  if (isNum(b, 1)) return a;
  return { kind: "bin", op: "/", left: a, right: b };
}
export function neg(a: Expr): Expr {
  if (a.kind === "num") return num(-a.value);
  if (a.kind === "neg") return a.arg;
  return { kind: "neg", arg: a };
}
const call = (fn: "exp" | "log" | "tanh" | "sin" | "cos" | "sqrt" | "abs" | "min" | "max", ...args: Expr[]): Expr => ({
  kind: "call",
  fn,
  args,
});
const cmp = (op: ">=" | ">" | "<" | "<=", left: Expr, right: Expr): Expr => ({ kind: "bin", op, left, right });
/** test ? a : b, folded when both branches are the same number. */
export function cond(test: Expr, a: Expr, b: Expr): Expr {
  if (a.kind === "num" && b.kind === "num" && a.value === b.value) return a;
  return { kind: "cond", test, then: a, else: b };
}

/** True when e reads `name`. */
export function dependsOn(e: Expr, name: string): boolean {
  switch (e.kind) {
    case "num":
      return false;
    case "var":
      return e.name === name;
    case "neg":
    case "not":
      return dependsOn(e.arg, name);
    case "bin":
      return dependsOn(e.left, name) || dependsOn(e.right, name);
    case "call":
      return e.args.some((a) => dependsOn(a, name));
    case "cond":
      return dependsOn(e.test, name) || dependsOn(e.then, name) || dependsOn(e.else, name);
  }
}

/** Integer exponent of a power written with a numeric literal (also −n), else null. */
function literalExponent(e: Expr): number | null {
  if (e.kind === "num") return e.value;
  if (e.kind === "neg" && e.arg.kind === "num") return -e.arg.value;
  return null;
}

/** d(e)/d(name), as an expression of the same variables. */
export function diff(e: Expr, name: string): Expr {
  if (!dependsOn(e, name)) return num(0);
  const d = (x: Expr) => diff(x, name);
  switch (e.kind) {
    case "num":
      return num(0);
    case "var":
      return num(e.name === name ? 1 : 0);
    case "neg":
      return neg(d(e.arg));
    case "not":
      return num(0);
    case "cond":
      return cond(e.test, d(e.then), d(e.else));
    case "call": {
      const [a, b] = e.args as [Expr, Expr?];
      const da = d(a);
      switch (e.fn) {
        case "exp":
          return mul(e, da);
        case "log":
          return div(da, a);
        case "tanh":
          return mul(sub(num(1), mul(e, e)), da);
        case "sin":
          return mul(call("cos", a), da);
        case "cos":
          return neg(mul(call("sin", a), da));
        case "sqrt":
          return div(da, mul(num(2), e));
        case "abs":
          return mul(cond(cmp(">=", a, num(0)), num(1), num(-1)), da);
        // min/max pick the derivative of the argument they return (the first one on ties, as
        // Math.min/Math.max return it).
        case "min":
          return cond(cmp("<=", a, b!), da, d(b!));
        case "max":
          return cond(cmp(">=", a, b!), da, d(b!));
      }
      break;
    }
    case "bin": {
      const { left: l, right: r } = e;
      switch (e.op) {
        case "+":
          return add(d(l), d(r));
        case "-":
          return sub(d(l), d(r));
        case "*":
          return add(mul(d(l), r), mul(l, d(r)));
        case "/": {
          const dl = d(l), dr = d(r);
          // (l/r)' = l'/r − (l/r)·r'/r
          return sub(div(dl, r), mul(div(e, r), dr));
        }
        case "^": {
          const k = literalExponent(r);
          const dl = d(l);
          if (k !== null) {
            if (k === 0) return num(0);
            if (k === 1) return dl;
            const pow = k === 2 ? l : { kind: "bin" as const, op: "^" as const, left: l, right: num(k - 1) };
            return mul(mul(num(k), pow), dl);
          }
          // l^r = exp(r log l): (l^r)' = l^r (r' log l + r l'/l)
          const dr = d(r);
          return mul(e, add(mul(dr, call("log", l)), div(mul(r, dl), l)));
        }
        default:
          return num(0); // comparisons and logic: piecewise constant
      }
    }
  }
  return num(0);
}
