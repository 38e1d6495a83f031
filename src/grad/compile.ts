// Let blocks (the step's adjoint) compiled to float64 functions: generated JavaScript where the
// runtime allows `new Function`, else closure trees (codegen/closures.ts), as the step itself.
import { compileClosureLets } from "../codegen/closures.ts";
import { blockInputs } from "../codegen/step.ts";
import { canGenerateCode, type Evaluator, tsLet } from "../codegen/ts.ts";
import type { LetBlock } from "./adjoint.ts";

export type LetFunction = (inp: Float64Array, out: Float64Array) => void;

/** JavaScript body of a let block: loads from inp by `inputs` order, stores outputs to out. */
export function emitLetBlock(block: LetBlock, inputs: readonly string[]): string {
  const lines: string[] = [];
  for (const name of blockInputs(block.lets)) {
    const i = inputs.indexOf(name);
    if (i < 0) throw new Error(`let block reads '${name}', which is not among its inputs`);
    lines.push(`const ${name} = inp[${i}];`);
  }
  for (const l of block.lets) lines.push(tsLet(l));
  block.outputs.forEach((o, j) => lines.push(`out[${j}] = ${o};`));
  return lines.join("\n");
}

export function compileLetBlock(block: LetBlock, inputs: readonly string[], evaluator: Evaluator = "auto"): LetFunction {
  if (evaluator === "closures" || (evaluator === "auto" && !canGenerateCode())) {
    return compileClosureLets(block.lets, inputs, block.outputs);
  }
  return new Function("inp", "out", `"use strict";\n${emitLetBlock(block, inputs)}`) as LetFunction;
}
