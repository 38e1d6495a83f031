// Deno smoke test: the WASM gradient (grad/wasm.ts) with its lane groups on web Workers gives
// the bits of one thread, and agrees with the float64 reference's adjoint. Run: deno test -A test/deno/
import assert from "node:assert/strict";
import { prepareSimulation } from "../../src/batch/prepare.ts";
import { type LaneLoss, simulateGradient } from "../../src/grad/backward.ts";
import { simulateGradientWasm } from "../../src/grad/wasm.ts";
import { supHopf } from "../../src/models/hopf.ts";

const { Deno } = globalThis as unknown as {
  Deno: { test(name: string, fn: () => void | Promise<void>): void };
};

const loss: LaneLoss = (_lane, rec) => {
  const x = rec.x!;
  let value = 0;
  const g = new Float64Array(x.length);
  for (let k = 0; k < x.length; k++) {
    value += Math.sin(x[k]!) ** 2;
    g[k] = Math.sin(2 * x[k]!);
  }
  return { value, grad: { x: g } };
};

Deno.test("wasm gradient in Deno: web Workers give one thread's bits and the reference's gradient", async () => {
  const n = 6;
  const W = Float64Array.from({ length: n * n }, (_, i) => (i % 7 === 0 ? 0 : ((i * 37) % 11) / 40));
  const sim = prepareSimulation({
    model: supHopf,
    network: { weights: W, lengths: W.map((v) => v * 100), speed: 2 },
    lanes: 8,
    duration: 0.02,
    dt: 0.1,
    seed: 5,
    noise: "independent",
    params: { G: 0.4, sigma: 0.02 },
    record: { observables: ["x"], period: 0.5 },
  });
  const one = await simulateGradientWasm(sim, loss, { threads: 1 });
  const two = await simulateGradientWasm(sim, loss, { threads: 2 });
  assert.deepEqual(Array.from(two.paramGrad), Array.from(one.paramGrad));
  const ref = simulateGradient(sim, loss);
  let num = 0, den = 0;
  for (let k = 0; k < ref.paramGrad.length; k++) {
    num += (ref.paramGrad[k]! - two.paramGrad[k]!) ** 2;
    den += ref.paramGrad[k]! ** 2;
  }
  // 200 float32 steps: ~1e-6 relative (test/grad/wasm.test.ts derives the bound); a bug is O(1).
  assert.ok(Math.sqrt(num / den) < 1e-4, `relative L2 error ${Math.sqrt(num / den)}`);
});
