// The adjoint (vector–Jacobian product) of the integration step, generated from the step's
// description (codegen/step.ts) as more straight-line lets, so the float64 emitters that compile
// the step compile its adjoint too (and the f32 emitters could).
//
// reverseLets(lets, seeds, wrt): the lets are first split into elementary lets (each non-leaf
// subexpression its own `tmp_<k>`, except inside the branches of a conditional, which only the
// taken branch may evaluate), clamps become min/max calls. Then, walking the lets backwards,
// every let L = f(u, v, …) with a non-zero adjoint gets `adj_L = Σ contributions` and adds
// adj_L · ∂f/∂u to u's contributions (∂f/∂u from grad/diff.ts). Seeds `ga_<name>` are the
// adjoints flowing in from outside (the next step, the ring, the loss); the outputs are
// `adj_<input>` for every requested input. The block keeps the forward lets the reverse ones
// read (pruned), so one call recomputes the step's intermediates from its inputs and then runs
// backwards: nothing of the step but its inputs needs to be stored.
import type { Expr } from "../models/expr.ts";
import { freeVariables, mapChildren } from "../models/expr.ts";
import type { StepDescription, StepIntegrator, StepLet } from "../codegen/step.ts";
import { pruneLets } from "../codegen/step.ts";
import { add, diff, mul, num, ref } from "./diff.ts";

/** A straight-line program: lets over named inputs, with named outputs. */
export interface LetBlock {
  lets: StepLet[];
  outputs: string[];
}

function sameExpr(a: Expr, b: Expr): boolean {
  if (a === b) return true;
  if (a.kind !== b.kind) return false;
  switch (a.kind) {
    case "num":
      return a.value === (b as typeof a).value || (Number.isNaN(a.value) && Number.isNaN((b as typeof a).value));
    case "var":
      return a.name === (b as typeof a).name;
    case "neg":
    case "not":
      return sameExpr(a.arg, (b as typeof a).arg);
    case "bin":
      return a.op === (b as typeof a).op && sameExpr(a.left, (b as typeof a).left) && sameExpr(a.right, (b as typeof a).right);
    case "call":
      return a.fn === (b as typeof a).fn && a.args.every((x, i) => sameExpr(x, (b as typeof a).args[i]!));
    case "cond": {
      const c = b as typeof a;
      return sameExpr(a.test, c.test) && sameExpr(a.then, c.then) && sameExpr(a.else, c.else);
    }
  }
}

/** e with every subtree equal to `what` replaced by `by` (reuses a let's value in its own derivative). */
function replace(e: Expr, what: Expr, by: Expr): Expr {
  if (sameExpr(e, what)) return by;
  const go = (x: Expr) => replace(x, what, by);
  // A conditional's test keeps its own form (only the branches' values are reused).
  if (e.kind === "cond") return { kind: "cond", test: e.test, then: go(e.then), else: go(e.else) };
  return mapChildren(e, go);
}

/**
 * Split lets into elementary ones: numeric subexpressions become `tmp_<k>` lets of one operation
 * on names and numbers (the branches and test of a conditional stay whole), and a clamp becomes
 * min(max, max(min, raw)). Same values, same order of operations as the emitted step.
 */
export function elementaryLets(lets: readonly StepLet[]): StepLet[] {
  const out: StepLet[] = [];
  let k = 0;
  const isLeaf = (e: Expr) => e.kind === "num" || e.kind === "var";
  const hoist = (e: Expr): Expr => {
    if (isLeaf(e)) return e;
    const name = `tmp_${k++}`;
    out.push({ name, expr: shallow(e) });
    return ref(name);
  };
  // e with its numeric children hoisted (e itself stays one operation).
  const shallow = (e: Expr): Expr => {
    switch (e.kind) {
      case "num":
      case "var":
        return e;
      case "neg":
        return { kind: "neg", arg: hoist(e.arg) };
      case "not":
        return e;
      case "call":
        return { kind: "call", fn: e.fn, args: e.args.map(hoist) };
      case "cond":
        return e;
      case "bin": {
        if (["+", "-", "*", "/", "^"].includes(e.op)) {
          // Keep literal exponents literal (the emitters expand small integer powers).
          const right = e.op === "^" && (e.right.kind === "num" || (e.right.kind === "neg" && e.right.arg.kind === "num"))
            ? e.right
            : hoist(e.right);
          return { kind: "bin", op: e.op, left: hoist(e.left), right };
        }
        return e; // comparisons and logic: kept whole (derivative zero)
      }
    }
  };
  for (const l of lets) {
    if (l.min === undefined && l.max === undefined) {
      out.push({ name: l.name, expr: shallow(l.expr) });
      continue;
    }
    let v = hoist(l.expr);
    if (l.min !== undefined) {
      const name = l.max === undefined ? l.name : `tmp_${k++}`;
      out.push({ name, expr: { kind: "call", fn: "max", args: [num(l.min), v] } });
      v = ref(name);
    }
    if (l.max !== undefined) out.push({ name: l.name, expr: { kind: "call", fn: "min", args: [num(l.max), v] } });
  }
  return out;
}

