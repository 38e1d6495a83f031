// Float64 TypeScript/JavaScript emitter: the reference the f32 kernels are checked against.
// Functions are generated as source and compiled with `new Function`, so the reference runs at
// JIT speed without an interpreter. Where code generation from strings is forbidden (Cloudflare
// workerd, strict-CSP pages) compileTsFunctions falls back to closure trees of the same ASTs
// (codegen/closures.ts): bit-identical results, slower.
import type { CompiledModel } from "../models/spec.ts";
import { compileClosureFunctions } from "./closures.ts";
import { emitExpr } from "./emit.ts";

/** Per-node model functions, all float64. Offsets index into flat arrays. */
export interface NodeFunctions {
  /** Drift f (S values at fo), diffusion of noise channels g (at go), derived values (at dvo, or skipped when dv is null). */
  eval(x: Float64Array, xo: number, p: Float64Array, po: number, c: Float64Array, t: number,
    f: Float64Array, fo: number, g: Float64Array, go: number, dv: Float64Array | null, dvo: number): void;
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
  const evalFn = new Function("x", "xo", "p", "po", "c", "t", "f", "fo", "g", "go", "dv", "dvo", `"use strict";\n${evalSrc}`) as NodeFunctions["eval"];
  const coupledFn = new Function("x", "xo", "p", "po", "h", "ho", `"use strict";\n${coupledSrc}`) as NodeFunctions["coupled"];
  return { eval: evalFn, coupled: coupledFn, source: `// eval\n${evalSrc}\n// coupled\n${coupledSrc}` };
}
