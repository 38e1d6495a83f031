// Deno smoke test: the WASM SIMD backend (relaxed SIMD and web Workers in Deno) agrees with
// the float64 reference. Run: deno test -A test/deno/
import assert from "node:assert/strict";
import { prepareSimulation } from "../../src/batch/prepare.ts";
import { simulateReference } from "../../src/backends/reference.ts";
import { simulateWasm } from "../../src/backends/wasm/driver.ts";
import { supHopf } from "../../src/models/hopf.ts";
import { wilsonCowan } from "../../src/models/wilsoncowan.ts";

// `Deno` is a global only under Deno; tsc (which also checks this folder) does not know it.
const { Deno } = globalThis as unknown as {
  Deno: { test(name: string, fn: () => void | Promise<void>): void };
};

for (const model of [supHopf, wilsonCowan]) {
  Deno.test(`wasm backend in Deno matches the reference: ${model.name}`, async () => {
    const n = 6;
    const W = Float64Array.from({ length: n * n }, (_, i) => (i % 7 === 0 ? 0 : ((i * 37) % 11) / 40));
    const opts = {
      model,
      network: { weights: W, lengths: W.map((v) => v * 100), speed: 2 },
      lanes: 20,
      duration: 0.02,
      dt: 0.1,
      seed: 5,
      noise: "independent" as const,
      record: { observables: [model.states[0]!.name], period: 0.5 },
    };
    const ref = simulateReference(prepareSimulation(opts));
    for (const threads of [1, 2]) {
      const got = await simulateWasm(prepareSimulation(opts), { threads });
      assert.equal(got.backend, "wasm");
      const name = model.states[0]!.name;
      const a = ref.recorded[name]!, b = got.recorded[name]!;
      assert.equal(b.length, a.length);
      let err = 0, scale = 1e-3;
      for (let i = 0; i < a.length; i++) {
        err = Math.max(err, Math.abs(a[i]! - b[i]!));
        scale = Math.max(scale, Math.abs(a[i]!));
      }
      // 200 steps of float32 rounding: ~1e-6 relative; 1e-4 leaves room, a real bug is O(1).
      assert.ok(err <= 1e-4 * scale, `${model.name}, ${threads} thread(s): max |wasm − ref| ${err} (scale ${scale})`);
    }
  });
}
