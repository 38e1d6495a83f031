// Deno smoke test: the bundled dataset and the readers work under Deno.
import assert from "node:assert/strict";
import { loadAal2, loadBold, loadFc, loadMap, loadSc } from "../../src/datasets/index.ts";

const { Deno } = globalThis as unknown as {
  Deno: { test(name: string, fn: () => void | Promise<void>): void };
};

Deno.test("bundled datasets load in Deno", async () => {
  const sc = await loadSc("strength", "schaefer-100", "group-train706", { normalize: true });
  assert.deepEqual(sc.shape, [100, 100]);
  let mean = 0;
  for (const v of sc.data) mean += v;
  assert.ok(Math.abs(mean / sc.data.length - 0.01) < 1e-12, "cuBNM normalisation gives mean 0.01");
  const bold = await loadBold("schaefer-100", "100206");
  assert.deepEqual(bold.shape, [100, 1200]);
  const fc = await loadFc();
  assert.equal(fc.data[0], 1);
  const yeo = await loadMap("yeo7");
  assert.equal(yeo.data.length, 100);
  const aal = await loadAal2("NAP_001", "sc", { cortexOnly: true });
  assert.deepEqual(aal.shape, [80, 80]);
});
