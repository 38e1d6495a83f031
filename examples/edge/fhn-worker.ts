// The edge worker for a user-defined model (fhn.json, FitzHugh–Nagumo), whose WASM kernels were
// compiled ahead of time, since workerd cannot compile WebAssembly:
//   npx brainfit compile examples/edge/fhn.json --out build/fhn-kernels
//   node examples/edge/build.mjs --entry examples/edge/fhn-worker.ts
//   npx workerd serve examples/edge/build/config.capnp
//   curl -s -X POST http://127.0.0.1:8787 -d '{"I": [0.3, 0.5], "duration": 0.1}'
// Body: FhnRequest (fhn-problem.ts). Reply: {"backendInfo": "…", "recorded": {"v": [lanes × samples × nodes], "w": […]}}
import { provideWasmModules, simulate } from "brainfit/sim";
import { type FhnRequest, fhnSimulation } from "./fhn-problem.ts";
import k1 from "../../build/fhn-kernels/FitzHughNagumo.w1.simd.wasm";
import k2 from "../../build/fhn-kernels/FitzHughNagumo.w2.simd.wasm";
import k4 from "../../build/fhn-kernels/FitzHughNagumo.w4.simd.wasm";
import r1 from "../../build/fhn-kernels/FitzHughNagumo.w1.relaxed.wasm";
import r2 from "../../build/fhn-kernels/FitzHughNagumo.w2.relaxed.wasm";
import r4 from "../../build/fhn-kernels/FitzHughNagumo.w4.relaxed.wasm";
import kn from "../../build/fhn-kernels/FitzHughNagumo.nodes.simd.wasm";
import rn from "../../build/fhn-kernels/FitzHughNagumo.nodes.relaxed.wasm";

provideWasmModules([k1, k2, k4, kn, r1, r2, r4, rn]);

export default {
  async fetch(request: Request): Promise<Response> {
    if (request.method !== "POST") return Response.json({ usage: 'POST {"I": [0.5], "duration": 0.05}' }, { status: 405 });
    let options;
    try {
      options = fhnSimulation((await request.json()) as FhnRequest);
    } catch (err) {
      return Response.json({ error: (err as Error).message }, { status: 400 });
    }
    try {
      const r = await simulate(options);
      const recorded = Object.fromEntries(Object.entries(r.recorded).map(([k, v]) => [k, Array.from(v)]));
      return Response.json({ backendInfo: r.backendInfo, lanes: r.lanes, nNodes: r.nNodes, samples: r.times.length, recorded });
    } catch (err) {
      return Response.json({ error: (err as Error).message }, { status: 500 });
    }
  },
};
