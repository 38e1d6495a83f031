// Bun smoke test: the SDK's TypeScript source runs unchanged under Bun. Reference always;
// webgpu (Dawn via the `webgpu` package) when src/backends/webgpu/driver.ts exists; wasm when
// src/backends/wasm/driver.ts exists. A backend whose file exists but cannot be imported is skipped
// with a warning locally and is a failure in CI (CI=true).
// Run: bun test/bun/smoke.ts   (scripts/test-runtimes.mjs does). Exit code 1 on any failure.
import { existsSync } from "node:fs";
import { join } from "node:path";
import { smokeBackend, smokeGradient, type SmokeOutcome, smokeReference } from "../browser/smoke-core.ts";

const root = join(import.meta.dirname ?? new URL(".", import.meta.url).pathname, "..", "..");
const ci = process.env.CI === "true" || process.env.CI === "1";
const runtime = (process.versions as Record<string, string | undefined>).bun
  ? `bun ${process.versions.bun}`
  : `node ${process.versions.node}`;

const outcomes: SmokeOutcome[] = [];
const ref = await smokeReference();
outcomes.push(ref.outcome);

const optional = [
  { backend: "webgpu" as const, file: "src/backends/webgpu/driver.ts", load: () => import("../../src/backends/webgpu/driver.ts") },
  { backend: "wasm" as const, file: "src/backends/wasm/driver.ts", load: () => import("../../src/backends/wasm/driver.ts") },
];
for (const b of optional) {
  if (!existsSync(join(root, b.file))) {
    console.log(`SKIP bun ${b.backend}: ${b.file} does not exist yet`);
    continue;
  }
  try {
    await b.load();
  } catch (err) {
    const why = `${b.file} exists but does not import: ${(err as Error).message.split("\n")[0]}`;
    if (ci) outcomes.push({ backend: b.backend, ok: false, detail: why });
    else console.log(`SKIP bun ${b.backend}: ${why} (a failure when CI=true)`);
    continue;
  }
  if (!ref.result) {
    outcomes.push({ backend: b.backend, ok: false, detail: "no reference result to compare with" });
    continue;
  }
  outcomes.push(await smokeBackend(b.backend, ref.result));
}

// The bundled dataset loads under Bun.
try {
  const { loadSc, loadBold } = await import("../../src/datasets/index.ts");
  const sc = await loadSc("strength", "schaefer-100", "group-train706", { normalize: true });
  const bold = await loadBold("schaefer-100", "100206");
  const ok = sc.shape.join("x") === "100x100" && bold.shape.join("x") === "100x1200";
  outcomes.push({ backend: "datasets" as never, ok, detail: `SC ${sc.shape.join("×")}, BOLD ${bold.shape.join("×")}` });
} catch (err) {
  outcomes.push({ backend: "datasets" as never, ok: false, detail: (err as Error).message });
}

// The WASM gradient with its lane groups on Bun's web Workers.
outcomes.push(await smokeGradient());

for (const o of outcomes) console.log(`${o.ok ? "PASS" : "FAIL"} bun ${o.backend}: ${o.detail}`);
const failed = outcomes.filter((o) => !o.ok).length;
console.log(`bun smoke (${runtime}): ${outcomes.length - failed} passed, ${failed} failed`);
// Dawn can keep the event loop alive; exit explicitly.
process.exit(failed ? 1 : 0);
