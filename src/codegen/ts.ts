// Float64 TypeScript/JavaScript emitter: the reference the f32 kernels are checked against.
// Functions are generated as source and compiled with `new Function`, so the reference runs at
// JIT speed without an interpreter. Where code generation from strings is forbidden (Cloudflare
// workerd, strict-CSP pages) compileTsFunctions falls back to closure trees of the same ASTs
// (codegen/closures.ts): bit-identical results, slower.
import type { CompiledModel } from "../models/spec.ts";
import { compileClosureFunctions, compileClosureStep } from "./closures.ts";
import { emitExpr, floatLiteral } from "./emit.ts";
import { blockInputs, type StepDescription, stepInput, type StepIntegrator, type StepLet } from "./step.ts";

/** Per-node model functions, all float64. Offsets index into flat arrays. */
export interface NodeFunctions {
  /** Drift f (S values at fo), diffusion of noise channels g (at go), derived values (at dvo, or skipped when dv is null). */
  eval(
    x: Float64Array,
    xo: number,
    p: Float64Array,
    po: number,
    c: Float64Array,
    t: number,
    f: Float64Array,
    fo: number,
    g: Float64Array,
    go: number,
    dv: Float64Array | null,
    dvo: number,
  ): void;
  /** The coupled quantities h_k a node sends (K values at ho). */
  coupled(x: Float64Array, xo: number, p: Float64Array, po: number, h: Float64Array, ho: number): void;
  source: string;
}

export function emitTsSource(m: CompiledModel): { evalSrc: string; coupledSrc: string } {
  const resolve = (name: string): string => {
    const si = m.stateNames.indexOf(name);
    if (si >= 0) return `x[xo + ${si}]`;
    const pi = m.paramIndex[name];
    if (pi !== undefined) return `p[po + ${pi}]`;
    const ci = m.couplingNames.indexOf(name);
    if (ci >= 0) return `c[${ci}]`;
    if (name === "t") return "t";
    return `d_${name}`;
  };
  const lines: string[] = [];
  for (const d of m.derived) lines.push(`const d_${d.name} = ${emitExpr(d.expr, "ts", resolve)};`);
  m.drift.forEach((e, i) => lines.push(`f[fo + ${i}] = ${emitExpr(e, "ts", resolve)};`));
  m.noiseStates.forEach((s, k) => lines.push(`g[go + ${k}] = ${emitExpr(m.diffusion[s]!, "ts", resolve)};`));
  if (m.derived.length) {
    lines.push(`if (dv !== null) {`);
    m.derived.forEach((d, i) => lines.push(`  dv[dvo + ${i}] = d_${d.name};`));
    lines.push(`}`);
  }
  const coupled = m.coupling.map((c, k) => `h[ho + ${k}] = ${emitExpr(c.of, "ts", resolve)};`);
  return { evalSrc: lines.join("\n"), coupledSrc: coupled.join("\n") };
}

let codeGeneration: boolean | undefined;

/** Whether this runtime compiles JavaScript from strings (`new Function`). */
export function canGenerateCode(): boolean {
  if (codeGeneration === undefined) {
    try {
      codeGeneration = new Function("return 1")() === 1;
    } catch {
      codeGeneration = false;
    }
  }
  return codeGeneration;
}

export type Evaluator = "auto" | "generated" | "closures";
let defaultEvaluator: Evaluator = "auto";

/**
 * Choose how the float64 model functions run everywhere they are compiled (the reference backend,
 * the wasm backend's initial coupling values): "auto" (generated JavaScript where the runtime
 * allows `new Function`, else closure trees), or one of the two. For benchmarks and tests.
 */
export function setModelEvaluator(mode: Evaluator): void {
  defaultEvaluator = mode;
}

/** How model functions are evaluated: generated JavaScript where allowed, else closure trees. */
export function compileTsFunctions(m: CompiledModel, evaluator: Evaluator = defaultEvaluator): NodeFunctions {
  if (evaluator === "closures" || (evaluator === "auto" && !canGenerateCode())) return compileClosureFunctions(m);
  const { evalSrc, coupledSrc } = emitTsSource(m);
  const evalFn = new Function(
    "x",
    "xo",
    "p",
    "po",
    "c",
    "t",
    "f",
    "fo",
    "g",
    "go",
    "dv",
    "dvo",
    `"use strict";\n${evalSrc}`,
  ) as NodeFunctions["eval"];
  const coupledFn = new Function("x", "xo", "p", "po", "h", "ho", `"use strict";\n${coupledSrc}`) as NodeFunctions["coupled"];
  return { eval: evalFn, coupled: coupledFn, source: `// eval\n${evalSrc}\n// coupled\n${coupledSrc}` };
}

