// The float64 reference with its two model evaluators, side by side in one run: generated
// JavaScript (`new Function`, the default where allowed) and closure trees (codegen/closures.ts,
// what runs where code generation is forbidden, e.g. workerd). Same problems, same seeds; the
// results are checked to be bit-identical. Prints node-steps/s and the closures ÷ generated ratio.
// Run: node scripts/run-ts.mjs bench/evaluator.bench.ts   (EVAL_BENCH_S=… sets simulated seconds)
import { withBold } from "../src/models/bold.ts";
import { rww } from "../src/models/rww.ts";
import { supHopf } from "../src/models/hopf.ts";
import { wilsonCowan } from "../src/models/wilsoncowan.ts";
import { jansenRit } from "../src/models/jansenrit.ts";
import type { ModelSpec } from "../src/models/spec.ts";
import { type Evaluator, setModelEvaluator } from "../src/codegen/ts.ts";
import { simulate } from "../src/sim/simulate.ts";
import { hcpSchaefer100Input } from "./native.ts";

const seconds = Number(process.env.EVAL_BENCH_S ?? 0.5);
const input = hcpSchaefer100Input(6);
const cases: [string, ModelSpec, Record<string, number>][] = [
  ["SupHopf", supHopf, { G: 0.05, a: -0.05 }],
  ["WilsonCowan", wilsonCowan, {}],
  ["JansenRit", jansenRit, {}],
  ["rWW + BOLD", withBold(rww, { params: "cubnm" }), { G: 0.5 }],
];
console.log(`evaluator bench: reference backend, HCP Schaefer-100 (100 nodes), ${seconds} s simulated, dt 0.1 ms, 1 lane`);
for (const [label, model, params] of cases) {
  const rates: Partial<Record<Evaluator, number>> = {};
  const outs: Partial<Record<Evaluator, Float32Array>> = {};
  for (const mode of ["generated", "closures", "generated", "closures"] as Evaluator[]) {
    setModelEvaluator(mode);
    const r = await simulate({
      model,
      network: input,
      duration: seconds,
      dt: 0.1,
      backend: "reference",
      seed: 1,
      params,
      record: { observables: [model.states[0]!.name], period: 10 },
    });
    rates[mode] = Math.max(rates[mode] ?? 0, r.nodeStepsPerSecond); // best of two, interleaved
    outs[mode] = Object.values(r.recorded)[0]!;
  }
  const same = outs.generated!.every((v, i) => Object.is(v, outs.closures![i]));
  console.log(
    `${label.padEnd(12)} generated ${(rates.generated! / 1e6).toFixed(3)} M node-steps/s  closures ${
      (rates.closures! / 1e6).toFixed(3)
    } M  ` +
      `closures ÷ generated ${(rates.closures! / rates.generated!).toFixed(2)}  ${same ? "bit-identical" : "RESULTS DIFFER"}`,
  );
  if (!same) process.exitCode = 1;
}
setModelEvaluator("auto");
