// The integration step, described once. describeStep turns a CompiledModel into straight-line
// blocks of named values (`let name = expr`, optionally clamped), in the order of the
// reference's header (src/backends/reference.ts): difference coupling, drift and diffusion at
// the start of the step, Euler–Maruyama or Heun, clamps, the slow step, the new coupled
// quantities, the derived observables. The float64 reference (codegen/ts.ts, closures.ts), the
// AssemblyScript kernel (asm.ts) and the WGSL kernel (wgsl.ts) emit these blocks; none of them
// writes the step's arithmetic by hand. What stays per backend is memory: where the inputs
// come from (delayed coupling sums, normals, states, parameters) and where the outputs go.
// The adjoint (issue 14) differentiates the same blocks, let by let.
//
// Names are identifiers valid in every target language, prefixed by role so that no model
// name can collide with another role:
//   inputs   x_<state>  state at the start of the step (slow states: only in `slow`)
//            p_<param>  parameter of this node and lane
//            cs_<coupling>  Σ_j w_ij h_j(step − d_ij), the delayed coupling sum
//            hs_<coupling>  this node's own h(step) (difference couplings only)
//            wsum       Σ_j w_ij (difference couplings only)
//            z_<q>      standard normal of noise channel q
//            t, t1      step·dt and (step + 1)·dt;  dt, half_dt, sqrt_dt, slow_dt
//   values   c_<coupling> (coupling input), ad_/bd_/sd_/nd_<derived> (derived at the start,
//            the Heun predictor, the slow step, the new state), fa_/fb_/fs_<state> (drifts),
//            gz_<q> (diffusion × √dt), b_<state> (Heun predictor), n_<state> (new state),
//            h_<coupling> (new coupled quantity)
import type { Expr } from "../models/expr.ts";
import { freeVariables, mapChildren } from "../models/expr.ts";
import type { CompiledModel } from "../models/spec.ts";

export type StepIntegrator = "euler" | "heun";

/** One named value of the step. `min`/`max` clamp it (state limits) after evaluation. */
export interface StepLet {
  name: string;
  expr: Expr;
  min?: number;
  max?: number;
}

export interface StepDescription {
  model: CompiledModel;
  /** c_<k> from the coupling sums (difference form subtracts wsum · hs_<k>). */
  coupling: StepLet[];
  /** Derived quantities, drifts and scaled diffusions at the start of the step (fast states only). */
  start: StepLet[];
  /** n_<s> of every fast state, per integrator, from `start`'s values. */
  integrate: Record<StepIntegrator, StepLet[]>;
  /**
   * Runs only on slow steps (every slowEvery-th step): n_<s> of every slow state, one Euler step
   * of slow_dt evaluated at the new fast states. On other steps n_<s> = x_<s> for slow states.
   */
  slow: StepLet[];
  /** h_<k>: the new coupled quantities, written to the ring for step + 1. */
  coupled: StepLet[];
  /** nd_<name>: every derived quantity of the new state with this step's coupling input. */
  derived: StepLet[];
  /** Fast and slow state indices (slow states hold during the model step). */
  fastStates: number[];
  slowStates: number[];
}

/** The time scalars the step reads, in this order wherever they travel together (StepFunction's `k`). */
export const STEP_TIMES = ["t", "t1", "dt", "half_dt", "sqrt_dt", "slow_dt"] as const;

/**
 * What an input of the step is, for the emitters to say where it comes from: a state (x, state
 * index), a parameter (p, index in the per-node parameter vector), a coupling sum or this node's
 * own coupled value (cs, hs: coupling index), a normal (z: channel), the row weight sum (wsum), or
 * a time scalar (time: index into STEP_TIMES). Null when `name` is not an input.
 */
export type StepInput = { role: "x" | "p" | "cs" | "hs" | "z" | "time"; index: number } | { role: "wsum"; index: 0 };

export function stepInput(m: CompiledModel, name: string): StepInput | null {
  const at = (prefix: string, names: readonly string[]) => (name.startsWith(prefix) ? names.indexOf(name.slice(prefix.length)) : -1);
  let i: number;
  if ((i = at("x_", m.stateNames)) >= 0) return { role: "x", index: i };
  if ((i = at("p_", m.paramNames)) >= 0) return { role: "p", index: m.paramIndex[m.paramNames[i]!]! };
  if ((i = at("cs_", m.couplingNames)) >= 0) return { role: "cs", index: i };
  if ((i = at("hs_", m.couplingNames)) >= 0) return { role: "hs", index: i };
  if (/^z_\d+$/.test(name)) return { role: "z", index: Number(name.slice(2)) };
  if (name === "wsum") return { role: "wsum", index: 0 };
  if ((i = STEP_TIMES.indexOf(name as (typeof STEP_TIMES)[number])) >= 0) return { role: "time", index: i };
  return null;
}

const v = (name: string): Expr => ({ kind: "var", name, pos: 0 });
const add = (left: Expr, right: Expr): Expr => ({ kind: "bin", op: "+", left, right });
const sub = (left: Expr, right: Expr): Expr => ({ kind: "bin", op: "-", left, right });
const mul = (left: Expr, right: Expr): Expr => ({ kind: "bin", op: "*", left, right });

/** A copy of e with every variable renamed by `rename` (names it returns unchanged stay). */
export function renameVars(e: Expr, rename: (name: string) => string): Expr {
  if (e.kind === "var") return { kind: "var", name: rename(e.name), pos: e.pos };
  return mapChildren(e, (x) => renameVars(x, rename));
}

