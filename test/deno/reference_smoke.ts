// Deno smoke test of the float64 reference backend: the SDK's source runs unchanged under
// Deno. Run with `deno test -A test/deno/` (scripts/test-runtimes.mjs does).
import assert from "node:assert/strict";
import { prepareSimulation } from "../../src/batch/prepare.ts";
import { simulateReference } from "../../src/backends/reference.ts";
import { supHopf } from "../../src/models/hopf.ts";
import { ringWeights } from "../smoke-network.ts";

// `Deno` is a global only under Deno; tsc (which also checks this folder) does not know it.
const { Deno } = globalThis as unknown as {
  Deno: { test(name: string, fn: () => void | Promise<void>): void };
};

Deno.test("reference SupHopf: noiseless limit cycle at radius √a, decay for a < 0", () => {
  const n = 4;
  const r = simulateReference(
    prepareSimulation({
      model: supHopf,
      network: { weights: ringWeights(n, 0) },
      lanes: 2,
      params: { a: [0.25, -0.2], sigma: 0, G: 0 },
      duration: 0.3,
      dt: 0.05,
      record: { observables: ["r2"], period: 10 },
    }),
  );
  const r2 = r.recorded.r2!;
  const perLane = r2.length / 2;
  for (let i = 0; i < n; i++) {
    assert.ok(Math.abs(Math.sqrt(r2[perLane - n + i]!) - 0.5) < 1e-5, `lane 0 node ${i}: radius ${Math.sqrt(r2[perLane - n + i]!)} != 0.5`);
    assert.ok(r2[2 * perLane - n + i]! < 1e-12, `lane 1 node ${i}: r2 ${r2[2 * perLane - n + i]} should decay to 0`);
  }
});

Deno.test("reference SupHopf with delays and noise: deterministic, finite, lanes independent", () => {
  const n = 6;
  const base = {
    model: supHopf,
    network: { weights: ringWeights(n, 0.3), lengths: ringWeights(n, 12), speed: 3 },
    duration: 0.05,
    dt: 0.1,
    lanes: 2,
    noise: "independent" as const,
    seed: 7,
    params: { a: -0.05, sigma: 0.05 },
    record: { observables: ["x"], period: 1 },
  };
  const a = simulateReference(prepareSimulation(base));
  const b = simulateReference(prepareSimulation(base));
  const x = a.recorded.x!;
  assert.equal(x.length, 2 * 50 * n);
  assert.deepEqual(b.recorded.x, x);
  assert.ok(x.every(Number.isFinite), "all samples finite");
  // Independent noise streams: the two lanes differ.
  assert.notDeepEqual(x.subarray(0, x.length / 2), x.subarray(x.length / 2));
  assert.equal(a.backend, "reference");
  assert.ok(a.nodeStepsPerSecond > 0);
});