/**
 * One node of one lane through one step of a StepDescription, in float64, in place:
 * x[xo …] ← the new state, h[ho …] ← the new coupled quantities, and, when dv is not null,
 * dv[dvo …] ← the derived quantities of the new state. cs and hs hold the node's coupling sums
 * and own coupled values (per coupling), z its normals (per noise channel), k the scalars
 * STEP_TIMES; slowStep says whether the slow states step.
 */
export type StepFunction = (
  x: Float64Array,
  xo: number,
  p: Float64Array,
  po: number,
  cs: Float64Array,
  hs: Float64Array,
  wsum: number,
  z: Float64Array,
  k: Float64Array,
  slowStep: boolean,
  h: Float64Array,
  ho: number,
  dv: Float64Array | null,
  dvo: number,
) => void;

/** Where each input of the step lives in StepFunction's arguments (a JavaScript expression). */
export function stepInputSource(m: StepDescription["model"], name: string): string {
  const input = stepInput(m, name);
  if (!input) throw new Error(`model '${m.name}': the step reads '${name}', which is not an input`);
  const { role, index } = input;
  switch (role) {
    case "x":
      return `x[xo + ${index}]`;
    case "p":
      return `p[po + ${index}]`;
    case "wsum":
      return "wsum";
    case "time":
      return `k[${index}]`;
    default:
      return `${role}[${index}]`; // cs, hs, z
  }
}

/** A let as a float64 JavaScript statement (clamped with Math.min/Math.max, as the reference always did). */
export function tsLet(l: StepLet, decl: "const " | "" = "const "): string {
  let e = emitExpr(l.expr, "ts", (n) => n);
  if (l.min !== undefined) e = `Math.max(${floatLiteral(l.min)}, ${e})`;
  if (l.max !== undefined) e = `Math.min(${floatLiteral(l.max)}, ${e})`;
  return `${decl}${l.name} = ${e};`;
}

/** The body of a StepFunction for one integrator (generated JavaScript, also shown by `source`). */
export function emitTsStep(desc: StepDescription, integrator: StepIntegrator): string {
  const m = desc.model;
  const S = m.stateNames;
  const fastBlocks = [...desc.coupling, ...desc.start, ...desc.integrate[integrator]];
  const lines: string[] = [];
  // Names visible at the top level of the function: wsum (an argument), then loaded inputs and lets.
  const top = new Set<string>(["wsum"]);
  // Loads of a block's inputs not yet visible; inside a nested block they stay local to it.
  const loads = (lets: StepLet[], pad: string, scope: Set<string>) => {
    for (const name of blockInputs(lets)) {
      if (scope.has(name)) continue;
      lines.push(`${pad}const ${name} = ${stepInputSource(m, name)};`);
      scope.add(name);
    }
  };
  const lets = (block: StepLet[], pad: string, scope: Set<string>) => {
    for (const l of block) {
      lines.push(pad + tsLet(l, scope.has(l.name) ? "" : "const "));
      scope.add(l.name);
    }
  };
  loads(fastBlocks, "", top);
  lets(fastBlocks, "", top);
  if (desc.slowStates.length) {
    // Slow states hold unless this is a slow step.
    for (const k of desc.slowStates) {
      lines.push(`let n_${S[k]} = x[xo + ${k}];`);
      top.add(`n_${S[k]}`);
    }
    lines.push("if (slowStep) {");
    const inner = new Set(top);
    loads(desc.slow, "  ", inner);
    lets(desc.slow, "  ", inner);
    lines.push("}");
  }
  S.forEach((s, k) => lines.push(`x[xo + ${k}] = n_${s};`));
  loads(desc.coupled, "", top);
  lets(desc.coupled, "", top);
  desc.coupled.forEach((l, k) => lines.push(`h[ho + ${k}] = ${l.name};`));
  if (desc.derived.length) {
    lines.push("if (dv !== null) {");
    const inner = new Set(top);
    loads(desc.derived, "  ", inner);
    lets(desc.derived, "  ", inner);
    desc.derived.forEach((l, j) => lines.push(`  dv[dvo + ${j}] = ${l.name};`));
    lines.push("}");
  }
  return lines.join("\n");
}

/** The step as a float64 function: generated JavaScript where allowed, else closure trees (bit-identical). */
export function compileStepFunction(
  desc: StepDescription,
  integrator: StepIntegrator,
  evaluator: Evaluator = defaultEvaluator,
): StepFunction {
  if (evaluator === "closures" || (evaluator === "auto" && !canGenerateCode())) return compileClosureStep(desc, integrator);
  const body = emitTsStep(desc, integrator);
  return new Function(
    "x",
    "xo",
    "p",
    "po",
    "cs",
    "hs",
    "wsum",
    "z",
    "k",
    "slowStep",
    "h",
    "ho",
    "dv",
    "dvo",
    `"use strict";\n${body}`,
  ) as StepFunction;
}