/** Describe the step of a compiled model (see the header for names and order). */
export function describeStep(m: CompiledModel): StepDescription {
  const S = m.stateNames;
  const slowStates = m.slowStates;
  const fastStates = S.map((_, k) => k).filter((k) => !slowStates.includes(k));
  const isState = (name: string) => S.includes(name);
  const isDerived = (name: string) => m.derived.some((d) => d.name === name);
  const limits = (k: number) => {
    const s = m.spec.states[k]!;
    return { ...(s.min !== undefined ? { min: s.min } : {}), ...(s.max !== undefined ? { max: s.max } : {}) };
  };
  // A model expression in one stage: states as `states(name)`, derived as `<prefix>_<name>`,
  // time as `time`; parameters and couplings are the same in every stage.
  const inStage = (e: Expr, states: (name: string) => string, derivedPrefix: string, time: string) =>
    renameVars(e, (name) => {
      if (isState(name)) return states(name);
      if (name in m.paramIndex) return `p_${name}`;
      if (m.couplingNames.includes(name)) return `c_${name}`;
      if (name === "t") return time;
      if (isDerived(name)) return `${derivedPrefix}_${name}`;
      throw new Error(`model '${m.name}': unresolved name '${name}' in the step`);
    });

  const coupling: StepLet[] = m.coupling.map((c) => ({
    name: `c_${c.name}`,
    expr: c.form === "difference" ? sub(v(`cs_${c.name}`), mul(v("wsum"), v(`hs_${c.name}`))) : v(`cs_${c.name}`),
  }));

  const fastDerived = m.derived.filter((_, j) => m.derivedForFast[j]);
  const start: StepLet[] = [
    ...fastDerived.map((d) => ({ name: `ad_${d.name}`, expr: inStage(d.expr, (s) => `x_${s}`, "ad", "t") })),
    ...fastStates.map((k) => ({ name: `fa_${S[k]}`, expr: inStage(m.drift[k]!, (s) => `x_${s}`, "ad", "t") })),
    ...m.noiseStates.map((k, q) => ({ name: `gz_${q}`, expr: mul(inStage(m.diffusion[k]!, (s) => `x_${s}`, "ad", "t"), v("sqrt_dt")) })),
  ];
  const noiseOf = new Map(m.noiseStates.map((k, q) => [k, q]));
  // (x + increment) + gz·z: noise added after the deterministic update, as the reference does.
  const withNoise = (k: number, e: Expr) => {
    const q = noiseOf.get(k);
    return q === undefined ? e : add(e, mul(v(`gz_${q}`), v(`z_${q}`)));
  };
  const euler: StepLet[] = fastStates.map((k) => ({
    name: `n_${S[k]}`,
    expr: withNoise(k, add(v(`x_${S[k]}`), mul(v("dt"), v(`fa_${S[k]}`)))),
    ...limits(k),
  }));
  const heun: StepLet[] = [
    ...fastStates.map((k) => ({ name: `b_${S[k]}`, expr: withNoise(k, add(v(`x_${S[k]}`), mul(v("dt"), v(`fa_${S[k]}`)))), ...limits(k) })),
    ...fastDerived.map((d) => ({ name: `bd_${d.name}`, expr: inStage(d.expr, (s) => `b_${s}`, "bd", "t1") })),
    ...fastStates.map((k) => ({ name: `fb_${S[k]}`, expr: inStage(m.drift[k]!, (s) => `b_${s}`, "bd", "t1") })),
    ...fastStates.map((k) => ({
      name: `n_${S[k]}`,
      expr: withNoise(k, add(v(`x_${S[k]}`), mul(v("half_dt"), add(v(`fa_${S[k]}`), v(`fb_${S[k]}`))))),
      ...limits(k),
    })),
  ];
  // Slow step: fast states already new (n_), slow states still old (x_), time t + dt.
  const slowState = (s: string) => (slowStates.includes(S.indexOf(s)) ? `x_${s}` : `n_${s}`);
  const slow: StepLet[] = [
    ...m.derived.filter((_, j) => m.derivedForSlow[j]).map((d) => ({ name: `sd_${d.name}`, expr: inStage(d.expr, slowState, "sd", "t1") })),
    ...slowStates.map((k) => ({ name: `fs_${S[k]}`, expr: inStage(m.drift[k]!, slowState, "sd", "t1") })),
    ...slowStates.map((k) => ({ name: `n_${S[k]}`, expr: add(v(`x_${S[k]}`), mul(v("slow_dt"), v(`fs_${S[k]}`))), ...limits(k) })),
  ];
  const coupled: StepLet[] = m.coupling.map((c) => ({ name: `h_${c.name}`, expr: inStage(c.of, (s) => `n_${s}`, "nd", "t1") }));
  const derived: StepLet[] = m.derived.map((d) => ({ name: `nd_${d.name}`, expr: inStage(d.expr, (s) => `n_${s}`, "nd", "t1") }));
  return { model: m, coupling, start, integrate: { euler, heun }, slow, coupled, derived, fastStates, slowStates };
}

/** Names a block reads that it does not define itself (its inputs), in first-use order. */
export function blockInputs(lets: readonly StepLet[]): string[] {
  const defined = new Set<string>();
  const inputs: string[] = [];
  for (const l of lets) {
    for (const name of freeVariables(l.expr)) if (!defined.has(name) && !inputs.includes(name)) inputs.push(name);
    defined.add(l.name);
  }
  return inputs;
}

/** The lets of `lets` that `needed` depend on (transitively), in their original order. */
export function pruneLets(lets: readonly StepLet[], needed: Iterable<string>): StepLet[] {
  const want = new Set(needed);
  const keep: boolean[] = new Array(lets.length).fill(false);
  for (let i = lets.length - 1; i >= 0; i--) {
    if (!want.has(lets[i]!.name)) continue;
    keep[i] = true;
    for (const name of freeVariables(lets[i]!.expr)) want.add(name);
  }
  return lets.filter((_, i) => keep[i]);
}
