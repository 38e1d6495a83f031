// A model is declared once as a ModelSpec (plain data, JSON-serialisable) and compiled
// (compileModel) into a checked form that every code generator reads: parsed equations,
// resolved names, parameter and state indices. Nothing downstream re-parses strings.
import { type Expr, ExprSyntaxError, freeVariables, parseExpr } from "./expr.ts";

/**
 * One state variable of a model: its name, initial value and optional clamps.
 *
 * @example
 * ```ts
 * import type { StateSpec } from "brainfit/models";
 * const rate: StateSpec = { name: "r", init: 0.1, min: 0, max: 1, description: "firing rate" };
 * ```
 */
export interface StateSpec {
  name: string;
  /** Initial value, also the value of the whole delay history at t = 0. */
  init: number;
  /** Optional hard limits applied after every step (e.g. gating variables in [0, 1]). */
  min?: number;
  max?: number;
  description?: string;
}

/**
 * One model parameter: default, bounds for fitting, unit, and whether it may vary per node.
 *
 * @example
 * ```ts
 * import type { ParameterSpec } from "brainfit/models";
 * const gain: ParameterSpec = { name: "G", default: 0.1, bounds: [0, 5], unit: "1", scope: "global" };
 * ```
 */
export interface ParameterSpec {
  name: string;
  default: number;
  /** Valid range (used by fits and property tests). */
  bounds: [number, number];
  unit: string;
  /** global: one value per simulation; regional: may differ per node. */
  scope: "global" | "regional";
  description?: string;
}

/**
 * A coupling through the connectome: what each node sends (`of`, an expression of its states)
 * and how it is summed at the target (linear Σ w h(t − d), or the difference form).
 *
 * @example
 * ```ts
 * import type { CouplingSpec } from "brainfit/models";
 * const c: CouplingSpec = { name: "c", of: "x", form: "linear" }; // c_i = Σ_j w_ij x_j(t − d_ij)
 * ```
 */
export interface CouplingSpec {
  /** Name the drift uses for the coupling input, e.g. "c". */
  name: string;
  /** The quantity each node sends: an expression of its states and parameters, e.g. "x". */
  of: string;
  /**
   * linear:     c_i = Σ_j w_ij h_j(t − d_ij)
   * difference: c_i = Σ_j w_ij (h_j(t − d_ij) − h_i(t))   (diffusive / Laplacian coupling)
   * The global gain (G, k …) is written in the drift, so it is an ordinary parameter.
   */
  form: "linear" | "difference";
}

/**
 * A model as plain data: states, parameters, couplings, and drift and diffusion as equations
 * (strings in brainfit's expression language, time in ms). Every backend is generated from it.
 *
 * @example
 * ```ts
 * import { compileModel, type ModelSpec } from "brainfit/models";
 * const linear: ModelSpec = {
 *   name: "Linear",
 *   description: "damped linear nodes driven by their neighbours",
 *   citation: "textbook",
 *   states: [{ name: "x", init: 0 }],
 *   parameters: [
 *     { name: "tau", default: 10, bounds: [1, 100], unit: "ms", scope: "regional" },
 *     { name: "G", default: 0.5, bounds: [0, 2], unit: "1", scope: "global" },
 *     { name: "sigma", default: 0.01, bounds: [0, 1], unit: "1/√ms", scope: "global" },
 *   ],
 *   couplings: [{ name: "c", of: "x", form: "linear" }],
 *   drift: { x: "(-x + G * c) / tau" },
 *   diffusion: { x: "sigma" },
 * };
 * compileModel(linear); // throws ModelSpecError naming the field if something is wrong
 * ```
 */
export interface ModelSpec {
  name: string;
  description: string;
  /** Where the equations, constants and defaults come from. */
  citation: string;
  states: StateSpec[];
  parameters: ParameterSpec[];
  couplings: CouplingSpec[];
  /** Intermediate quantities, evaluated in order; later ones may use earlier ones. Recordable. */
  derived?: { name: string; expr: string; description?: string }[];
  /** d(state)/dt in 1/ms, one equation per state. May use states, parameters, couplings, derived, t (ms). */
  drift: Record<string, string>;
  /** Additive noise amplitude per state (multiplies dW, units per √ms). States left out get no noise. */
  diffusion?: Record<string, string>;
  /** The variable that drives Balloon–Windkessel BOLD (a state or derived name). */
  boldInput?: string;
  /**
   * States integrated on a coarser step: an observation model such as Balloon–Windkessel BOLD,
   * which cuBNM integrates at bw_dt = 1 ms. After every `dt` ms (a whole number of model steps;
   * simulate's `slowDt` overrides it) they take one Euler step of that length, evaluated at the
   * newly integrated state; in between they hold. They get no noise, and only their own drifts
   * and derived quantities may read them, so the model's dynamics never depend on them.
   */
  slow?: { states: string[]; dt: number };
}

