// The rWW + FIC + BOLD workload the CPU throughput benches share (cuBNM's): HCP Schaefer-100,
// dt 0.1 ms, Euler, BOLD at bw_dt 1 ms (cuBNM's) recorded every 1 s and streamed, G 0.5 with
// analytical FIC, on the wasm backend.
import type { WasmOptions } from "../src/backends/wasm/driver.ts";
import type { NetworkInput } from "../src/batch/network.ts";
import { withBold } from "../src/models/bold.ts";
import { analyticalFic } from "../src/models/fic.ts";
import { rww } from "../src/models/rww.ts";
import { simulate, type SimulateOptions } from "../src/sim/simulate.ts";
import type { ModelSpec } from "../src/models/spec.ts";

export const RWW_DT = 0.1;
export const rwwBold = withBold(rww, { params: "cubnm" });

/** FIC's wIE per node at G 0.5 for this network's weights. */
export function ficWIE(network: NetworkInput): Float64Array {
  return analyticalFic({ sc: network.weights, G: 0.5 }).wIE;
}

/**
 * simulate() of `lanes` copies of the workload for `steps` steps, recording discarded. `wasm`
 * options (width, tiles) reach the driver: simulate() hands it its whole options object.
 */
export function simulateRwwBold(o: {
  network: NetworkInput;
  wIE: ArrayLike<number>;
  lanes: number;
  steps: number;
  threads: number;
  noise?: "shared" | "independent";
  wasm?: WasmOptions;
  /** rwwBold under another name (its own kernel: bench/asm-ab.bench.ts), default rwwBold. */
  model?: ModelSpec;
}) {
  const n = o.wIE.length;
  const wie = new Float64Array(o.lanes * n);
  for (let l = 0; l < o.lanes; l++) wie.set(o.wIE, l * n);
  return simulate(
    <SimulateOptions & WasmOptions> {
      model: o.model ?? rwwBold,
      network: o.network,
      lanes: o.lanes,
      duration: (o.steps * RWW_DT) / 1000,
      dt: RWW_DT,
      integrator: "euler",
      backend: "wasm",
      threads: o.threads,
      seed: 1,
      noise: o.noise ?? "shared",
      params: { G: 0.5, wIE: wie },
      record: { observables: ["bold"], period: 1000 },
      keepRecorded: false,
      onChunk: () => {},
      ...o.wasm,
    },
  );
}