/**
 * The reverse block of `lets`: outputs `adj_<w>` for each w in `wrt` (inputs of the lets), given
 * seeds `ga_<name>` for each name in `seeds` (lets whose adjoint comes from outside).
 */
export function reverseLets(lets: readonly StepLet[], seeds: readonly string[], wrt: readonly string[]): LetBlock {
  const fwd = elementaryLets(lets);
  const contrib = new Map<string, Expr[]>();
  const push = (name: string, e: Expr) => {
    const list = contrib.get(name);
    if (list) list.push(e);
    else contrib.set(name, [e]);
  };
  for (const s of seeds) push(s, ref(`ga_${s}`));
  const defined = new Set(fwd.map((l) => l.name));
  const wanted = new Set(wrt);
  const rev: StepLet[] = [];
  const sum = (list: Expr[]) => list.reduce((a, b) => add(a, b));
  for (let i = fwd.length - 1; i >= 0; i--) {
    const l = fwd[i]!;
    const list = contrib.get(l.name);
    if (!list) continue; // adjoint zero: nothing downstream of the seeds reads it
    const adj = `adj_${l.name}`;
    rev.push({ name: adj, expr: sum(list) });
    for (const u of freeVariables(l.expr)) {
      if (!defined.has(u) && !wanted.has(u)) continue;
      const d = replace(diff(l.expr, u), l.expr, ref(l.name));
      if (d.kind === "num" && d.value === 0) continue;
      push(u, mul(ref(adj), d));
    }
  }
  const outputs = wrt.map((w) => `adj_${w}`);
  for (const w of wrt) rev.push({ name: `adj_${w}`, expr: contrib.has(w) ? sum(contrib.get(w)!) : num(0) });
  // Forward lets the reverse block reads, then the reverse block.
  const needed = new Set<string>();
  for (const l of rev) for (const v of freeVariables(l.expr)) needed.add(v);
  return { lets: [...pruneLets(fwd, needed), ...rev], outputs };
}

/** Which adjoint of the step: integrator, whether the slow states step, whether derived observables are seeded. */
export interface StepVariant {
  integrator: StepIntegrator;
  slowStep: boolean;
  derived: boolean;
}

/** The step's lets as one straight line for a variant (held slow states as n_s = x_s). */
export function flatStep(desc: StepDescription, v: StepVariant): StepLet[] {
  const S = desc.model.stateNames;
  const slow = v.slowStep ? desc.slow : desc.slowStates.map((k) => ({ name: `n_${S[k]}`, expr: ref(`x_${S[k]}`) }));
  return [...desc.coupling, ...desc.start, ...desc.integrate[v.integrator], ...slow, ...desc.coupled, ...(v.derived ? desc.derived : [])];
}

/** Names of the step's inputs and seeds, in the layout the adjoint's input vector uses. */
export function stepAdjointLayout(desc: StepDescription) {
  const m = desc.model;
  const noise = m.noiseStates.map((_, q) => `z_${q}`);
  const difference = m.coupling.filter((c) => c.form === "difference").map((c) => c.name);
  const inputs = [
    ...m.stateNames.map((s) => `x_${s}`),
    ...m.paramNames.map((p) => `p_${p}`),
    ...m.couplingNames.map((c) => `cs_${c}`),
    ...m.couplingNames.map((c) => `hs_${c}`),
    "wsum",
    ...noise,
    "t",
    "t1",
    "dt",
    "half_dt",
    "sqrt_dt",
    "slow_dt",
    ...m.stateNames.map((s) => `ga_n_${s}`),
    ...m.couplingNames.map((c) => `ga_h_${c}`),
    ...m.derived.map((d) => `ga_nd_${d.name}`),
  ];
  const wrt = [
    ...m.stateNames.map((s) => `x_${s}`),
    ...m.paramNames.map((p) => `p_${p}`),
    ...m.couplingNames.map((c) => `cs_${c}`),
    ...difference.map((c) => `hs_${c}`),
  ];
  return { inputs, wrt, difference };
}

/** The adjoint of one step of one node for a variant. */
export function stepAdjoint(desc: StepDescription, v: StepVariant): LetBlock {
  const m = desc.model;
  const seeds = [
    ...m.stateNames.map((s) => `n_${s}`),
    ...m.couplingNames.map((c) => `h_${c}`),
    ...(v.derived ? m.derived.map((d) => `nd_${d.name}`) : []),
  ];
  return reverseLets(flatStep(desc, v), seeds, stepAdjointLayout(desc).wrt);
}

/**
 * The adjoint of the initial delay history: every slot of the ring starts at h(x_init, p), so
 * adjoints of reads before the first step flow into the parameters through this block.
 */
export function initialCouplingAdjoint(desc: StepDescription): LetBlock {
  const m = desc.model;
  return reverseLets(desc.coupled, m.couplingNames.map((c) => `h_${c}`), m.paramNames.map((p) => `p_${p}`));
}
