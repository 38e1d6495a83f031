// Expression emitters: one AST, several target languages. Each target maps operators,
// functions, literals and conditionals; names are resolved by the caller (a state becomes
// `x[0]` in TS, `s_x` in WGSL, a v128 local in AssemblyScript …).
import type { BinaryOp, Expr } from "../models/expr.ts";

export type Target = "ts" | "wgsl" | "as-simd";
export type Resolver = (name: string) => string;

/** A float literal every target parses as floating point (never integer division). */
export function floatLiteral(v: number): string {
  if (!Number.isFinite(v)) throw new Error(`non-finite constant ${v} in an equation`);
  const s = String(v);
  return /[.eE]/.test(s) ? s : s + ".0";
}

const SIMD_CMP: Partial<Record<BinaryOp, string>> = {
  "<": "f32x4.lt",
  "<=": "f32x4.le",
  ">": "f32x4.gt",
  ">=": "f32x4.ge",
  "==": "f32x4.eq",
  "!=": "f32x4.ne",
};
const SIMD_ARITH: Partial<Record<BinaryOp, string>> = { "+": "f32x4.add", "-": "f32x4.sub", "*": "f32x4.mul", "/": "f32x4.div" };

/** Small integer powers are expanded to products: exact in every target and faster than pow. */
function integerPower(e: Expr): number | null {
  if (e.kind === "num" && Number.isInteger(e.value) && Math.abs(e.value) <= 8) return e.value;
  if (e.kind === "neg" && e.arg.kind === "num" && Number.isInteger(e.arg.value) && e.arg.value <= 8) return -e.arg.value;
  return null;
}

export function emitExpr(e: Expr, target: Target, resolve: Resolver): string {
  const go = (x: Expr) => emitExpr(x, target, resolve);
  const lit = (v: number) => (target === "as-simd" ? `f32x4.splat(<f32>${floatLiteral(v)})` : floatLiteral(v));
  switch (e.kind) {
    case "num":
      return lit(e.value);
    case "var":
      return resolve(e.name);
    case "neg":
      return target === "as-simd" ? `f32x4.neg(${go(e.arg)})` : `(-${go(e.arg)})`;
    case "not":
      return target === "as-simd" ? `v128.not(${go(e.arg)})` : `(!${go(e.arg)})`;
    case "cond":
      if (target === "ts") return `(${go(e.test)} ? ${go(e.then)} : ${go(e.else)})`;
      if (target === "wgsl") return `select(${go(e.else)}, ${go(e.then)}, ${go(e.test)})`;
      return `v128.bitselect(${go(e.then)}, ${go(e.else)}, ${go(e.test)})`;
    // deno-lint-ignore no-fallthrough -- every branch of the inner switch returns (the rule does not see through it)
    case "call": {
      const a = e.args.map(go);
      if (target === "ts") return `Math.${e.fn}(${a.join(", ")})`;
      if (target === "wgsl") {
        // Some drivers compute tanh as a ratio of exponentials that overflows to NaN for |x| > ~44.
        if (e.fn === "tanh") return `tanh(clamp(${a[0]}, -20.0, 20.0))`;
        return `${e.fn}(${a.join(", ")})`;
      }
      switch (e.fn) {
        case "sqrt":
        case "abs":
        case "min":
        case "max":
          return `f32x4.${e.fn}(${a.join(", ")})`;
        default:
          return `v${e.fn}(${a[0]})`; // vector exp/log/tanh/sin/cos from asm/vmath.ts
      }
    }
    case "bin": {
      const l = go(e.left);
      if (e.op === "^") {
        const n = integerPower(e.right);
        if (n !== null) {
          if (n === 0) return lit(1);
          const mul = (a: string, b: string) => (target === "as-simd" ? `f32x4.mul(${a}, ${b})` : `(${a} * ${b})`);
          let acc = l;
          for (let i = 1; i < Math.abs(n); i++) acc = mul(acc, l);
          if (n > 0) return acc;
          return target === "as-simd" ? `f32x4.div(${lit(1)}, ${acc})` : `(${lit(1)} / ${acc})`;
        }
        const r = go(e.right);
        if (e.right.kind === "num" && e.right.value === 0.5) {
          return target === "as-simd" ? `f32x4.sqrt(${l})` : target === "ts" ? `Math.sqrt(${l})` : `sqrt(${l})`;
        }
        if (target === "ts") return `Math.pow(${l}, ${r})`;
        if (target === "wgsl") return `pow(${l}, ${r})`;
        return `vpow(${l}, ${r})`;
      }
      const r = go(e.right);
      if (target === "as-simd") {
        // x / c → x · (1/c): a vector division costs ~7× a multiplication on x86 (divps), and
        // rWW's transfer functions and drifts divide by constants 8 times a step. The product
        // rounds twice (≤ 1.5 ulp instead of 0.5), inside the float32 tolerance of the tests.
        const c = e.right.kind === "num" ? e.right.value : e.right.kind === "neg" && e.right.arg.kind === "num" ? -e.right.arg.value : null;
        if (e.op === "/" && c !== null && c !== 0 && Number.isFinite(1 / Math.fround(c))) return `f32x4.mul(${l}, ${lit(1 / c)})`;
        if (e.op === "&&") return `v128.and(${l}, ${r})`;
        if (e.op === "||") return `v128.or(${l}, ${r})`;
        const f = SIMD_CMP[e.op] ?? SIMD_ARITH[e.op];
        return `${f}(${l}, ${r})`;
      }
      return `(${l} ${e.op} ${r})`;
    }
  }
}