/**
 * Thrown when a model spec is invalid; the message names the model, the field and the fix.
 *
 * @example
 * ```ts
 * import { compileModel, ModelSpecError, supHopf } from "brainfit/models";
 * try {
 *   compileModel({ ...supHopf, drift: { ...supHopf.drift, x: "(a - r2) * x +" } });
 * } catch (err) {
 *   if (err instanceof ModelSpecError) console.error(err.message); // names SupHopf, drift.x and the fix
 * }
 * ```
 */
export class ModelSpecError extends Error {
  constructor(model: string, field: string, message: string) {
    super(`model '${model}', ${field}: ${message}`);
    this.name = "ModelSpecError";
  }
}

/**
 * A checked ModelSpec with its equations parsed and every name resolved: what the backends
 * generate code from. Make one with compileModel; simulate() accepts either form.
 *
 * @example
 * ```ts
 * import { compileModel, rww, type CompiledModel } from "brainfit/models";
 * const m: CompiledModel = compileModel(rww);
 * console.log(m.stateNames, m.paramNames, m.observables);
 * ```
 */
export interface CompiledModel {
  spec: ModelSpec;
  name: string;
  stateNames: string[];
  paramNames: string[];
  /** Index of each parameter in the per-node parameter vector. */
  paramIndex: Record<string, number>;
  couplingNames: string[];
  coupling: { name: string; of: Expr; form: "linear" | "difference" }[];
  derived: { name: string; expr: Expr }[];
  drift: Expr[];
  /** Diffusion per state, null when that state has no noise. */
  diffusion: (Expr | null)[];
  /** State indices that receive noise, in order: noise channel k drives state noiseStates[k]. */
  noiseStates: number[];
  /** Names that can be recorded or averaged: states then derived quantities. */
  observables: string[];
  /** Indices of the slow states (spec.slow), empty when none. */
  slowStates: number[];
  /** Default slow step in ms (spec.slow.dt), 0 when there are no slow states. */
  slowDt: number;
  /** Per derived quantity: needed by the drift or diffusion of a (fast) state. */
  derivedForFast: boolean[];
  /** Per derived quantity: needed by the drift of a slow state. */
  derivedForSlow: boolean[];
}

const RESERVED = new Set(["t", "dt", "pi", "e"]);
const IDENT = /^[A-Za-z_][A-Za-z0-9_]*$/;

type Type = "num" | "bool";

function typeOf(e: Expr, where: () => string, model: string): Type {
  const need = (sub: Expr, want: Type, what: string) => {
    const got = typeOf(sub, where, model);
    if (got !== want) {
      throw new ModelSpecError(
        model,
        where(),
        `${what} must be ${want === "num" ? "a number" : "a comparison"}, got a ${got === "num" ? "number" : "comparison"}`,
      );
    }
  };
  switch (e.kind) {
    case "num":
    case "var":
      return "num";
    case "neg":
      need(e.arg, "num", "the operand of unary minus");
      return "num";
    case "not":
      need(e.arg, "bool", "the operand of '!'");
      return "bool";
    case "call":
      for (const a of e.args) need(a, "num", `the argument of ${e.fn}()`);
      return "num";
    case "cond":
      need(e.test, "bool", "the condition before '?'");
      need(e.then, "num", "the value after '?'");
      need(e.else, "num", "the value after ':'");
      return "num";
    case "bin":
      if (e.op === "&&" || e.op === "||") {
        need(e.left, "bool", `the left side of '${e.op}'`);
        need(e.right, "bool", `the right side of '${e.op}'`);
        return "bool";
      }
      need(e.left, "num", `the left side of '${e.op}'`);
      need(e.right, "num", `the right side of '${e.op}'`);
      return ["<", "<=", ">", ">=", "==", "!="].includes(e.op) ? "bool" : "num";
  }
}

