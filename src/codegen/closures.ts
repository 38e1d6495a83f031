// Float64 model functions without code generation: each expression AST becomes a tree of
// closures, evaluated with the same operations in the same order as the JavaScript that
// codegen/ts.ts emits (so results are bit-identical). Used where `new Function` is forbidden
// (Cloudflare workerd, strict-CSP pages); slower than the generated code, see bench/RESULTS.md.
import type { Expr } from "../models/expr.ts";
import type { CompiledModel } from "../models/spec.ts";
import type { NodeFunctions } from "./ts.ts";

/** What a closure reads: the arguments of the current eval/coupled call, plus derived values. */
interface Frame {
  x: Float64Array;
  xo: number;
  p: Float64Array;
  po: number;
  c: Float64Array;
  t: number;
  /** Derived quantities of the current call, in m.derived order. */
  d: Float64Array;
}

type Num = (fr: Frame) => number;
type Val = (fr: Frame) => number | boolean;

/** Small integer powers as products, as codegen/emit.ts does (exact in every target). */
function integerPower(e: Expr): number | null {
  if (e.kind === "num" && Number.isInteger(e.value) && Math.abs(e.value) <= 8) return e.value;
  if (e.kind === "neg" && e.arg.kind === "num" && Number.isInteger(e.arg.value) && e.arg.value <= 8) return -e.arg.value;
  return null;
}

function build(e: Expr, m: CompiledModel, derivedIndex: Map<string, number>): Val {
  const go = (x: Expr) => build(x, m, derivedIndex) as Num;
  switch (e.kind) {
    case "num": {
      const v = e.value;
      return () => v;
    }
    case "var": {
      const si = m.stateNames.indexOf(e.name);
      if (si >= 0) return (fr) => fr.x[fr.xo + si]!;
      const pi = m.paramIndex[e.name];
      if (pi !== undefined) return (fr) => fr.p[fr.po + pi]!;
      const ci = m.couplingNames.indexOf(e.name);
      if (ci >= 0) return (fr) => fr.c[ci]!;
      if (e.name === "t") return (fr) => fr.t;
      const di = derivedIndex.get(e.name);
      if (di === undefined) throw new Error(`model '${m.name}': unresolved name '${e.name}'`);
      return (fr) => fr.d[di]!;
    }
    case "neg": {
      const a = go(e.arg);
      return (fr) => -a(fr);
    }
    case "not": {
      const a = build(e.arg, m, derivedIndex);
      return (fr) => !a(fr);
    }
    case "cond": {
      const test = build(e.test, m, derivedIndex), then = go(e.then), other = go(e.else);
      return (fr) => (test(fr) ? then(fr) : other(fr));
    }
    case "call": {
      const a = e.args.map(go);
      const f = Math[e.fn] as (...v: number[]) => number;
      if (a.length === 1) {
        const a0 = a[0]!;
        return (fr) => f(a0(fr));
      }
      const a0 = a[0]!, a1 = a[1]!;
      return (fr) => f(a0(fr), a1(fr));
    }
    case "bin": {
      if (e.op === "^") {
        const l = go(e.left);
        const n = integerPower(e.right);
        if (n !== null) {
          if (n === 0) return () => 1;
          const k = Math.abs(n);
          // Left-to-right products l·l·…·l, as the emitted ((l * l) * l) …
          const prod: Num = (fr) => {
            const v = l(fr);
            let acc = v;
            for (let i = 1; i < k; i++) acc = acc * v;
            return acc;
          };
          return n > 0 ? prod : (fr) => 1 / prod(fr);
        }
        if (e.right.kind === "num" && e.right.value === 0.5) return (fr) => Math.sqrt(l(fr));
        const r = go(e.right);
        return (fr) => Math.pow(l(fr), r(fr));
      }
      const l = build(e.left, m, derivedIndex) as Num, r = build(e.right, m, derivedIndex) as Num;
      switch (e.op) {
        case "+": return (fr) => l(fr) + r(fr);
        case "-": return (fr) => l(fr) - r(fr);
        case "*": return (fr) => l(fr) * r(fr);
        case "/": return (fr) => l(fr) / r(fr);
        case "<": return (fr) => l(fr) < r(fr);
        case "<=": return (fr) => l(fr) <= r(fr);
        case ">": return (fr) => l(fr) > r(fr);
        case ">=": return (fr) => l(fr) >= r(fr);
        case "==": return (fr) => l(fr) === r(fr);
        case "!=": return (fr) => l(fr) !== r(fr);
        case "&&": return (fr) => (l(fr) as unknown as boolean) && (r(fr) as unknown as boolean);
        case "||": return (fr) => (l(fr) as unknown as boolean) || (r(fr) as unknown as boolean);
      }
    }
  }
}

/** The model's per-node functions as closure trees: the same interface as compileTsFunctions. */
export function compileClosureFunctions(m: CompiledModel): NodeFunctions {
  const derivedIndex = new Map(m.derived.map((d, i) => [d.name, i]));
  const derived = m.derived.map((d) => build(d.expr, m, derivedIndex) as Num);
  const drift = m.drift.map((e) => build(e, m, derivedIndex) as Num);
  const diffusion = m.noiseStates.map((s) => build(m.diffusion[s]!, m, derivedIndex) as Num);
  const coupled = m.coupling.map((c) => build(c.of, m, derivedIndex) as Num);
  const D = derived.length;
  const empty = new Float64Array(0);
  const fr: Frame = { x: empty, xo: 0, p: empty, po: 0, c: empty, t: 0, d: new Float64Array(D) };
  return {
    eval(x, xo, p, po, c, t, f, fo, g, go, dv, dvo) {
      fr.x = x, fr.xo = xo, fr.p = p, fr.po = po, fr.c = c, fr.t = t;
      for (let i = 0; i < D; i++) fr.d[i] = derived[i]!(fr);
      for (let i = 0; i < drift.length; i++) f[fo + i] = drift[i]!(fr);
      for (let k = 0; k < diffusion.length; k++) g[go + k] = diffusion[k]!(fr);
      if (dv !== null) for (let i = 0; i < D; i++) dv[dvo + i] = fr.d[i]!;
    },
    coupled(x, xo, p, po, h, ho) {
      // Coupled quantities read states and parameters only (checked by compileModel).
      fr.x = x, fr.xo = xo, fr.p = p, fr.po = po;
      for (let k = 0; k < coupled.length; k++) h[ho + k] = coupled[k]!(fr);
    },
    source: `// closure trees (no code generation) for model '${m.name}'`,
  };
}
