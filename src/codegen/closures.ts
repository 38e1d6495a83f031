// Float64 model functions without code generation: each expression AST becomes a tree of
// closures, evaluated with the same operations in the same order as the JavaScript that
// codegen/ts.ts emits (so results are bit-identical). Used where `new Function` is forbidden
// (Cloudflare workerd, strict-CSP pages); slower than the generated code, see bench/RESULTS.md.
import type { Expr } from "../models/expr.ts";
import type { CompiledModel } from "../models/spec.ts";
import { blockInputs, type StepDescription, stepInput, type StepIntegrator, type StepLet } from "./step.ts";
import type { NodeFunctions, StepFunction } from "./ts.ts";

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

type Num<F> = (fr: F) => number;
type Val<F> = (fr: F) => number | boolean;

/** Small integer powers as products, as codegen/emit.ts does (exact in every target). */
function integerPower(e: Expr): number | null {
  if (e.kind === "num" && Number.isInteger(e.value) && Math.abs(e.value) <= 8) return e.value;
  if (e.kind === "neg" && e.arg.kind === "num" && Number.isInteger(e.arg.value) && e.arg.value <= 8) return -e.arg.value;
  return null;
}

/** e as a closure over a frame F; `resolve` gives the closure that reads a variable. */
function build<F>(e: Expr, resolve: (name: string) => Num<F>): Val<F> {
  const go = (x: Expr) => build(x, resolve) as Num<F>;
  switch (e.kind) {
    case "num": {
      const v = e.value;
      return () => v;
    }
    case "var":
      return resolve(e.name);
    case "neg": {
      const a = go(e.arg);
      return (fr) => -a(fr);
    }
    case "not": {
      const a = build(e.arg, resolve);
      return (fr) => !a(fr);
    }
    case "cond": {
      const test = build(e.test, resolve), then = go(e.then), other = go(e.else);
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
          const prod: Num<F> = (fr) => {
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
      const l = build(e.left, resolve) as Num<F>, r = build(e.right, resolve) as Num<F>;
      switch (e.op) {
        case "+":
          return (fr) => l(fr) + r(fr);
        case "-":
          return (fr) => l(fr) - r(fr);
        case "*":
          return (fr) => l(fr) * r(fr);
        case "/":
          return (fr) => l(fr) / r(fr);
        case "<":
          return (fr) => l(fr) < r(fr);
        case "<=":
          return (fr) => l(fr) <= r(fr);
        case ">":
          return (fr) => l(fr) > r(fr);
        case ">=":
          return (fr) => l(fr) >= r(fr);
        case "==":
          return (fr) => l(fr) === r(fr);
        case "!=":
          return (fr) => l(fr) !== r(fr);
        case "&&":
          return (fr) => (l(fr) as unknown as boolean) && (r(fr) as unknown as boolean);
        case "||":
          return (fr) => (l(fr) as unknown as boolean) || (r(fr) as unknown as boolean);
      }
    }
  }
}

/** A model expression over the arguments of an eval/coupled call. */
function buildModelExpr(e: Expr, m: CompiledModel, derivedIndex: Map<string, number>): Val<Frame> {
  return build<Frame>(e, (name) => {
    const si = m.stateNames.indexOf(name);
    if (si >= 0) return (fr) => fr.x[fr.xo + si]!;
    const pi = m.paramIndex[name];
    if (pi !== undefined) return (fr) => fr.p[fr.po + pi]!;
    const ci = m.couplingNames.indexOf(name);
    if (ci >= 0) return (fr) => fr.c[ci]!;
    if (name === "t") return (fr) => fr.t;
    const di = derivedIndex.get(name);
    if (di === undefined) throw new Error(`model '${m.name}': unresolved name '${name}'`);
    return (fr) => fr.d[di]!;
  });
}

/** The model's per-node functions as closure trees: the same interface as compileTsFunctions. */
export function compileClosureFunctions(m: CompiledModel): NodeFunctions {
  const derivedIndex = new Map(m.derived.map((d, i) => [d.name, i]));
  const derived = m.derived.map((d) => buildModelExpr(d.expr, m, derivedIndex) as Num<Frame>);
  const drift = m.drift.map((e) => buildModelExpr(e, m, derivedIndex) as Num<Frame>);
  const diffusion = m.noiseStates.map((s) => buildModelExpr(m.diffusion[s]!, m, derivedIndex) as Num<Frame>);
  const coupled = m.coupling.map((c) => buildModelExpr(c.of, m, derivedIndex) as Num<Frame>);
  const D = derived.length;
  const empty = new Float64Array(0);
  const fr: Frame = { x: empty, xo: 0, p: empty, po: 0, c: empty, t: 0, d: new Float64Array(D) };
  return {
    eval(x, xo, p, po, c, t, f, fo, g, go, dv, dvo) {
      fr.x = x, fr.xo = xo, fr.p = p, fr.po = po, fr.c = c, fr.t = t;
      for (let i = 0; i < D; i++) fr.d[i] = derived[i]!(fr);
      for (let i = 0; i < drift.length; i++) f[fo + i] = drift[i]!(fr);
      for (let k = 0; k < diffusion.length; k++) g[go + k] = diffusion[k]!(fr);
      if (dv !== null) { for (let i = 0; i < D; i++) dv[dvo + i] = fr.d[i]!; }
    },
    coupled(x, xo, p, po, h, ho) {
      // Coupled quantities read states and parameters only (checked by compileModel).
      fr.x = x, fr.xo = xo, fr.p = p, fr.po = po;
      for (let k = 0; k < coupled.length; k++) h[ho + k] = coupled[k]!(fr);
    },
    source: `// closure trees (no code generation) for model '${m.name}'`,
  };
}

/**
 * A let as a closure over named slots of one Float64Array: evaluates l.expr reading the slots
 * `read` assigns to its names, clamps as tsLet (codegen/ts.ts) writes it (Math.max with min,
 * then Math.min with max), and stores to `write(l.name)`.
 */
function letClosure(l: StepLet, read: (name: string) => number, write: (name: string) => number): (vals: Float64Array) => void {
  const f = build<Float64Array>(l.expr, (name) => {
    const i = read(name);
    return (vals) => vals[i]!;
  }) as Num<Float64Array>;
  const out = write(l.name), lo = l.min, hi = l.max;
  if (lo === undefined && hi === undefined) return (vals) => void (vals[out] = f(vals));
  if (hi === undefined) return (vals) => void (vals[out] = Math.max(lo!, f(vals)));
  if (lo === undefined) return (vals) => void (vals[out] = Math.min(hi, f(vals)));
  return (vals) => void (vals[out] = Math.min(hi, Math.max(lo, f(vals))));
}

/**
 * The step (codegen/step.ts) as closures over one Float64Array of named slots: inputs are
 * copied in, each let writes its slot, in the order and with the operations of emitTsStep's
 * generated JavaScript (bit-identical).
 */
export function compileClosureStep(desc: StepDescription, integrator: StepIntegrator): StepFunction {
  const m = desc.model;
  const S = m.stateNames;
  const slotOf = new Map<string, number>();
  const slot = (name: string) => {
    let i = slotOf.get(name);
    if (i === undefined) slotOf.set(name, i = slotOf.size);
    return i;
  };
  const compile = (l: StepLet) => letClosure(l, slot, slot);
  // An input's reader from StepFunction's arguments (stepInputSource in ts.ts writes the same as source).
  type Args = {
    x: Float64Array;
    xo: number;
    p: Float64Array;
    po: number;
    cs: Float64Array;
    hs: Float64Array;
    wsum: number;
    z: Float64Array;
    k: Float64Array;
  };
  const reader = (name: string): (a: Args) => number => {
    const input = stepInput(m, name);
    if (!input) throw new Error(`model '${m.name}': the step reads '${name}', which is not an input`);
    const i = input.index;
    switch (input.role) {
      case "x":
        return (a) => a.x[a.xo + i]!;
      case "p":
        return (a) => a.p[a.po + i]!;
      case "cs":
        return (a) => a.cs[i]!;
      case "hs":
        return (a) => a.hs[i]!;
      case "z":
        return (a) => a.z[i]!;
      case "wsum":
        return (a) => a.wsum;
      case "time":
        return (a) => a.k[i]!;
    }
  };
  const loads = (lets: StepLet[], skip: Set<string>) =>
    blockInputs(lets).filter((n) => !skip.has(n)).map((n) => {
      const read = reader(n), i = slot(n);
      return (vals: Float64Array, a: Args) => void (vals[i] = read(a));
    });
  const fastLets = [...desc.coupling, ...desc.start, ...desc.integrate[integrator]];
  const fastLoads = loads(fastLets, new Set());
  const fast = fastLets.map(compile);
  const slowLoads = loads(desc.slow, new Set(fastLets.map((l) => l.name)));
  const slow = desc.slow.map(compile);
  // After the slow block every n_<state> is in its slot (held slow states copied in).
  const defined = new Set([...fastLets.map((l) => l.name), ...S.map((s) => `n_${s}`)]);
  const coupledLoads = loads(desc.coupled, defined);
  const coupled = desc.coupled.map(compile);
  const derivedLoads = loads(desc.derived, new Set([...defined, ...desc.coupled.map((l) => l.name)]));
  const derived = desc.derived.map(compile);
  const newSlots = S.map((s) => slot(`n_${s}`));
  const slowNew = desc.slowStates.map((k) => [k, slot(`n_${S[k]}`)] as const);
  const hSlots = desc.coupled.map((l) => slot(l.name));
  const dSlots = desc.derived.map((l) => slot(l.name));
  const vals = new Float64Array(slotOf.size + 1);
  const args = {} as Args;
  return (x, xo, p, po, cs, hs, wsum, z, k, slowStep, h, ho, dv, dvo) => {
    args.x = x, args.xo = xo, args.p = p, args.po = po, args.cs = cs, args.hs = hs, args.wsum = wsum, args.z = z, args.k = k;
    for (const f of fastLoads) f(vals, args);
    for (const f of fast) f(vals);
    for (const [s, i] of slowNew) vals[i] = x[xo + s]!;
    if (slowStep && slow.length) {
      for (const f of slowLoads) f(vals, args);
      for (const f of slow) f(vals);
    }
    for (let s = 0; s < newSlots.length; s++) x[xo + s] = vals[newSlots[s]!]!;
    for (const f of coupledLoads) f(vals, args);
    for (const f of coupled) f(vals);
    for (let c = 0; c < hSlots.length; c++) h[ho + c] = vals[hSlots[c]!]!;
    if (dv !== null) {
      for (const f of derivedLoads) f(vals, args);
      for (const f of derived) f(vals);
      for (let j = 0; j < dSlots.length; j++) dv[dvo + j] = vals[dSlots[j]!]!;
    }
  };
}

/**
 * Straight-line lets over named inputs as closures (the adjoint blocks of grad/adjoint.ts where
 * `new Function` is forbidden): inp holds `inputs` in order, out receives `outputs` in order.
 */
export function compileClosureLets(
  lets: readonly StepLet[],
  inputs: readonly string[],
  outputs: readonly string[],
): (inp: Float64Array, out: Float64Array) => void {
  const slotOf = new Map<string, number>(inputs.map((n, i) => [n, i]));
  const slot = (name: string) => {
    let i = slotOf.get(name);
    if (i === undefined) slotOf.set(name, i = slotOf.size);
    return i;
  };
  const read = (name: string) => {
    if (!slotOf.has(name)) throw new Error(`let block reads '${name}', which is neither an input nor an earlier let`);
    return slot(name);
  };
  const steps = lets.map((l) => letClosure(l, read, slot));
  const outSlots = outputs.map(slot);
  const vals = new Float64Array(slotOf.size);
  const nIn = inputs.length;
  return (inp, out) => {
    for (let i = 0; i < nIn; i++) vals[i] = inp[i]!;
    for (const s of steps) s(vals);
    for (let j = 0; j < outSlots.length; j++) out[j] = vals[outSlots[j]!]!;
  };
}
