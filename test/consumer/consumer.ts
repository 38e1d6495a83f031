// A user's program against the packed package (copied into a fresh project by
// scripts/test-consumer.mjs): strict TypeScript through the published types, then run in Node,
// Deno and Bun. Prints one JSON line that must be the same in every runtime.
import { VERSION } from "brainfit";
import { type NdArray, ndarray, parseNpy, writeNpy } from "brainfit/io";
import { compileModel, type ModelSpec, supHopf } from "brainfit/models";
import { simulate, type SimulationResult } from "brainfit/sim";
import { pearson } from "brainfit/stats";
import { CMAES } from "brainfit/optim";
import { defineProblem, type FitProblem } from "brainfit/fit";

const spec: ModelSpec = supHopf;
const model = compileModel(spec);

function run(backend: "reference" | "wasm"): Promise<SimulationResult> {
  return simulate({
    model: spec,
    network: { weights: [0, 0.5, 0.5, 0], lengths: [0, 10, 10, 0], speed: 5 },
    params: { a: -0.1, omega: 0.06, G: 0.3, sigma: 0.05 },
    duration: 0.2,
    dt: 0.1,
    seed: 7,
    lanes: 2,
    record: { observables: ["x"], period: 1 },
    backend,
    threads: 1,
  });
}

const ref = await run("reference");
const wasm = await run("wasm");
const a: Float32Array = ref.recorded["x"]!;
const b: Float32Array = wasm.recorded["x"]!;
let maxDiff = 0;
for (let i = 0; i < a.length; i++) maxDiff = Math.max(maxDiff, Math.abs(a[i]! - b[i]!));

const arr: NdArray = ndarray(Float64Array.from([1, 2, 3, 4]), [2, 2]);
const back = parseNpy(writeNpy(arr));

const opt = new CMAES({ lower: [0, 0], upper: [1, 1], seed: 1, popsize: 4 });
const asked: number[][] = opt.ask();
opt.tell(asked, asked.map((x) => (x[0]! - 0.3) ** 2 + (x[1]! - 0.6) ** 2));

const problem: FitProblem = defineProblem({
  model: spec,
  network: { weights: Float64Array.from([0, 1, 1, 0]) },
  free: [{ name: "G", bounds: [0, 1] }],
  target: { fc: Float64Array.from([1, 0.5, 0.5, 1]) },
  gof: ["+fc_corr"],
  simulation: { duration: 1, tr: 0.1 },
});

console.log(JSON.stringify({
  version: VERSION,
  states: model.stateNames,
  samples: ref.times.length,
  refFirst: Array.from(a.subarray(0, 4)),
  wasmCloseToRef: maxDiff < 1e-4,
  npy: Array.from(back.data as Float64Array),
  corr: pearson([1, 2, 3], [2, 4, 7]).toFixed(6),
  asked: asked.length,
  problemDim: problem.dim,
}));