/**
 * Check a spec and compile its equations. Errors name the model, the field and the fix.
 *
 * @example
 * ```ts
 * import { compileModel, wilsonCowan } from "brainfit/models";
 * const m = compileModel(wilsonCowan);
 * console.log(m.stateNames); // ["rE", "rI", …]
 * ```
 */
export function compileModel(spec: ModelSpec): CompiledModel {
  const m = spec.name || "(unnamed)";
  const fail = (field: string, msg: string): never => {
    throw new ModelSpecError(m, field, msg);
  };
  if (!spec.states?.length) fail("states", "declare at least one state variable");
  const seen = new Set<string>();
  const declare = (name: string, field: string) => {
    if (!IDENT.test(name)) fail(field, `'${name}' is not a valid name (letters, digits, underscore; not starting with a digit)`);
    if (RESERVED.has(name)) fail(field, `'${name}' is reserved (t, dt, pi, e); rename it`);
    if (seen.has(name)) {
      fail(field, `'${name}' is declared twice; names of states, parameters, couplings and derived quantities must be unique`);
    }
    seen.add(name);
  };
  spec.states.forEach((s, i) => {
    declare(s.name, `states[${i}].name`);
    if (!Number.isFinite(s.init)) fail(`states[${i}].init`, `initial value of '${s.name}' must be a finite number`);
  });
  spec.parameters.forEach((p, i) => {
    declare(p.name, `parameters[${i}].name`);
    const [lo, hi] = p.bounds ?? [];
    if (!(Number.isFinite(lo) && Number.isFinite(hi) && lo! <= hi!)) {
      fail(`parameters[${i}].bounds`, `'${p.name}' needs finite bounds [low, high] with low <= high`);
    }
    if (!Number.isFinite(p.default)) fail(`parameters[${i}].default`, `'${p.name}' needs a finite default`);
    if (p.scope !== "global" && p.scope !== "regional") fail(`parameters[${i}].scope`, `'${p.name}': scope must be "global" or "regional"`);
  });
  spec.couplings.forEach((c, i) => {
    declare(c.name, `couplings[${i}].name`);
    if (c.form !== "linear" && c.form !== "difference") {
      fail(`couplings[${i}].form`, `must be "linear" or "difference", got '${String(c.form)}'`);
    }
  });
  for (const [i, d] of (spec.derived ?? []).entries()) declare(d.name, `derived[${i}].name`);

  const stateNames = spec.states.map((s) => s.name);
  const paramNames = spec.parameters.map((p) => p.name);
  const couplingNames = spec.couplings.map((c) => c.name);

  const parse = (src: string, field: string, allowed: Set<string>): Expr => {
    if (typeof src !== "string") fail(field, "must be an equation string");
    let e: Expr;
    try {
      e = parseExpr(src, `model '${m}', ${field}`);
    } catch (err) {
      if (err instanceof ExprSyntaxError) throw err;
      throw err;
    }
    for (const v of freeVariables(e)) {
      if (!allowed.has(v)) {
        const hint = seen.has(v)
          ? "it is declared, but cannot be used here (derived quantities must be defined before use; coupling inputs are not available inside a coupling)"
          : `declare it as a state or parameter, or fix the spelling (known: ${[...allowed].join(", ")})`;
        fail(field, `unknown name '${v}' in '${src}': ${hint}`);
      }
    }
    if (typeOf(e, () => field, m) !== "num") fail(field, `'${src}' is a comparison; it must produce a number`);
    return e;
  };

  const base = new Set([...stateNames, ...paramNames]);
  const coupling = spec.couplings.map((c, i) => ({ name: c.name, form: c.form, of: parse(c.of, `couplings[${i}].of`, base) }));
  const scope = new Set([...base, ...couplingNames, "t"]);
  const derived: { name: string; expr: Expr }[] = [];
  for (const [i, d] of (spec.derived ?? []).entries()) {
    derived.push({ name: d.name, expr: parse(d.expr, `derived[${i}] '${d.name}'`, scope) });
    scope.add(d.name);
  }
  for (const k of Object.keys(spec.drift ?? {})) {
    if (!stateNames.includes(k)) fail(`drift.${k}`, `'${k}' is not a state (states: ${stateNames.join(", ")})`);
  }
  for (const k of Object.keys(spec.diffusion ?? {})) {
    if (!stateNames.includes(k)) fail(`diffusion.${k}`, `'${k}' is not a state (states: ${stateNames.join(", ")})`);
  }
  const drift = stateNames.map((s) => {
    const src = spec.drift?.[s];
    if (src === undefined) return fail(`drift.${s}`, `missing: every state needs a drift equation (write "0" for a constant state)`);
    return parse(src, `drift.${s}`, scope);
  });
  const diffusion = stateNames.map((s) => {
    const src = spec.diffusion?.[s];
    return src === undefined ? null : parse(src, `diffusion.${s}`, scope);
  });
  const noiseStates = diffusion.flatMap((d, i) => (d ? [i] : []));
  const observables = [...stateNames, ...derived.map((d) => d.name)];

  // Slow states, and which derived quantities the fast and the slow equations need.
  const slowNames = spec.slow?.states ?? [];
  if (spec.slow !== undefined) {
    if (!Array.isArray(slowNames) || slowNames.length === 0) {
      fail("slow.states", "list the states integrated on the slow step, or drop 'slow'");
    }
    if (!(typeof spec.slow.dt === "number" && Number.isFinite(spec.slow.dt) && spec.slow.dt > 0)) {
      fail("slow.dt", `must be a step in ms > 0, got ${String(spec.slow.dt)}`);
    }
  }
  const slowStates = slowNames.map((name, k) => {
    const i = stateNames.indexOf(name);
    if (i < 0) fail(`slow.states[${k}]`, `'${name}' is not a state (states: ${stateNames.join(", ")})`);
    if (slowNames.indexOf(name) !== k) fail(`slow.states[${k}]`, `'${name}' is listed twice`);
    if (diffusion[i]) {
      fail(`diffusion.${name}`, `'${name}' is a slow state, which gets no noise; drop its diffusion or take it out of slow.states`);
    }
    return i;
  });
  const reads = new Map<string, Set<string>>(); // derived name → every state/derived it reads, transitively
  const closure = (e: Expr): Set<string> => {
    const out = new Set<string>();
    for (const v of freeVariables(e)) {
      out.add(v);
      for (const w of reads.get(v) ?? []) out.add(w);
    }
    return out;
  };
  for (const d of derived) reads.set(d.name, closure(d.expr));
  const fastNeeds = new Set<string>();
  const slowNeeds = new Set<string>();
  stateNames.forEach((name, i) => {
    const isSlow = slowStates.includes(i);
    const exprs: [Expr, string][] = [[drift[i]!, `drift.${name}`]];
    if (diffusion[i]) exprs.push([diffusion[i]!, `diffusion.${name}`]);
    for (const [e, field] of exprs) {
      const needs = closure(e);
      if (!isSlow) {
        const bad = slowNames.find((sl) => needs.has(sl));
        if (bad) {
          fail(
            field,
            `reads the slow state '${bad}' (directly or through a derived quantity); slow states may only be read by slow drifts and by derived quantities used as observables`,
          );
        }
      }
      for (const v of needs) (isSlow ? slowNeeds : fastNeeds).add(v);
    }
  });
  coupling.forEach((c, k) => {
    const bad = slowNames.find((sl) => closure(c.of).has(sl));
    if (bad) fail(`couplings[${k}].of`, `reads the slow state '${bad}'; a node may only send fast quantities`);
  });
  if (spec.boldInput !== undefined && !observables.includes(spec.boldInput)) {
    fail("boldInput", `'${spec.boldInput}' is not a state or derived quantity`);
  }
  return {
    spec,
    name: m,
    stateNames,
    paramNames,
    paramIndex: Object.fromEntries(paramNames.map((p, i) => [p, i])),
    couplingNames,
    coupling,
    derived,
    drift,
    diffusion,
    noiseStates,
    observables,
    slowStates,
    slowDt: spec.slow?.dt ?? 0,
    derivedForFast: derived.map((d) => fastNeeds.has(d.name)),
    derivedForSlow: derived.map((d) => slowNeeds.has(d.name)),
  };
}
