// The WebGPU half of test/deno/webgpu_smoke.ts, run by it as `deno run -A` in a child process:
// SupHopf with delays and noise on webgpu agrees with the float64 reference. A separate
// process because Deno 2.9's `deno test` aborts at exit ("double free or corruption") in ~1
// run of 8 once navigator.gpu has given it an adapter on lavapipe, even after every test
// passed; `deno run` exited cleanly in 600 of 600 runs of the same calls.
import assert from "node:assert/strict";
import { prepareSimulation } from "../../../src/batch/prepare.ts";
import { simulateReference } from "../../../src/backends/reference.ts";
import { simulateWebGpu } from "../../../src/backends/webgpu/driver.ts";
import { probeWebGpu } from "../../../src/backends/webgpu/gpu.ts";
import { supHopf } from "../../../src/models/hopf.ts";
import { ringWeights } from "../../smoke-network.ts";

const probe = await probeWebGpu();
assert.ok(probe.available, `no WebGPU adapter under Deno: ${probe.reason}`);
const n = 6;
const sim = prepareSimulation({
  model: supHopf,
  network: { weights: ringWeights(n, 0.3), lengths: ringWeights(n, 12), speed: 3 },
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
console.log(`webgpu matches the reference on ${gpu.backendInfo}`);
