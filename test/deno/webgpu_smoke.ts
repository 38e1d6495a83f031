// Deno smoke test of the WebGPU backend (navigator.gpu is built into Deno): SupHopf with
// delays and noise on webgpu agrees with the float64 reference. Run with
// `deno test -A test/deno/`. Fails when Deno finds no adapter, unless BRAINFIT_NO_WEBGPU=1.
import assert from "node:assert/strict";
import { prepareSimulation } from "../../src/batch/prepare.ts";
import { simulateReference } from "../../src/backends/reference.ts";
import { simulateWebGpu } from "../../src/backends/webgpu/driver.ts";
import { probeWebGpu } from "../../src/backends/webgpu/gpu.ts";
import { supHopf } from "../../src/models/hopf.ts";

// `Deno` is a global only under Deno; tsc (which also checks this folder) does not know it.
const { Deno } = globalThis as unknown as {
  Deno: {
    test(def: { name: string; ignore?: boolean; sanitizeResources?: boolean; sanitizeOps?: boolean; fn: () => Promise<void> }): void;
    env: { get(key: string): string | undefined };
  };
};

function ring(n: number, w: number): Float64Array {
  const W = new Float64Array(n * n);
  for (let i = 0; i < n; i++) {
    W[i * n + ((i + 1) % n)] = w;
    W[((i + 1) % n) * n + i] = w;
  }
  return W;
}

Deno.test({
  name: "webgpu SupHopf with delays and noise matches the float64 reference",
  ignore: Deno.env.get("BRAINFIT_NO_WEBGPU") === "1",
  // The GPU device stays open for later simulations (it is cached on purpose).
  sanitizeResources: false,
  sanitizeOps: false,
  fn: async () => {
    const probe = await probeWebGpu();
    assert.ok(probe.available, `no WebGPU adapter under Deno: ${probe.reason}`);
    const n = 6;
    const sim = prepareSimulation({
      model: supHopf,
      network: { weights: ring(n, 0.3), lengths: ring(n, 12), speed: 3 },
      duration: 0.02,
      dt: 0.1,
      lanes: 2,
      noise: "independent",
      seed: 7,
      params: { a: [-0.05, 0.2], sigma: 0.05, G: 0.5 },
      record: { observables: ["x", "y"], period: 1 },
      averages: ["r2"],
    });
    const gpu = await simulateWebGpu(sim);
    const ref = simulateReference(sim);
    assert.equal(gpu.backend, "webgpu");
    assert.match(gpu.backendInfo, /^WebGPU on /);
    // 200 steps of a weakly expanding system (L < 1/ms, t = 20 ms): f32 error stays ~1e-6.
    for (const name of ["x", "y"]) {
      const g = gpu.recorded[name]!, r = ref.recorded[name]!;
      assert.equal(g.length, 2 * 20 * n);
      for (let q = 0; q < g.length; q++) {
        assert.ok(Math.abs(g[q]! - r[q]!) < 1e-5, `${name}[${q}]: webgpu ${g[q]} vs reference ${r[q]}`);
      }
    }
    for (let q = 0; q < 2 * n; q++) assert.ok(Math.abs(gpu.averages.r2![q]! - ref.averages.r2![q]!) < 1e-5);
  },
});
